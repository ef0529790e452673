"""The interactive pieces of notebook 13: the requirements checklist and the quiz, plus the
static Markdown renderings shown on GitHub and compared by nbval.

ipywidgets and IPython are imported inside the functions, so importing labkit stays fast.

Contents
    recommendations_markdown, takeaways_markdown, checklist, quiz
"""

from __future__ import annotations

from collections.abc import Sequence

from labkit.guide.catalog import PatternCatalog, load_catalog
from labkit.guide.quiz import Question, grade, load_quiz, score
from labkit.guide.recommend import Recommendation, RequirementsError, recommend

__all__ = ["checklist", "quiz", "recommendations_markdown", "takeaways_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def recommendations_markdown(recs: Sequence[Recommendation], *, reasons: bool = True) -> str:
    """A Markdown table of ranked patterns, each linked to the notebook that teaches it.

    >>> from labkit.guide.recommend import recommend
    >>> table = recommendations_markdown(recommend(["distributed_transaction"]))
    >>> table.splitlines()[2].split(" | ")[1]
    '[Saga (orchestrated with compensations)](05-saga.ipynb)'
    """
    head = "| rank | pattern | score | AWS services | why | watch out |"
    rows = [head if reasons else "| rank | pattern | score | AWS services |",
            "|---|---|---|---|---|---|" if reasons else "|---|---|---|---|"]
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


def checklist(*, catalog: PatternCatalog | None = None, limit: int = 6):
    """A requirements checklist (one checkbox per requirement, grouped) that ranks the patterns
    as boxes are ticked. Returns an ipywidgets ``VBox``."""
    import ipywidgets as widgets
    from IPython.display import Markdown, display

    catalog = catalog or load_catalog()
    boxes = {r.id: widgets.Checkbox(value=False, description=r.label, indent=False,
                                    layout=widgets.Layout(width="auto"))
             for r in catalog.requirements}
    groups = []
    for group in dict.fromkeys(r.group for r in catalog.requirements):
        members = [boxes[r.id] for r in catalog.requirements if r.group == group]
        groups.append(widgets.VBox([widgets.HTML(f"<b>{group.capitalize()}</b>"), *members]))
    out = widgets.Output()

    def refresh(_change=None) -> None:
        chosen = [rid for rid, box in boxes.items() if box.value]
        out.clear_output(wait=True)
        with out:
            try:
                recs = recommend(chosen, catalog=catalog, limit=limit)
            except RequirementsError as err:
                display(Markdown(f"**{err}**"))
                return
            display(Markdown(recommendations_markdown(recs)))

    for box in boxes.values():
        box.observe(refresh, names="value")
    refresh()
    return widgets.VBox([widgets.HBox(groups[:3]), widgets.HBox(groups[3:]), out])


def quiz(questions: Sequence[Question] | None = None):
    """The quiz as widgets: each question with its options, a Check button giving feedback on
    every option, and a running score. Returns an ipywidgets ``VBox``."""
    import ipywidgets as widgets

    questions = tuple(questions) if questions is not None else load_quiz()
    answers: dict[str, str] = {}
    total = widgets.HTML(score(questions, answers).text())
    items = []
    for q in questions:
        choice = widgets.RadioButtons(options=[(f"{o.key}. {o.text}", o.key) for o in q.options],
                                      value=None, layout=widgets.Layout(width="auto"))
        button = widgets.Button(description="Check", button_style="primary")
        feedback = widgets.HTML()

        def check(_button, q=q, choice=choice, feedback=feedback) -> None:
            if choice.value is None:
                feedback.value = "<i>Choose an option first.</i>"
                return
            answers[q.id] = choice.value
            result = grade(q, choice.value)
            verdict = ("<b style='color:#009E73'>Correct.</b>" if result.correct else
                       f"<b style='color:#D55E00'>Not quite: the answer is {q.answer}.</b>")
            rows = "".join(f"<li><b>{o.key}</b>: {o.explanation}</li>" for o in q.options)
            feedback.value = (f"{verdict}<ul>{rows}</ul><small>Sources: "
                              f"{'; '.join(q.sources)}</small>")
            total.value = score(questions, answers).text()

        button.on_click(check)
        items.append(widgets.VBox([
            widgets.HTML(f"<h4>{q.id} · {q.topic} "
                         f"(<a href='{q.notebook}'>{q.notebook}</a>)</h4>"
                         f"<p>{q.scenario}</p><p><i>{q.question}</i></p>"),
            choice, button, feedback]))
    return widgets.VBox([total, *items, total])
