"""Timed practice sets at the exam's pace.

The SAP-C02 exam's length and number of questions come from the facts table
(``sap_c02_exam_minutes``, ``sap_c02_exam_questions``), so the pace a practice set is held to
is the real exam's: minutes divided by questions, per question. A practice set is drawn with
:func:`labkit.guide.quiz.practice_set` (seeded); :func:`pace_report` compares the time taken
with the time the exam would allow for the same number of questions, and
:func:`labkit.guide.quiz.score_by_domain` scores it per exam domain.

Contents
    exam_format, seconds_per_question, available_sizes, PaceReport, pace_report,
    practice_markdown
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from labkit.core.validation import check_int, check_nonnegative
from labkit.guide.quiz import PRACTICE_SIZES, Question

__all__ = ["PaceReport", "available_sizes", "exam_format", "pace_report", "practice_markdown",
           "seconds_per_question"]


def exam_format() -> tuple[int, int]:
    """``(minutes, questions)`` of the SAP-C02 exam, from the facts table.

    >>> exam_format()
    (180, 75)
    """
    from labkit.core.facts import fact_value

    return int(fact_value("sap_c02_exam_minutes")), int(fact_value("sap_c02_exam_questions"))


def seconds_per_question() -> float:
    """The exam's pace: its length divided by its questions, in seconds per question.

    >>> seconds_per_question()
    144.0
    """
    minutes, questions = exam_format()
    return 60.0 * minutes / questions


def available_sizes(pool: Sequence[Question]) -> tuple[int, ...]:
    """The practice sizes (10, 20, 75) that ``pool`` holds enough questions for.

    >>> available_sizes(range(30))
    (10, 20)
    """
    return tuple(s for s in PRACTICE_SIZES if s <= len(pool))


@dataclass(frozen=True)
class PaceReport:
    """Time taken for the questions answered, against the exam's allowance for as many."""

    answered: int
    elapsed_s: float
    allowed_s: float

    @property
    def on_pace(self) -> bool:
        """True when the time taken is within the exam's allowance."""
        return self.elapsed_s <= self.allowed_s

    def text(self) -> str:
        """One sentence: time taken, the exam's allowance and the verdict.

        >>> pace_report(300.0, 3).text()
        '3 questions in 5 min 0 s; the exam allows 7 min 12 s for 3 (144 s each): on pace.'
        """
        def mmss(s: float) -> str:
            return f"{int(s // 60)} min {int(round(s % 60))} s"

        verdict = "on pace" if self.on_pace else (
            f"{mmss(self.elapsed_s - self.allowed_s)} behind the exam's pace")
        per = self.allowed_s / self.answered if self.answered else seconds_per_question()
        return (f"{self.answered} questions in {mmss(self.elapsed_s)}; the exam allows "
                f"{mmss(self.allowed_s)} for {self.answered} ({per:.0f} s each): {verdict}.")


def pace_report(elapsed_s: float, answered: int) -> PaceReport:
    """Compare ``elapsed_s`` spent on ``answered`` questions with the exam's pace.

    >>> pace_report(3000.0, 20).on_pace, pace_report(2800.0, 20).on_pace
    (False, True)
    """
    elapsed = check_nonnegative("elapsed_s", elapsed_s)
    n = check_int("answered", answered, minimum=0, maximum=10_000)
    return PaceReport(n, elapsed, n * seconds_per_question())


def practice_markdown(questions: Sequence[Question]) -> str:
    """A practice set for readers without a kernel: the time the exam would allow for it, the
    questions by domain, then the questions with collapsed answers.

    >>> from labkit.guide.quiz import practice_set
    >>> text = practice_markdown(practice_set(10, seed=3))
    >>> text.splitlines()[0]
    '**Practice set: 10 questions, 24 minutes at the exam pace** (180 minutes for 75 questions).'
    """
    from collections import Counter

    from labkit.guide.quiz import DOMAINS
    from labkit.guide.render import quiz_markdown

    minutes, total = exam_format()
    budget = len(questions) * seconds_per_question() / 60
    head = (f"**Practice set: {len(questions)} questions, {budget:g} minutes at the exam pace** "
            f"({minutes} minutes for {total} questions).")
    counts = Counter(DOMAINS.get(q.domain or "", "(no domain)") for q in questions)
    by_domain = "\n".join(f"- {name}: {n}" for name, n in sorted(counts.items()))
    return f"{head}\n\n{by_domain}\n\n{quiz_markdown(questions)}"
