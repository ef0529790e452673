"""The reviewed quiz file: 25+ questions, one correct answer each, every option explained."""

import copy
import tomllib
from pathlib import Path

import pytest

from labkit.guide import QuizError, grade, load_quiz, score, validate_quiz
from labkit.guide.quiz import read_quiz_files

ROOT = Path(__file__).resolve().parents[2]
LAB_NOTEBOOKS = {n["file"] for n in
                 tomllib.loads((ROOT / "tools" / "notebooks.toml").read_text())["notebook"]}
RAW = read_quiz_files()


def test_quiz_file_is_valid_and_large_enough():
    validate_quiz(RAW, notebooks=LAB_NOTEBOOKS, minimum=25)


@pytest.mark.parametrize("q", RAW["questions"], ids=[q["id"] for q in RAW["questions"]])
def test_each_question_has_exactly_one_answer_and_an_explanation_per_option(q):
    keys = [o["key"] for o in q["options"]]
    assert len(keys) >= 4 and len(set(keys)) == len(keys)
    answers = q["answer"] if isinstance(q["answer"], list) else [q["answer"]]
    assert all(keys.count(a) == 1 for a in answers)
    for o in q["options"]:
        assert len(o["explanation"]) > 20, (q["id"], o["key"])
    for o in q["options"]:
        assert o["explanation"].startswith("Correct.") == (o["key"] in answers), (q["id"], o["key"])
    assert q["sources"]


def test_answers_are_spread_over_the_letters():
    letters = [q["answer"] for q in RAW["questions"] if isinstance(q["answer"], str)]
    assert max(letters.count(k) for k in "ABCD") <= len(letters) // 2


@pytest.mark.parametrize("breakage, message", [
    (lambda q: q.update(answer="E"), "exactly one option"),
    (lambda q: q["options"][1].update(explanation=""), "non-empty 'explanation'"),
    (lambda q: q["options"][2].update(key=q["options"][0]["key"]), "distinct"),
    (lambda q: q.update(options=q["options"][:3]), "at least 4 options"),
    (lambda q: q.update(sources=[]), "source"),
    (lambda q: q.update(notebook="99-x.ipynb"), "not one of the lab's"),
])
def test_validation_names_the_broken_rule(breakage, message):
    raw = copy.deepcopy(RAW)
    breakage(raw["questions"][3])
    with pytest.raises(QuizError, match=message) as err:
        validate_quiz(raw, notebooks=LAB_NOTEBOOKS)
    assert raw["questions"][3]["id"] in str(err.value)


def test_duplicate_ids_and_too_few_questions():
    raw = copy.deepcopy(RAW)
    raw["questions"][1]["id"] = raw["questions"][0]["id"]
    with pytest.raises(QuizError, match="duplicate id"):
        validate_quiz(raw)
    with pytest.raises(QuizError, match="at least 25"):
        validate_quiz({"questions": RAW["questions"][:3]}, minimum=25)


def test_grade_and_score():
    qs = load_quiz()
    q = qs[0]
    wrong = next(o.key for o in q.options if not o.correct)
    good, bad = grade(q, q.answer), grade(q, wrong)
    assert good.correct and not bad.correct
    assert f"the answer is {q.answer}" in bad.text()
    for o in q.options:  # every option's explanation is shown
        assert o.explanation in bad.text()
    with pytest.raises(ValueError, match="choice must be one of"):
        grade(q, "Z")
    s = score(qs, {qs[0].id: qs[0].answer, qs[1].id: next(
        o.key for o in qs[1].options if not o.correct)})
    assert (s.correct, s.answered, s.total) == (1, 2, len(qs))
    assert s.percent == 50.0 and qs[1].topic in s.text()
    with pytest.raises(ValueError, match="unknown questions"):
        score(qs, {"nope": "A"})


def _limit(key: str) -> str:
    from labkit.guide import exam_limits

    frame = exam_limits()
    return frame[frame.key == key].value.iloc[0]


@pytest.mark.parametrize("qid, key, phrase", [
    ("q08", "lambda_concurrency_quota_default", "quota of {v:,}"),
    ("q08", "lambda_unreserved_concurrency_min", "at least {v}"),
    ("q09", "lambda_async_max_event_age_h", "up to {v} hours"),
    ("q04", "envoy_retry_budget_percent", "budget_percent = {v}"),
    ("q04", "envoy_retry_budget_min_retry_concurrency", "min_retry_concurrency = {v}"),
    ("q06", "envoy_outlier_max_ejection_percent", "max_ejection_percent = {v}%"),
    ("q17", "sqs_fifo_dedup_window_s", "{m}-minute window"),
    ("q16", "sqs_retention_max_s", "up to {d} days"),
    ("q19", "sns_filter_policy_keys_max", "at most {v} attribute keys"),
    ("q19", "sns_filter_policy_combinations_max", "{v} value combinations"),
    ("q19", "eventbridge_or_combinations_max", "{v:,} $or combinations"),
    ("q32", "kinesis_shard_write_records_per_s", "{v:,} records/s"),
    ("q32", "kinesis_shard_write_mb_per_s", "{v} MB/s"),
    ("q29", "athena_price_per_tb", "${v:.2f} per TB"),
    ("q29", "athena_min_scan_mb", "{v} MB minimum"),
])
def test_quiz_numbers_match_the_data_files(qid, key, phrase):
    """A limit quoted in a question is the one in data/ (so a data update flags the question)."""
    raw = _limit(key)
    v = float(raw)
    v = int(v) if v.is_integer() else v
    text = phrase.format(v=v, m=int(v) // 60 if isinstance(v, int) else v,
                         d=int(v) // 86400 if isinstance(v, int) else v)
    q = next(q for q in RAW["questions"] if q["id"] == qid)
    blob = " ".join([q["scenario"], q["question"]] +
                    [o["text"] + " " + o["explanation"] for o in q["options"]])
    assert text in blob, (qid, text)


def _headings(notebook: str) -> set[str]:
    import nbformat

    from labkit.core.data import data_dir

    path = data_dir().parents[1] / "notebooks" / notebook
    nb = nbformat.read(path, as_version=4)
    return {line.lstrip("#").strip() for cell in nb.cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("#")}


@pytest.mark.parametrize("q", [q for q in RAW["questions"] if "section" in q],
                         ids=lambda q: q["id"])
def test_a_question_links_to_a_section_that_exists(q):
    assert q["section"] in _headings(q["notebook"]), (q["id"], q["section"])


def test_choose_two_questions_grade_both_letters():
    from labkit.guide.quiz import Option, Question

    opts = tuple(Option(k, f"text {k}", k in "BD", f"why {k}") for k in "ABCDE")
    q = Question("x1", "01-microservices.ipynb", "t", "s", "q?", opts, ("src",),
                 "new-solutions", "Overview")
    assert q.answer == "B, D" and q.link == "01-microservices.ipynb#Overview"
    assert grade(q, "D, B").correct and not grade(q, "B, C").correct
    with pytest.raises(ValueError, match="must name 2 option"):
        grade(q, "B")


def test_practice_sets_are_seeded_and_scored_per_domain():
    from labkit.guide import practice_set, score_by_domain

    a, b = practice_set(20, seed=3), practice_set(20, seed=3)
    assert [q.id for q in a] == [q.id for q in b] and len({q.id for q in a}) == 20
    assert [q.id for q in practice_set(20, seed=4)] != [q.id for q in a]
    table = score_by_domain(a, {q.id: q.answer for q in a[:5]})
    assert table["questions"].sum() == 20 and table["correct"].sum() == 5
    with pytest.raises(ValueError, match="size must be one of"):
        practice_set(12)


def test_the_static_list_without_answers_shows_no_answer():
    from labkit.guide import quiz_markdown

    qs = load_quiz(notebook="08-data-lake.ipynb")
    with_answers, without = quiz_markdown(qs), quiz_markdown(qs, answers=False)
    assert with_answers.count("<details>") == len(qs) and "(correct)" in with_answers
    assert "<details>" not in without and "(correct)" not in without and "Answer" not in without
    for q in qs:
        assert q.question in without
        assert all(o.explanation not in without for o in q.options)


def test_the_instructor_guide_counts_the_questions_there_are():
    """The guide's question totals and its domain map are counted from the quiz files."""
    import collections
    import re

    guide = (Path(__file__).resolve().parents[2] / "docs" / "instructor-guide.md").read_text()
    questions = load_quiz()
    totals = re.findall(r"of the (\d+) questions|each, (\d+)\s+in all", guide)
    assert totals and {int(a or b) for a, b in totals} == {len(questions)}
    by_domain = collections.Counter(q.domain for q in questions)
    rows = {"Organizational complexity": "organizational-complexity",
            "New solutions": "new-solutions", "Continuous improvement": "continuous-improvement",
            "Migration and modernization": "migration-modernization"}
    for label, domain in rows.items():
        row = re.search(rf"^\| \d {label} \|[^|]*\| (\d+)", guide, re.MULTILINE)
        assert row and int(row.group(1)) == by_domain[domain], label
