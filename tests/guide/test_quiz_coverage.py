"""Every pattern notebook's exam questions: at least 8 for each of notebooks 01-12 (100 or
more in all), every question with an exam domain and a ``section`` that is a heading of its
notebook, and every notebook 01-13 showing its questions in an Exam practice section.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from labkit.guide.quiz import read_quiz_files, validate_quiz

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-1][0-9]-*.ipynb")
                   if "01" <= p.name[:2] <= "12")
MINIMUM = 8
QUESTIONS = read_quiz_files()["questions"]
COUNTS = Counter(q["notebook"] for q in QUESTIONS)


def headings(notebook: str) -> set[str]:
    """The text of every Markdown heading (any level) of ``notebook``."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    found = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            m = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
            if m:
                found.add(m.group(1))
    return found


def test_twelve_pattern_notebooks_are_checked():
    assert len(NOTEBOOKS) == 12 and NOTEBOOKS[0].startswith("01-")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_pattern_notebook_has_at_least_eight_questions(notebook):
    assert COUNTS.get(notebook, 0) >= MINIMUM, (notebook, COUNTS.get(notebook, 0))


def test_at_least_a_hundred_questions_in_all():
    assert len(QUESTIONS) >= 100


def test_strict_validation_passes():
    validate_quiz(read_quiz_files(), strict=True, minimum=100)


@pytest.mark.parametrize("q", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_every_section_is_a_heading_of_its_notebook(q):
    assert q["section"] in headings(q["notebook"]), (
        f"{q['id']}: section {q['section']!r} is not a heading of {q['notebook']}")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_notebook_shows_its_own_questions(notebook):
    text = (ROOT / "notebooks" / notebook).read_text(encoding="utf-8")
    assert "## Exam practice" in text and f'load_quiz(notebook=\\"{notebook}\\")' in text
