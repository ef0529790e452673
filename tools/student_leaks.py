#!/usr/bin/env python3
"""Look for answers in the classroom edition: solution code, hidden tests, answer values.

Usage: python tools/student_leaks.py [student/NN-name.ipynb ...]     (default: every copy)

For every student copy, against its instructor notebook in notebooks/:

- **solution code**: every line of a ``solution`` cell or a hidden test cell (comments and blank
  lines dropped, at least 12 characters, and not found in any cell both editions share)
  must appear nowhere in the copy: cell sources, stored outputs, or metadata (otter keeps the
  public tests there);
- **cells**: no cell tagged ``solution`` and no test cell survives;
- **answer values**: the values the solved notebook computes (``build/autograder/NN-name/
  answers.json``, written by ``tools/autograde.py`` when it grades the solved notebooks) must not
  appear in the copy's Exercises section (sources and outputs) or metadata. Numbers are searched
  as written by Python and rounded to 2-4 decimals; values that the question's own text lists as
  choices (``"faster"`` or ``"slower"``, ``5, 10, 20, 40``) and whole numbers below 10 (they
  occur in any prose) are not searched, and are counted as unsearched.

Exits 1 listing every leak.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks"
STUDENT = ROOT / "student"
AUTOGRADER = ROOT / "build" / "autograder"
TEST_CONFIG = "# BEGIN TEST CONFIG"
MIN_LINE = 12


def code_lines(source: str) -> set[str]:
    """Meaningful code lines: stripped, comments and test-config lines dropped."""
    out = set()
    for line in source.splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith("#") or line.startswith('"""') or line == "hidden: true":
            continue
        if len(line) >= MIN_LINE:
            out.add(line)
    return out


def is_hidden_test(cell) -> bool:
    return cell.cell_type == "code" and TEST_CONFIG in cell.source and \
        re.search(r"^hidden:\s*true", cell.source, re.M) is not None


def secret_lines(instructor: nbformat.NotebookNode) -> set[str]:
    """Lines of solution cells and hidden tests that no shared cell (prose, lesson code, starter
    cells, public tests, and their outputs) contains."""
    secret, shared = set(), []
    for cell in instructor.cells:
        if "solution" in cell.metadata.get("tags", []) or is_hidden_test(cell):
            secret |= code_lines(cell.source)
        else:
            shared.append(cell_text(cell))
    shared_text = "\n".join(shared)
    return {line for line in secret if line not in shared_text}


def cell_text(cell) -> str:
    parts = [cell.source]
    for out in cell.get("outputs", []):
        text = out.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else text)
        for value in out.get("data", {}).values():
            parts.append(value if isinstance(value, str) else json.dumps(value))
        parts.extend(out.get("traceback", []))
    return "\n".join(parts)


def exercises(nb: nbformat.NotebookNode) -> list:
    cells, inside = [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"^## ", cell.source, re.M):
            inside = cell.source.lstrip().startswith("## Exercises")
        if inside:
            cells.append(cell)
    return cells


def spellings(value) -> set[str]:
    """How a value may be written in a notebook."""
    if isinstance(value, bool) or value is None:
        return set()
    if isinstance(value, int):
        return {str(value), f"{value:,}"}
    if isinstance(value, float):
        if value.is_integer():
            return spellings(int(value)) | {repr(value)}
        out = {repr(value)}
        for digits in (2, 3, 4):
            text = f"{value:.{digits}f}"
            if float(text) != 0:
                out.add(text)
                out.add(f"{value:,.{digits}f}")
        return out
    if isinstance(value, str):
        return {value} if len(value) >= 3 else set()
    if isinstance(value, (dict, list)):
        return {repr(value), json.dumps(value)}
    return set()


def expected_outputs(metadata: dict) -> list[str]:
    """Public tests (in otter's notebook metadata) that state an expected output: doctest lines
    that are neither code (``>>>``) nor continuation (``...``) would show a computed value."""
    found = []
    for name, test in metadata.get("otter", {}).get("tests", {}).items():
        for suite in test.get("suites", []):
            for case in suite.get("cases", []):
                lines = [ln for ln in case.get("code", "").splitlines() if ln.strip()]
                if any(not ln.lstrip().startswith((">>>", "...")) for ln in lines):
                    found.append(name)
    return found


def found(spelling: str, text: str) -> bool:
    if re.fullmatch(r"[\w.,-]+", spelling):
        return re.search(rf"(?<![\w.]){re.escape(spelling)}(?![\w]|\.\d)", text) is not None
    return spelling in text


def scan(student_path: Path, answers: dict | None = None) -> tuple[list[str], int]:
    """Leaks in one student copy and the number of answer values that were not searched."""
    student = nbformat.read(student_path, as_version=4)
    instructor = nbformat.read(SOURCE / student_path.name, as_version=4)
    leaks = []
    for i, cell in enumerate(student.cells):
        if "solution" in cell.metadata.get("tags", []):
            leaks.append(f"cell {i} is a solution cell")
        if cell.cell_type == "code" and TEST_CONFIG in cell.source:
            leaks.append(f"cell {i} is a test cell")
    for name in expected_outputs(student.metadata):
        leaks.append(f"public test of {name} states an expected output")
    everything = "\n".join(cell_text(c) for c in student.cells) + json.dumps(student.metadata)
    for line in sorted(secret_lines(instructor)):
        if line in everything:
            leaks.append(f"solution or hidden-test code: {line!r}")
    unsearched = 0
    if answers:
        section = exercises(student)
        prose = "\n".join(c.source for c in section if c.cell_type == "markdown") + "\n" + \
            "\n".join(c.source for c in section if c.cell_type == "code")
        searched = "\n".join(cell_text(c) for c in section) + json.dumps(student.metadata)
        for name, value in answers.items():
            words = spellings(value)
            if not words or (isinstance(value, int) and abs(value) < 10) or \
                    any(found(w, prose) for w in words):
                unsearched += 1
                continue
            for word in sorted(words):
                if found(word, searched):
                    leaks.append(f"answer value of {name} ({word}) appears in the copy")
                    break
    return leaks, unsearched


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(
        p for p in STUDENT.glob("[0-9][0-9]-*.ipynb") if p.name != "00-index.ipynb")
    total, values, unsearched = 0, 0, 0
    for path in paths:
        key = AUTOGRADER / path.stem / "answers.json"
        answers = json.loads(key.read_text(encoding="utf-8")) if key.exists() else None
        leaks, skipped = scan(path, answers)
        values += len(answers or {})
        unsearched += skipped
        for leak in leaks:
            print(f"{path.name}: {leak}")
        total += len(leaks)
    print(f"student leaks: {total} in {len(paths)} copies "
          f"({values - unsearched} answer values searched, {unsearched} listed as choices or "
          f"too small to search" + ("" if values else "; no answer keys: run tools/autograde.py")
          + ")")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
