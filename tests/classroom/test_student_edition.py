"""The classroom edition holds no answer and works on its own (issue: classroom edition).

Reads the committed notebooks/ and student/ copies; the answer-value check also needs the answer
keys that ``tools/autograde.py`` writes when it grades the solved notebooks (``make autograde``).
"""

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import student_leaks  # noqa: E402

LESSONS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")
                 if p.name != "00-index.ipynb")
COPIES = [ROOT / "student" / p.name for p in LESSONS]
QUESTION = re.compile(r"^# BEGIN QUESTION\s*\nname:\s*(\w+)\s*\npoints:\s*(.+)$", re.M)


def questions(path):
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        match = QUESTION.match(cell.source) if cell.cell_type == "raw" else None
        if match:
            points = json.loads(match.group(2))
            title = nb.cells[i + 1].source.splitlines()[0]
            found.append((match.group(1), sum(points), title))
    return found


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name[:2])
def test_every_lesson_has_three_graded_questions_one_predict_or_measure(path):
    found = questions(path)
    assert len(found) >= 3, found
    assert all(points > 0 for _, points, _ in found), found
    assert any("predict, then measure" in title for _, _, title in found), found


@pytest.mark.parametrize("path", COPIES, ids=lambda p: p.name[:2])
def test_student_copy_has_no_solution_code_hidden_test_or_solution_cell(path):
    leaks, _ = student_leaks.scan(path)
    assert leaks == []


@pytest.mark.parametrize("path", COPIES, ids=lambda p: p.name[:2])
def test_student_copy_has_no_answer_value(path):
    key = student_leaks.AUTOGRADER / path.stem / "answers.json"
    if not key.exists():
        pytest.skip("no answer key: `make autograde` writes it when grading the solved notebooks")
    answers = json.loads(key.read_text(encoding="utf-8"))
    assert answers, "the solved notebook computed no answer_* values"
    leaks, _ = student_leaks.scan(path, answers)
    assert leaks == []


def test_scanner_finds_planted_solution_code_and_answer_value(tmp_path):
    copy = nbformat.read(COPIES[0], as_version=4)
    instructor = nbformat.read(LESSONS[0], as_version=4)
    secret = sorted(student_leaks.secret_lines(instructor))[0]
    exercises = student_leaks.exercises(copy)
    code = next(c for c in exercises if c.cell_type == "code")
    code.source += "\n" + secret
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="answer: 123.4567\n")]
    planted = tmp_path / COPIES[0].name
    nbformat.write(copy, planted)
    leaks, _ = student_leaks.scan(planted, {"answer_x": 123.456712})
    assert any("solution or hidden-test code" in leak for leak in leaks)
    assert any("answer_x" in leak for leak in leaks)


def test_scanner_skips_values_the_question_lists_as_choices():
    leaks, unsearched = student_leaks.scan(COPIES[0], {"answer_choice": "faster"})
    assert leaks == [] and unsearched == 1


@pytest.mark.parametrize("path", COPIES, ids=lambda p: p.name[:2])
def test_student_copy_is_self_contained_and_opens_student_on_binder(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "../notebooks" not in text
    for target in re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'src="([^"]+)"', text):
        if "://" in target or target.startswith("#"):
            continue
        assert (path.parent / target.split("#")[0]).exists(), target
    badges = re.findall(r"labpath=([^)\s]+)", text)
    assert badges and all(b.startswith("student%2F") for b in badges), badges
    assert "solution" not in {t for c in nb.cells for t in c.metadata.get("tags", [])}


def test_student_index_opens_student_copies():
    nb = nbformat.read(ROOT / "student" / "00-index.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "labpath=student%2F00-index.ipynb" in text
    assert "labpath=notebooks%2F" not in text
