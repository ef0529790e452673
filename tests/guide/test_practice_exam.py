"""The timed practice set: seeded draws, the exam's pace from the facts table, the score per
domain, the widget driven with an injected clock, and the static rendering."""

from __future__ import annotations

import pytest

from labkit.core.facts import fact_value
from labkit.guide import load_quiz, practice_set
from labkit.guide.exam import (
    available_sizes,
    exam_format,
    pace_report,
    practice_markdown,
    seconds_per_question,
)
from labkit.guide.quiz import PRACTICE_SIZES
from labkit.ui.guide import PracticeExam


def test_exam_format_comes_from_the_facts_table():
    minutes, questions = exam_format()
    assert (minutes, questions) == (fact_value("sap_c02_exam_minutes"),
                                    fact_value("sap_c02_exam_questions"))
    assert seconds_per_question() == pytest.approx(60 * minutes / questions)
    assert PRACTICE_SIZES[-1] == questions   # the longest set is the real exam's length


def test_pace_report_compares_with_the_exam_allowance():
    per = seconds_per_question()
    assert pace_report(10 * per, 10).on_pace
    assert not pace_report(10 * per + 1, 10).on_pace
    assert "behind the exam's pace" in pace_report(10 * per + 90, 10).text()
    assert pace_report(0.0, 0).allowed_s == 0
    with pytest.raises(ValueError, match="elapsed_s"):
        pace_report(-1.0, 3)
    with pytest.raises(ValueError, match="answered"):
        pace_report(1.0, -3)


def test_available_sizes_follow_the_pool():
    pool = load_quiz()
    assert available_sizes(pool) == tuple(s for s in PRACTICE_SIZES if s <= len(pool))
    assert available_sizes(pool[:9]) == ()


def test_practice_markdown_lists_the_set_with_its_time_budget():
    qs = practice_set(10, seed=4)
    text = practice_markdown(qs)
    assert "10 questions" in text and f"{10 * seconds_per_question() / 60:g} minutes" in text
    assert all(q.id in text for q in qs)
    assert text.count("<details>") == 10


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_widget_times_and_scores_a_set():
    clock = FakeClock()
    exam = PracticeExam(clock=clock)
    box = exam.widget()
    (size, seed, start, finish), status, body, report = (box.children[0].children,
                                                         *box.children[1:])
    assert list(size.options) == list(exam.sizes)
    seed.value = 7
    start.click()
    assert "clock is running" in status.value
    questions = exam.draw(size.value, 7)
    assert [q.id for q in questions] == [q.id for q in practice_set(size.value, seed=7)]
    _nav, scenario, radio, record, feedback = body.children
    radio.value = questions[0].answer          # right
    record.click()
    assert "recorded" in feedback.value and "Correct." not in feedback.value
    _nav.children[2].click()                   # next question
    wrong = next(o.key for o in questions[1].options if not o.correct)
    radio.value = wrong
    record.click()
    clock.now += 2 * seconds_per_question() + 30   # 30 s behind the exam's pace
    finish.click()
    assert "2 questions in" in report.value and "behind the exam's pace" in report.value
    assert "Correct." in report.value and "Not quite" in report.value
    assert finish.disabled


def test_result_scores_by_domain_and_sizes_are_checked():
    exam = PracticeExam()
    qs = exam.draw(10, 1)
    pace, table = exam.result(qs, {qs[0].id: qs[0].answer}, 60.0)
    assert pace.on_pace and int(table["correct"].sum()) == 1
    assert int(table["questions"].sum()) == 10
    with pytest.raises(ValueError, match="size must be one of"):
        exam.draw(11)
    with pytest.raises(ValueError, match="at least 10"):
        PracticeExam(load_quiz()[:5])


def test_static_rendering(capsys):
    PracticeExam().static(10, seed=2)   # displays Markdown; must not raise
