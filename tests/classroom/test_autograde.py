"""Grading a class never stops on a bad submission (issue: classroom edition).

Builds the grader of notebook 01 with ``otter assign`` into a temporary folder and grades, with
otter's Python API, a submission with a syntax error, one with an answer of the wrong type and a
file that is not a notebook. Each bad answer scores 0 with a readable message; the good answers of
the same submission keep their points.
"""

import csv
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import autograde  # noqa: E402
import make_student  # noqa: E402

NOTEBOOK = "01-microservices"


@pytest.fixture(scope="module")
def grader(tmp_path_factory):
    folder = tmp_path_factory.mktemp("autograder")
    patch = pytest.MonkeyPatch()
    patch.setattr(make_student, "AUTOGRADER", folder)
    patch.setattr(autograde, "AUTOGRADER", folder)
    make_student.build(make_student.lesson_notebooks([NOTEBOOK[:2]]), check=False,
                       graders_only=True)
    yield folder
    patch.undo()


def starter(nb, variable):
    return next(c for c in nb.cells if c.cell_type == "code" and
                c.source.lstrip().startswith(f"{variable} = ..."))


def solution_after(nb, cell):
    i = nb.cells.index(cell)
    return next(c for c in nb.cells[i:] if "solution" in c.metadata.get("tags", []))


def test_bad_answers_score_zero_with_a_message_and_the_rest_is_graded(grader, tmp_path):
    nb = nbformat.read(grader / NOTEBOOK / f"{NOTEBOOK}.ipynb", as_version=4)
    solution_after(nb, starter(nb, "answer_1_1")).source = "answer_1_1 = = 1.0  # a typo\n"
    solution_after(nb, starter(nb, "prediction_1_3")).source += '\nanswer_1_3_drain_s = "twenty"\n'
    submissions = tmp_path / "class"
    (submissions / "ana").mkdir(parents=True)
    nbformat.write(nb, submissions / "ana" / f"{NOTEBOOK}.ipynb")
    (submissions / "ben").mkdir()
    (submissions / "ben" / f"{NOTEBOOK}.ipynb").write_text("{ not a notebook", encoding="utf-8")
    out = tmp_path / "scores.csv"

    assert autograde.main(["--class", str(submissions), "--csv", str(out), "--workers", "1"]) == 0

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    ana = {r["question"]: r for r in rows if "/ana/" in r["submission"]}
    assert float(ana["q1_1"]["score"]) == 0 and ana["q1_1"]["message"] != "passed"
    assert "answer_1_1" in ana["q1_1"]["message"]
    assert float(ana["q1_2"]["score"]) == float(ana["q1_2"]["possible"]) == 1
    # q1_3: the measured drain time has the wrong type (0), the conclusion is still right (1 of 3)
    assert float(ana["q1_3"]["score"]) == 1 and float(ana["q1_3"]["possible"]) == 3
    assert "number of seconds" in ana["q1_3"]["message"]
    ben = [r for r in rows if "/ben/" in r["submission"]]
    assert len(ben) == 1 and "not a readable notebook" in ben[0]["message"]
    assert float(ben[0]["score"]) == 0


def test_points_come_from_the_grader(grader):
    due = autograde.question_points(grader / NOTEBOOK / "autograder.zip")
    assert due == {"q1_1": 1, "q1_2": 1, "q1_3": 3}


def test_which_notebook_reads_otter_metadata(grader, tmp_path):
    nb = nbformat.read(grader / NOTEBOOK / f"{NOTEBOOK}.ipynb", as_version=4)
    renamed = tmp_path / "homework.ipynb"
    nbformat.write(nb, renamed)
    assert autograde.which_notebook(renamed) == NOTEBOOK
    assert json.loads(renamed.read_text())["metadata"]["otter"]["assignment_name"] == NOTEBOOK
