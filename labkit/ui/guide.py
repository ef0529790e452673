"""The interactive pieces of notebook 13, each with a static rendering for GitHub and nbval:
the requirements checklist (ranked patterns with links into the notebooks) and the quiz (feedback
per answer and a running score).

ipywidgets, IPython and matplotlib are imported inside the methods, so importing labkit stays fast.

Contents
    RequirementsChecklist, QuizPanel
"""

from __future__ import annotations

from collections.abc import Sequence

from labkit.guide.catalog import PatternCatalog, load_catalog
from labkit.guide.quiz import Question, grade, load_quiz, score
from labkit.guide.recommend import RequirementsError, recommend
from labkit.guide.render import recommendations_markdown
from labkit.ui.fallback import FallbackBox

__all__ = ["QuizPanel", "RequirementsChecklist"]


class RequirementsChecklist:
    """Tick requirements, get ranked patterns with reasons, trade-offs and notebook links.

    ``static(requirements)`` draws the ranking for a fixed choice (figure and table);
    ``widget()`` returns checkboxes that re-rank on every tick.
    """

    def __init__(self, *, catalog: PatternCatalog | None = None, limit: int = 6) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        self.catalog = catalog or load_catalog()
        self.limit = limit

    def _show(self, requirements: Sequence[str]) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import Markdown, display

        from labkit.guide.plots import plot_scores

        try:
            recs = recommend(requirements, catalog=self.catalog, limit=self.limit)
        except RequirementsError as err:
            display(Markdown(f"**{err}**"))
            return
        fig = plot_scores(recs)
        display(fig)
        plt.close(fig)
        display(Markdown(recommendations_markdown(recs)))

    def static(self, requirements: Sequence[str]) -> None:
        """Show the ranking for ``requirements`` (figure, then a table with links)."""
        self._show(requirements)

    def widget(self):
        """Checkboxes grouped by theme above an output that re-ranks on every change."""
        import ipywidgets as widgets

        layout = widgets.Layout(width="auto")  # one shared model: fewer widget messages
        boxes = {r.id: widgets.Checkbox(value=False, description=r.label, indent=False,
                                        layout=layout)
                 for r in self.catalog.requirements}
        groups = []
        for group in dict.fromkeys(r.group for r in self.catalog.requirements):
            members = [boxes[r.id] for r in self.catalog.requirements if r.group == group]
            groups.append(widgets.VBox([widgets.HTML(f"<b>{group.capitalize()}</b>"), *members]))
        out = widgets.Output()

        def refresh(_change=None) -> None:
            out.clear_output(wait=True)
            with out:
                self._show([rid for rid, box in boxes.items() if box.value])

        for box in boxes.values():
            box.observe(refresh, names="value")
        refresh()
        return FallbackBox([widgets.HBox(groups[:3]), widgets.HBox(groups[3:]), out],
                           note="Interactive checklist: open this notebook in JupyterLab or Binder "
                                "and run it to tick requirements; the ranking above shows an "
                                "example.")


class QuizPanel:
    """The scenario questions with feedback per answer and a running score.

    ``static(question_id, choice)`` shows one question and the feedback for one choice;
    ``widget()`` returns a panel that steps through the questions with a Check button and the
    score.
    """

    def __init__(self, questions: Sequence[Question] | None = None) -> None:
        self.questions = tuple(questions) if questions is not None else load_quiz()
        if not self.questions:
            raise ValueError("questions must not be empty")

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise ValueError(f"question_id must be one of {', '.join(q.id for q in self.questions)}, "
                         f"got {question_id!r}")

    def static(self, question_id: str, choice: str) -> None:
        """Show one question as Markdown, then the printed feedback for ``choice``."""
        from IPython.display import Markdown, display

        q = self.question(question_id)
        display(Markdown(q.as_markdown()))
        print(grade(q, choice).text())

    def widget(self):
        """One question at a time (Previous / Next or the picker), its options, a Check button,
        the feedback and the running score.

        A fixed handful of widgets is reused for every question: a panel that built widgets
        for all questions at once would send the front end hundreds of widget messages in one
        burst, more than the kernel's message queue keeps.
        """
        import ipywidgets as widgets

        answers: dict[str, str] = {}
        total = widgets.HTML(score(self.questions, answers).text())
        picker = widgets.Dropdown(
            options=[(f"{q.id} · {q.topic}", i) for i, q in enumerate(self.questions)],
            value=0, description="Question", layout=widgets.Layout(width="420px"))
        previous = widgets.Button(description="← Previous")
        following = widgets.Button(description="Next →")
        scenario = widgets.HTML()
        choice = widgets.RadioButtons(options=[], value=None,
                                      layout=widgets.Layout(width="auto"))
        check = widgets.Button(description="Check", button_style="primary")
        feedback = widgets.HTML()

        def verdict(q: Question, chosen: str) -> str:
            result = grade(q, chosen)
            head = ("<b style='color:#009E73'>Correct.</b>" if result.correct else
                    f"<b style='color:#D55E00'>Not quite: the answer is {q.answer}.</b>")
            rows = "".join(f"<li><b>{o.key}</b>: {o.explanation}</li>" for o in q.options)
            return f"{head}<ul>{rows}</ul><small>Sources: {'; '.join(q.sources)}</small>"

        def show(_change=None) -> None:
            q = self.questions[picker.value]
            scenario.value = (f"<h4>{q.id} · {q.topic} "
                              f"(<a href='{q.notebook}'>{q.notebook}</a>)</h4>"
                              f"<p>{q.scenario}</p><p><i>{q.question}</i></p>")
            choice.options = [(f"{o.key}. {o.text}", o.key) for o in q.options]
            choice.value = answers.get(q.id)
            feedback.value = verdict(q, answers[q.id]) if q.id in answers else ""

        def on_check(_button) -> None:
            q = self.questions[picker.value]
            if choice.value is None:
                feedback.value = "<i>Choose an option first.</i>"
                return
            answers[q.id] = choice.value
            feedback.value = verdict(q, choice.value)
            total.value = score(self.questions, answers).text()

        def step(delta: int) -> None:
            picker.value = (picker.value + delta) % len(self.questions)

        picker.observe(show, names="value")
        previous.on_click(lambda _b: step(-1))
        following.on_click(lambda _b: step(1))
        check.on_click(on_check)
        show()
        return FallbackBox([total, widgets.HBox([previous, picker, following]), scenario, choice,
                            check, feedback],
                           note="Interactive quiz: open this notebook in JupyterLab or Binder and "
                                "run it to answer the questions; one question with its feedback "
                                "is shown above.")
