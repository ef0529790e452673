"""Takeaways are measured (not typed) and reproducible; the widgets build and react."""

import math

from labkit.guide import (
    TAKEAWAYS,
    compare_with_habit,
    measure_all,
    takeaways_markdown,
)
from labkit.guide.quiz import load_quiz
from labkit.ui.guide import QuizPanel, RequirementsChecklist


def test_one_takeaway_per_pattern_notebook_each_linked_and_measured():
    frame = measure_all(seed=42)
    assert len(frame) == len(TAKEAWAYS) == 12
    assert frame.number.tolist() == list(range(1, 13))
    assert [n[:2] for n in frame.notebook] == [f"{k:02d}" for k in range(1, 13)]
    assert all(math.isfinite(v) for v in frame.value)
    assert all(n.endswith(".ipynb") for n in frame.notebook)
    again = measure_all(seed=42)
    assert frame.equals(again)  # same seed, same numbers
    table = takeaways_markdown(frame)
    assert table.count("\n") == 13 and "(10-circuit-breaker.ipynb)" in table


def test_takeaways_show_the_lessons():
    values = {t.number: t.run(7).value for t in TAKEAWAYS}
    assert values[1] > 0            # the synchronous chain lost orders (the queue did not)
    assert values[2] > 20           # 3 x 3 retries amplify towards 27x
    assert values[3] > 0            # naive consumers charged twice
    assert values[4] > 0            # last-writer-wins lost updates
    assert values[5] > 0            # no saga: ledgers left inconsistent
    assert values[6] > 10           # a fifth of rare requests start cold
    assert values[7] > 60           # the poison record held its shard for most of the run
    assert values[8] > 80           # partition pruning skipped most of the bytes
    assert values[9] == 0           # the landing zone allowed none of the risky requests
    assert values[10] > 80          # the breaker cut calls into the outage by most of them
    assert values[11] > 95          # tenant A fully served in its own compartment
    assert values[12] > 0           # write-behind lost acknowledged writes in the crash
    texts = {t.number: t.run(7).text for t in TAKEAWAYS}
    assert ", 0 with an idempotent one" in texts[3] and ", 0 with a durable log" in texts[12]
    assert ", 0 with the orchestrated saga" in texts[5]


def test_checklist_reacts_to_ticks():
    box = RequirementsChecklist().widget()
    out = box.children[-1]
    boxes = [c for group in box.children[:2] for vbox in group.children
             for c in vbox.children[1:]]
    assert len(boxes) >= 25
    boxes[0].value = True  # must not raise; output is refreshed
    assert out is not None


def test_quiz_widget_scores_answers():
    qs = load_quiz()[:2]
    widget = QuizPanel(qs).widget()
    total, (previous, picker, following), scenario, radio, button, feedback = (
        widget.children[0], widget.children[1].children, *widget.children[2:])
    assert qs[0].id in scenario.value
    radio.value = qs[0].answer
    button.click()
    assert "Correct." in feedback.value
    assert "Score: 1 of 1" in total.value
    following.click()  # the next question, unanswered
    assert picker.value == 1
    assert qs[1].id in scenario.value and radio.value is None and feedback.value == ""
    previous.click()  # back: the answer and its feedback are kept
    assert radio.value == qs[0].answer and "Correct." in feedback.value
    assert len(widget.children) == 6  # a fixed set of widgets, whatever the number of questions


def test_static_renderings(capsys):
    RequirementsChecklist().static(["fail_fast"])
    RequirementsChecklist().static([])  # shows the error message instead of raising
    panel = QuizPanel()
    q = panel.questions[0]
    panel.static(q.id, q.answer)
    assert "Correct." in capsys.readouterr().out


def test_habit_covers_less_than_the_recommender():
    frame = compare_with_habit()
    assert len(frame) >= 5
    assert (frame.recommended_coverage >= frame.habit_coverage).all()
    assert frame.recommended_coverage.mean() > frame.habit_coverage.mean() + 0.3
