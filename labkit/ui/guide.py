"""The interactive pieces of notebook 13, each with a static rendering for GitHub and nbval:
the requirements checklist (ranked patterns with links into the notebooks) and the quiz (feedback
per answer and a running score).

ipywidgets, IPython and matplotlib are imported inside the methods, so importing labkit stays fast.

Contents
    RequirementsChecklist, QuizPanel, PracticeExam (a timed mixed practice set)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from labkit.guide.catalog import PatternCatalog, load_catalog
from labkit.guide.exam import (
    PaceReport,
    available_sizes,
    pace_report,
    practice_markdown,
    seconds_per_question,
)
from labkit.guide.quiz import (
    PRACTICE_SIZES,
    Question,
    grade,
    load_quiz,
    practice_set,
    score,
    score_by_domain,
)
from labkit.guide.recommend import RequirementsError, recommend
from labkit.guide.render import recommendations_markdown
from labkit.ui.fallback import FallbackBox

__all__ = ["PracticeExam", "QuizPanel", "RequirementsChecklist"]


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

        def on_answer() -> None:
            total.value = score(self.questions, answers).text()

        stepper = _question_stepper(self.questions, answers, on_answer)
        return FallbackBox([total, *stepper],
                           note="Interactive quiz: open this notebook in JupyterLab or Binder and "
                                "run it to answer the questions; one question with its feedback "
                                "is shown above.")


def _verdict(q: Question, chosen: str) -> str:
    result = grade(q, chosen)
    head = ("<b style='color:#009E73'>Correct.</b>" if result.correct else
            f"<b style='color:#D55E00'>Not quite: the answer is {q.answer}.</b>")
    rows = "".join(f"<li><b>{o.key}</b>: {o.explanation}</li>" for o in q.options)
    return f"{head}<ul>{rows}</ul><small>Sources: {'; '.join(q.sources)}</small>"


def _question_stepper(questions: Sequence[Question], answers: dict[str, str],
                      on_answer: Callable[[], None], *, feedback_now: bool = True) -> list:
    """The widgets that step through ``questions`` (Previous / picker / Next, the scenario, the
    options and a Check button), recording each checked answer in ``answers``.

    A fixed handful of widgets is reused for every question: a panel that built widgets for all
    questions at once would send the front end hundreds of widget messages in one burst, more
    than the kernel's message queue keeps. With ``feedback_now=False`` (a timed practice set)
    the answer is recorded and the explanation waits for the end.
    """
    import ipywidgets as widgets

    picker = widgets.Dropdown(
        options=[(f"{q.id} · {q.topic}", i) for i, q in enumerate(questions)],
        value=0, description="Question", layout=widgets.Layout(width="420px"))
    previous = widgets.Button(description="← Previous")
    following = widgets.Button(description="Next →")
    scenario = widgets.HTML()
    choice = widgets.RadioButtons(options=[], value=None, layout=widgets.Layout(width="auto"))
    check = widgets.Button(description="Check" if feedback_now else "Record answer",
                           button_style="primary")
    feedback = widgets.HTML()

    def show(_change=None) -> None:
        q = questions[picker.value]
        scenario.value = (f"<h4>{q.id} · {q.topic} "
                          f"(<a href='{q.notebook}'>{q.notebook}</a>)</h4>"
                          f"<p>{q.scenario}</p><p><i>{q.question}</i></p>")
        choice.options = [(f"{o.key}. {o.text}", o.key) for o in q.options]
        choice.value = answers.get(q.id)
        if q.id not in answers:
            feedback.value = ""
        else:
            feedback.value = _verdict(q, answers[q.id]) if feedback_now else \
                f"<i>Answer recorded: {answers[q.id]}.</i>"

    def on_check(_button) -> None:
        q = questions[picker.value]
        if choice.value is None:
            feedback.value = "<i>Choose an option first.</i>"
            return
        answers[q.id] = choice.value
        feedback.value = _verdict(q, choice.value) if feedback_now else \
            f"<i>Answer recorded: {choice.value}.</i>"
        on_answer()

    def step(delta: int) -> None:
        picker.value = (picker.value + delta) % len(questions)

    picker.observe(show, names="value")
    previous.on_click(lambda _b: step(-1))
    following.on_click(lambda _b: step(1))
    check.on_click(on_check)
    show()
    return [widgets.HBox([previous, picker, following]), scenario, choice, check, feedback]


class PracticeExam:
    """A timed, mixed practice set: choose its size (10, 20 or 75 questions, as many as the
    question files hold) and a seed, start, answer, finish; the time taken is compared with the
    exam's pace and the score is given per exam domain.

    ``static(size, seed)`` renders the set for readers without a kernel (the time the exam
    would allow, the questions with collapsed answers); ``widget()`` runs it. ``clock`` (seconds,
    monotonic) is injected so the timing can be tested.
    """

    def __init__(self, questions: Sequence[Question] | None = None, *,
                 clock: Callable[[], float] | None = None) -> None:
        import time

        self.pool = tuple(questions) if questions is not None else load_quiz()
        self.sizes = available_sizes(self.pool)
        if not self.sizes:
            raise ValueError(f"questions must hold at least {PRACTICE_SIZES[0]} questions for a "
                             f"practice set, got {len(self.pool)}")
        self.clock = clock or time.monotonic

    def draw(self, size: int, seed: int = 0) -> tuple[Question, ...]:
        """The seeded practice set (``ValueError`` naming the sizes the pool allows)."""
        if size not in self.sizes:
            raise ValueError(f"size must be one of {self.sizes} (the question files hold "
                             f"{len(self.pool)} questions), got {size!r}")
        return practice_set(size, seed=seed, questions=self.pool)

    def result(self, questions: Sequence[Question], answers: dict[str, str],
               elapsed_s: float) -> tuple[PaceReport, object]:
        """The pace report and the score per exam domain for a finished set."""
        return pace_report(elapsed_s, len(answers)), score_by_domain(questions, answers)

    def static(self, size: int, seed: int = 0) -> None:
        """Show the practice set as Markdown (no kernel needed to read it)."""
        from IPython.display import Markdown, display

        display(Markdown(practice_markdown(self.draw(size, seed))))

    def widget(self):
        """Size and seed, Start, the questions (answers recorded, explained at the end), Finish:
        time taken against the exam's pace, the score per domain and every explanation."""
        import ipywidgets as widgets

        size = widgets.Dropdown(options=list(self.sizes), value=self.sizes[0],
                                description="Questions")
        seed = widgets.BoundedIntText(value=0, min=0, max=10_000, description="Seed")
        start = widgets.Button(description="Start", button_style="primary")
        finish = widgets.Button(description="Finish", disabled=True)
        status = widgets.HTML(f"<i>Sizes offered: {', '.join(map(str, self.sizes))} (the exam "
                              f"has {PRACTICE_SIZES[-1]}; the question files hold "
                              f"{len(self.pool)}).</i>")
        body = widgets.VBox([])
        report = widgets.HTML()
        state: dict = {}

        def on_start(_b) -> None:
            questions = self.draw(size.value, seed.value)
            answers: dict[str, str] = {}
            state.update(questions=questions, answers=answers, started=self.clock())
            budget = len(questions) * seconds_per_question() / 60
            status.value = (f"<b>{len(questions)} questions, {budget:g} minutes at the exam "
                            f"pace.</b> The clock is running.")
            body.children = _question_stepper(
                questions, answers,
                lambda: setattr(status, "value", f"{len(answers)} of {len(questions)} answered; "
                                                 f"the clock is running."),
                feedback_now=False)
            report.value = ""
            finish.disabled = False

        def on_finish(_b) -> None:
            questions, answers = state["questions"], state["answers"]
            pace, table = self.result(questions, answers, self.clock() - state["started"])
            finish.disabled = True
            explained = "".join(
                f"<h5>{q.id} · you chose {answers.get(q.id, '-')}</h5>{_verdict(q, answers[q.id])}"
                for q in questions if q.id in answers)
            report.value = (f"<p><b>{pace.text()}</b></p>{table.to_html(index=False)}"
                            f"{explained}")

        start.on_click(on_start)
        finish.on_click(on_finish)
        return FallbackBox([widgets.HBox([size, seed, start, finish]), status, body, report],
                           note="Timed practice: open this notebook in JupyterLab or Binder and "
                                "run it to take a practice set; the set above is the static "
                                "rendering.")
