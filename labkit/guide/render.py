"""Markdown renderings of notebook 13's tables: ranked patterns with links into the notebooks,
the measured takeaways, and the questions as a static list. Pure text, so the static output
and the widgets show the same thing.

Contents
    recommendations_markdown, takeaways_markdown, quiz_markdown
"""

from __future__ import annotations

from collections.abc import Sequence

from labkit.guide.quiz import Question
from labkit.guide.recommend import Recommendation

__all__ = ["quiz_markdown", "recommendations_markdown", "takeaways_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def recommendations_markdown(recs: Sequence[Recommendation], *, reasons: bool = True) -> str:
    """A Markdown table of ranked patterns, each linked to the notebook that teaches it.

    >>> from labkit.guide.recommend import recommend
    >>> table = recommendations_markdown(recommend(["distributed_transaction"]))
    >>> table.splitlines()[2].split(" | ")[1]
    '[Saga (orchestrated with compensations)](05-saga.ipynb)'
    """
    if reasons:
        rows = ["| rank | pattern | score | AWS services | why | watch out |",
                "|---|---|---|---|---|---|"]
    else:
        rows = ["| rank | pattern | score | AWS services |", "|---|---|---|---|"]
    for r in recs:
        cells = [str(r.rank), f"[{r.pattern.name}]({r.pattern.notebook})", str(r.score),
                 _cell("; ".join(r.pattern.aws_services))]
        if reasons:
            cells += [_cell(" ".join(r.reasons)),
                      _cell(" ".join(r.conflicts) or (r.tradeoffs[0] if r.tradeoffs else ""))]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def takeaways_markdown(frame) -> str:
    """A Markdown table of measured takeaways (the frame from ``measure_all``)."""
    rows = ["| # | takeaway | measured just now | notebook |", "|---|---|---|---|"]
    for row in frame.itertuples(index=False):
        rows.append(f"| {row.number} | {_cell(row.lesson)} | {_cell(row.measured)} | "
                    f"[{row.notebook.removesuffix('.ipynb')}]({row.notebook}) |")
    return "\n".join(rows)


def quiz_markdown(questions: Sequence[Question], *, answers: bool = True) -> str:
    """The questions as a static list for readers without a kernel: each question with its
    options, then a collapsed answer with every option explained, the exam domain and a link to
    the section that teaches it. With ``answers=False`` (the classroom edition) the answers are
    left out: the quiz widget checks a choice instead.

    >>> from labkit.guide.quiz import load_quiz
    >>> text = quiz_markdown(load_quiz(notebook="10-circuit-breaker.ipynb")[:1])
    >>> "<details>" in text and "Answer" in text
    True
    """
    parts = []
    for q in questions:
        explained = "\n".join(f"- **{o.key}** {'(correct)' if o.correct else ''}: "
                              f"{_cell(o.explanation)}" for o in q.options)
        domain = f" Exam domain: {q.domain_name}." if q.domain else ""
        if not answers:
            parts.append(f"{q.as_markdown()}\n\nLearn it in [{q.notebook}]({q.link}).{domain}")
            continue
        parts.append(
            f"{q.as_markdown()}\n\n<details><summary>Answer: {q.answer}</summary>\n\n"
            f"{explained}\n\nLearn it in [{q.notebook}]({q.link}).{domain}\n\n</details>")
    return "\n\n".join(parts)   # no "---" rule: MyST reads it as a section break
