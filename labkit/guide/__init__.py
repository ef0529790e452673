"""Choosing a pattern: the selection table as data, a recommender, scenario questions and the
lab's key takeaways (notebook 13).

Selection table (``catalog.py``; data in ``data/patterns.json``)
    load_catalog, PatternCatalog, Pattern, Requirement, Serves, TradeOff, Contradiction,
    SelectionRow
Recommender (``recommend.py``)
    recommend, Recommendation, RequirementsError, EmptyRequirementsError,
    ContradictoryRequirementsError
Scenario questions (``quiz.py``; data in ``data/quiz/<notebook>.json``)
    load_quiz, validate_quiz, grade, score, practice_set, score_by_domain, Question, Option,
    Feedback, QuizScore, QuizError, DOMAINS
Timed practice sets at the exam's pace (``exam.py``; the widget is ``labkit.ui.guide.PracticeExam``)
    exam_format, seconds_per_question, available_sizes, pace_report, PaceReport,
    practice_markdown
Key takeaways, measured by small runs of the other families (``takeaways.py``)
    TAKEAWAYS, Takeaway, Measurement, measure_all
Limits the questions turn on, from the data files (``limits.py``)
    load_limits, exam_limits, EXAM_LIMITS
Habit vs requirements (``selection.py``) and figures (``plots.py``)
    coverage, compare_with_habit, HABIT, plot_coverage, plot_scores
Markdown renderings (``render.py``; the widgets are in ``labkit.ui.guide``)
    recommendations_markdown, takeaways_markdown, quiz_markdown
"""

from labkit.guide.catalog import (
    Contradiction,
    Pattern,
    PatternCatalog,
    Requirement,
    SelectionRow,
    Serves,
    TradeOff,
    load_catalog,
)
from labkit.guide.exam import (
    PaceReport,
    available_sizes,
    exam_format,
    pace_report,
    practice_markdown,
    seconds_per_question,
)
from labkit.guide.limits import EXAM_LIMITS, exam_limits, load_limits
from labkit.guide.plots import plot_coverage, plot_scores
from labkit.guide.quiz import (
    DOMAINS,
    Feedback,
    Option,
    Question,
    QuizError,
    QuizScore,
    grade,
    load_quiz,
    practice_set,
    score,
    score_by_domain,
    validate_quiz,
)
from labkit.guide.recommend import (
    ContradictoryRequirementsError,
    EmptyRequirementsError,
    Recommendation,
    RequirementsError,
    recommend,
)
from labkit.guide.render import quiz_markdown, recommendations_markdown, takeaways_markdown
from labkit.guide.selection import HABIT, compare_with_habit, coverage
from labkit.guide.takeaways import TAKEAWAYS, Measurement, Takeaway, measure_all

__all__ = [
    # selection table
    "Contradiction", "Pattern", "PatternCatalog", "Requirement", "SelectionRow", "Serves",
    "TradeOff", "load_catalog",
    # recommender
    "ContradictoryRequirementsError", "EmptyRequirementsError", "Recommendation",
    "RequirementsError", "recommend",
    # scenario questions
    "DOMAINS", "Feedback", "Option", "Question", "QuizError", "QuizScore", "grade", "load_quiz",
    "practice_set", "score", "score_by_domain", "validate_quiz",
    # timed practice
    "PaceReport", "available_sizes", "exam_format", "pace_report", "practice_markdown",
    "seconds_per_question",
    # takeaways
    "TAKEAWAYS", "Measurement", "Takeaway", "measure_all",
    # limits
    "EXAM_LIMITS", "exam_limits", "load_limits",
    # habit vs requirements, figures
    "HABIT", "compare_with_habit", "coverage", "plot_coverage", "plot_scores",
    # Markdown renderings
    "quiz_markdown", "recommendations_markdown", "takeaways_markdown",
]
