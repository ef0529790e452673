"""Choosing a pattern: the selection table as data, a recommender, scenario questions and the
lab's key takeaways (notebook 13).

Selection table (``catalog.py``; data in ``data/patterns.json``)
    load_catalog, PatternCatalog, Pattern, Requirement, Serves, TradeOff, Contradiction
Recommender (``recommend.py``)
    recommend, Recommendation, RequirementsError, EmptyRequirementsError,
    ContradictoryRequirementsError
Scenario questions (``quiz.py``; data in ``data/quiz.json``)
    load_quiz, validate_quiz, grade, score, Question, Option, Feedback, QuizScore, QuizError
Key takeaways, measured by small runs of the other families (``takeaways.py``)
    TAKEAWAYS, Takeaway, Measurement, measure_all
Limits the questions turn on, from the data files (``limits.py``)
    load_limits, exam_limits, EXAM_LIMITS
Habit vs requirements (``selection.py``) and figures (``plots.py``)
    coverage, compare_with_habit, HABIT, plot_coverage, plot_scores
Widgets with static renderings (``widgets.py``; ipywidgets imported when used)
    RequirementsChecklist, QuizPanel, recommendations_markdown, takeaways_markdown
"""

from labkit.guide.catalog import (
    Contradiction,
    Pattern,
    PatternCatalog,
    Requirement,
    Serves,
    TradeOff,
    load_catalog,
)
from labkit.guide.limits import EXAM_LIMITS, exam_limits, load_limits
from labkit.guide.plots import plot_coverage, plot_scores
from labkit.guide.quiz import (
    Feedback,
    Option,
    Question,
    QuizError,
    QuizScore,
    grade,
    load_quiz,
    score,
    validate_quiz,
)
from labkit.guide.recommend import (
    ContradictoryRequirementsError,
    EmptyRequirementsError,
    Recommendation,
    RequirementsError,
    recommend,
)
from labkit.guide.selection import HABIT, compare_with_habit, coverage
from labkit.guide.takeaways import TAKEAWAYS, Measurement, Takeaway, measure_all
from labkit.guide.widgets import (
    QuizPanel,
    RequirementsChecklist,
    recommendations_markdown,
    takeaways_markdown,
)

__all__ = [
    # selection table
    "Contradiction", "Pattern", "PatternCatalog", "Requirement", "Serves", "TradeOff",
    "load_catalog",
    # recommender
    "ContradictoryRequirementsError", "EmptyRequirementsError", "Recommendation",
    "RequirementsError", "recommend",
    # scenario questions
    "Feedback", "Option", "Question", "QuizError", "QuizScore", "grade", "load_quiz", "score",
    "validate_quiz",
    # takeaways
    "TAKEAWAYS", "Measurement", "Takeaway", "measure_all",
    # limits
    "EXAM_LIMITS", "exam_limits", "load_limits",
    # habit vs requirements, figures
    "HABIT", "compare_with_habit", "coverage", "plot_coverage", "plot_scores",
    # widgets
    "QuizPanel", "RequirementsChecklist", "recommendations_markdown", "takeaways_markdown",
]
