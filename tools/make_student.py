#!/usr/bin/env python3
"""Write the classroom edition (student/) and its grader (build/autograder/) from notebooks/.

Usage: python tools/make_student.py [--check | --graders] [NN ...]   (default: every notebook)

The exercises are written once, in the instructor's notebooks, in Otter-Grader's assignment
format (https://otter-grader.readthedocs.io/en/latest/otter_assign/notebook_format.html): an
``# ASSIGNMENT CONFIG`` raw cell, then per question ``# BEGIN QUESTION`` ... ``# END QUESTION``
raw cells around the prompt, a starter cell (answers set to ``...``), the worked solution (a code
cell tagged ``solution``) and ``# BEGIN TESTS`` ... ``# END TESTS``: public tests check the form of
an answer, tests whose config says ``hidden: true`` hold the answer.

For every lesson notebook this runs ``otter assign`` and then:

- writes ``student/NN-name.ipynb``: otter's student notebook (tests replaced by
  ``grader.check(...)`` cells, public tests only, in the notebook's metadata, outputs cleared) with
  the solution cells *removed*, every cell editable, and navigation whose Binder badges open
  ``student/`` (the ``grader.check`` cells are tagged ``nbval-ignore-output``: their report
  quotes a traceback through the standard library's path, which differs between machines);
- writes ``build/autograder/NN-name/`` (git-ignored, never handed out): ``autograder.zip`` (all
  tests, for ``otter run``) and ``NN-name.ipynb``, the solved notebook otter grades as a reference;
- writes ``student/README.md`` (a Binder badge opening ``student/00-index.ipynb``), copies
  ``00-index.ipynb`` (navigation pointing at ``student/``) and everything in
  ``notebooks/assets/`` to ``student/assets/``, so the folder works on its own.

`make student` then executes the copies (tools/nbexec.py), so every check cell shows what a
learner sees before answering. ``--check`` changes nothing in student/ and fails if a copy's cells
(type, source, tags) differ from what would be written; ``--graders`` writes only build/autograder/.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from nbnav import binder_url, load_catalog, set_navigation  # noqa: E402  (tools/ is not a package)

SOURCE = ROOT / "notebooks"
TARGET = ROOT / "student"
AUTOGRADER = ROOT / "build" / "autograder"
CHECK_CALL = re.compile(r'grader\.check\("([\w]+)"\)')
TEST_CONFIG = "# BEGIN TEST CONFIG"
LOCKS = ("editable", "deletable")


def lesson_notebooks(numbers: list[str] | None = None) -> list[Path]:
    """The lesson notebooks (01-13), or those whose two-digit prefix is in ``numbers``."""
    paths = sorted(SOURCE.glob("[0-9][0-9]-*.ipynb"))
    paths = [p for p in paths if p.name != "00-index.ipynb"]
    if numbers:
        paths = [p for p in paths if p.name[:2] in numbers]
    return paths


def check_tests(nb: nbformat.NotebookNode, file: str) -> None:
    """Otter turns a test cell's stored output into the output the test expects (doctest), and
    public tests travel in the student notebook: a test cell must print nothing, and hold no bare
    expression (a doctest prints its value, even inside a loop)."""
    inside = False
    for cell in nb.cells:
        if cell.cell_type == "raw" and cell.source.strip() in ("# BEGIN TESTS", "# END TESTS"):
            inside = cell.source.strip() == "# BEGIN TESTS"
        elif inside and cell.cell_type == "code":
            bare = [node.lineno for node in ast.walk(ast.parse(cell.source))
                    if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant)]
            if cell.get("outputs") or bare:
                raise RuntimeError(
                    f"{file}: test cell {cell.id} has an output or a bare expression (line "
                    f"{bare}); otter runs tests as doctests, where every expression's value is "
                    "output the test did not expect: assign it (`_ = ...`) or assert on it")


def run_otter_assign(path: Path, out: Path) -> tuple[Path, Path, Path]:
    """Run ``otter assign`` on ``path`` into ``out``; return (student nb, solved nb, zip)."""
    from otter.assign import main as otter_assign

    source = nbformat.read(path, as_version=4)
    check_tests(source, path.name)
    source.pop("_changed", None)  # not a notebook field (nbformat would log it as invalid)
    work = out / "source"
    work.mkdir(parents=True)
    master = work / path.name
    nbformat.write(source, master)
    log = io.StringIO()
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            otter_assign(str(master), str(out / "dist"), no_pdfs=True, no_run_tests=True)
        except Exception as exc:
            raise RuntimeError(f"otter assign failed on {path.name}: {exc}\n{log.getvalue()}") \
                from exc
    zips = sorted((out / "dist" / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"otter assign wrote {len(zips)} autograder zips for {path.name}")
    return (out / "dist" / "student" / path.name, out / "dist" / "autograder" / path.name,
            zips[0])


QUIZ_LIST = "quiz_markdown(questions)"
QUIZ_LIST_NO_ANSWERS = "quiz_markdown(questions, answers=False)"


def studentize(nb: nbformat.NotebookNode, file: str) -> nbformat.NotebookNode:
    """Finish otter's student notebook: drop solution cells, unlock cells, student navigation."""
    out = copy.deepcopy(nb)
    out.pop("_changed", None)
    kept = []
    for cell in out.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags:
            continue  # removed, not blanked: no code, no output, no trace
        if cell.cell_type == "code" and TEST_CONFIG in cell.source:
            raise RuntimeError(f"{file}: a test cell reached the student notebook")
        for key in LOCKS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code" and QUIZ_LIST in cell.source:
            # the classroom edition lists the questions without their answers
            cell.source = cell.source.replace(QUIZ_LIST, QUIZ_LIST_NO_ANSWERS)
            cell.outputs = []
        check = CHECK_CALL.fullmatch(cell.source.strip()) if cell.cell_type == "code" else None
        if check:
            cell.id = f"check-{check.group(1)}"  # otter's new cells get random ids
            # its report quotes doctest's traceback, whose stdlib path differs between machines
            cell.metadata["tags"] = ["nbval-ignore-output"]
        kept.append(cell)
    out.cells = kept
    set_navigation(out, file, folder="student")
    return out


def student_index() -> nbformat.NotebookNode:
    nb = nbformat.read(SOURCE / "00-index.ipynb", as_version=4)
    nb.pop("_changed", None)
    set_navigation(nb, "00-index.ipynb", folder="student")
    return nb


def student_readme() -> str:
    """student/README.md: what the folder is, and a Binder badge that opens its index."""
    settings, _ = load_catalog()
    badge = (f"[![Open in Binder](https://mybinder.org/badge_logo.svg)]"
             f"({binder_url(settings, '00-index.ipynb', 'student')})")
    return f"""# Architecture Patterns Lab: classroom edition

{badge}

The lab's notebooks with graded exercises and no answers. Start with
[00-index.ipynb](00-index.ipynb); diagrams are in `assets/`, data comes with the `labkit` package.

Run locally from the repository root with `make lab`, then open `student/00-index.ipynb`.

Each exercise stores your answers in named variables: replace each `...`, run the cell, then run
the `grader.check("qN_k")` cell below it. It checks only the form of an answer; your instructor
grades the values. Hand in the notebook file (`NN-name.ipynb`) as it is after **Kernel → Restart
Kernel and Run All Cells**.

This folder is generated by `make student` from the instructor's notebooks; do not edit it.
"""


def signature(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", []))) for c in nb.cells]


def build(paths: list[Path], check: bool, graders_only: bool = False) -> list[str]:
    """Write (or compare) the student copies and the graders of ``paths``; return stale names.
    ``graders_only`` writes build/autograder/ and leaves student/ alone."""
    stale = []
    wanted = {"00-index.ipynb": student_index()}
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            out = Path(tmp) / path.stem
            student, solved, grader_zip = run_otter_assign(path, out)
            wanted[path.name] = studentize(nbformat.read(student, as_version=4), path.name)
            if not check:
                dest = AUTOGRADER / path.stem
                shutil.rmtree(dest, ignore_errors=True)
                dest.mkdir(parents=True)
                shutil.copy(grader_zip, dest / "autograder.zip")
                shutil.copy(solved, dest / path.name)
    if graders_only:
        return stale
    readme = TARGET / "README.md"
    if check:
        if not readme.exists() or readme.read_text(encoding="utf-8") != student_readme():
            stale.append("README.md")
    else:
        TARGET.mkdir(exist_ok=True)
        readme.write_text(student_readme(), encoding="utf-8")
    for name, nb in wanted.items():
        target = TARGET / name
        if check:
            if not target.exists() or signature(nbformat.read(target, as_version=4)) != \
                    signature(nb):
                stale.append(name)
            continue
        TARGET.mkdir(exist_ok=True)
        nbformat.write(nb, target)
    return stale


def copy_assets(check: bool) -> list[str]:
    """Mirror notebooks/assets/ into student/assets/ (whatever it holds)."""
    src, dst = SOURCE / "assets", TARGET / "assets"
    want = {p.relative_to(src): p.read_bytes() for p in src.rglob("*") if p.is_file()}
    have = {p.relative_to(dst): p.read_bytes() for p in dst.rglob("*") if p.is_file()} \
        if dst.exists() else {}
    if check:
        return ["assets/"] if want != have else []
    shutil.rmtree(dst, ignore_errors=True)
    for rel, data in want.items():
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        (dst / rel).write_bytes(data)
    return []


def main(argv: list[str]) -> int:
    check = "--check" in argv
    numbers = [a for a in argv if not a.startswith("-")]
    paths = lesson_notebooks(numbers)
    if "--graders" in argv:
        build(paths, check=False, graders_only=True)
        print(f"wrote {len(paths)} graders in {AUTOGRADER.relative_to(ROOT)}/")
        return 0
    stale = build(paths, check) + copy_assets(check)
    if not numbers:
        expected = {p.name for p in paths} | {"00-index.ipynb"}
        extra = sorted(p.name for p in TARGET.glob("*.ipynb") if p.name not in expected)
        if check:
            stale += extra
        else:
            for name in extra:
                (TARGET / name).unlink()
    if check and stale:
        print(f"student copies out of date: {stale} (run `make student`)")
        return 1
    print(("checked " if check else "wrote ") + f"{len(paths) + 1} student notebooks"
          + ("" if check else f" and {len(paths)} graders in {AUTOGRADER.relative_to(ROOT)}/"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
