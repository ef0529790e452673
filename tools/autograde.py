#!/usr/bin/env python3
"""Grade notebooks with the hidden tests (Otter-Grader, no Docker).

Usage:
  python tools/autograde.py [NN ...]                 check the grader: every blank student copy
                                                     must score 0, every solved notebook full marks,
                                                     and no copy may hold an answer value
  python tools/autograde.py --class DIR [--csv F]    grade a class: every .ipynb under DIR (any
                                                     depth), one CSV row per submission and question

The graders are built by ``python tools/make_student.py --graders`` into build/autograder/NN-name/
(``autograder.zip`` holds every test, hidden ones included; ``NN-name.ipynb`` is the solved
notebook). Each submission runs top to bottom in a fresh kernel with ``otter.api.grade_submission``
(otter run's Python API), then the tests of every question run against its variables.

A submission that cannot be read, is not one of the lab's notebooks, or raises in a cell never
stops the others: a cell that raises is skipped (otter's default), so only the questions that
depend on it score 0, and every failed test keeps otter's message in the CSV.

Each submission is graded in a child process of its own (its own process group, so its kernel
goes with it) with a time limit (``--timeout``, default 120 s; a grading takes 10-30 s). The
client's waits poll in short slices (``tools/kernel_wakeups.py``), so a kernel message whose
wake-up was missed no longer stalls a grading; a grading that still stalls is killed and the
submission graded once more; a second stall scores 0 with the message "grading timed out", and
the others go on.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import kernel_wakeups  # noqa: E402  (tools/ is not a package)
import student_leaks  # noqa: E402

AUTOGRADER = ROOT / "build" / "autograder"
STUDENT = ROOT / "student"


@dataclass
class Graded:
    """The scores of one submission: question -> (score, possible, message)."""

    submission: str
    notebook: str
    questions: dict[str, tuple[float, float, str]] = field(default_factory=dict)
    error: str = ""

    @property
    def score(self) -> float:
        return sum(s for s, _, _ in self.questions.values())

    @property
    def possible(self) -> float:
        return sum(p for _, p, _ in self.questions.values())


def grader_for(notebook: str) -> Path:
    return AUTOGRADER / Path(notebook).stem / "autograder.zip"


def question_points(zip_path: Path) -> dict[str, float]:
    """Points per question, from the grader's test files (so a crash still shows what was due)."""
    import zipfile

    from otter.test_files import OKTestFile

    points = {}
    with zipfile.ZipFile(zip_path) as zf:
        for name in sorted(zf.namelist()):
            if name.startswith("tests/") and name.endswith(".py"):
                env: dict = {}
                exec(zf.read(name).decode(), env)  # the test file only defines `test`
                test = OKTestFile.from_spec(env["test"], path=name)
                points[test.name] = sum(tc.points for tc in test.test_cases)
    return points


def which_notebook(path: Path) -> str:
    """The lab notebook a submission answers: otter's assignment name in its metadata, else its
    file name prefix (``01-...``)."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a readable notebook ({type(exc).__name__}: {exc})") from exc
    name = meta.get("otter", {}).get("assignment_name")
    if name and grader_for(name).exists():
        return name
    for zip_path in sorted(AUTOGRADER.glob("*/autograder.zip")):
        if path.name[:3] == zip_path.parent.name[:3]:
            return zip_path.parent.name
    raise ValueError("not one of the lab's notebooks (no otter assignment name, no NN- prefix)")


ERROR_LINE = re.compile(r"^\s*(\w*(?:Error|Exception|Exit)\w*)(?::\s*(.*))?$", re.M)


def readable(message: str, hidden: bool) -> str:
    """The last exception a failed test raised (``AssertionError: answer_7_2 must be ...``),
    else the start of otter's doctest report."""
    errors = ERROR_LINE.findall(message or "")
    text = f"{errors[-1][0]}: {errors[-1][1]}".rstrip(": ") if errors else \
        " ".join((message or "failed").split())[:200]
    return ("hidden test: " if hidden else "") + text


def grade(path: Path) -> Graded:
    """Grade one submission; never raises."""
    try:
        notebook = which_notebook(path)
    except ValueError as exc:
        return Graded(str(path), "?", error=str(exc))
    zip_path = grader_for(notebook)
    due = question_points(zip_path)
    result = Graded(str(path), notebook, {q: (0.0, p, "not graded") for q, p in due.items()})
    try:
        from otter.api import grade_submission

        kernel_wakeups.install()  # otter runs the notebook here, through nbclient

        log = io.StringIO()
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            graded = grade_submission(str(path), str(zip_path), quiet=True)
    except Exception as exc:  # noqa: BLE001 - a broken submission scores 0, the rest go on
        result.error = f"grading failed: {type(exc).__name__}: {exc}"
        return result
    for name, possible in due.items():
        try:
            res = graded.get_result(name)
        except KeyError:
            continue
        failed = [tc for tc in res.test_case_results if not tc.passed]
        message = "; ".join(readable(tc.message, tc.test_case.hidden) for tc in failed) or "passed"
        result.questions[name] = (float(res.score), float(possible), message)
    return result


TIMEOUT_S = 120.0
ATTEMPTS = 2


def _graded_from_json(text: str) -> Graded:
    raw = json.loads(text)
    return Graded(raw["submission"], raw["notebook"],
                  {q: tuple(v) for q, v in raw["questions"].items()}, raw["error"])


def grade_with_time_limit(path: Path, timeout_s: float = TIMEOUT_S) -> Graded:
    """:func:`grade` in a child process (and process group) that is killed after ``timeout_s``;
    a stalled grading is tried once more before it scores 0 with a message. Never raises."""
    last = ""
    for attempt in range(1, ATTEMPTS + 1):
        with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
            result_file = Path(out.name)
        child = subprocess.Popen([sys.executable, __file__, "--grade-one", str(path),
                                  "--result", str(result_file), "--graders", str(AUTOGRADER)],
                                 start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            child.wait(timeout=timeout_s)
            text = result_file.read_text(encoding="utf-8")
            result_file.unlink(missing_ok=True)
            if text:
                return _graded_from_json(text)
            last = f"the grading process exited with status {child.returncode}"
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            result_file.unlink(missing_ok=True)
            last = f"grading timed out after {timeout_s:g} s (attempt {attempt} of {ATTEMPTS})"
            print(f"{path.name}: {last}", file=sys.stderr)
    failed = grade_stub(path)
    failed.error = last
    return failed


def grade_stub(path: Path) -> Graded:
    """Every question of ``path``'s notebook at 0 points (for a grading that never finished)."""
    try:
        notebook = which_notebook(path)
    except ValueError as exc:
        return Graded(str(path), "?", error=str(exc))
    due = question_points(grader_for(notebook))
    return Graded(str(path), notebook, {q: (0.0, p, "not graded") for q, p in due.items()})


def grade_all(paths: list[Path], workers: int, timeout_s: float = TIMEOUT_S) -> list[Graded]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda p: grade_with_time_limit(p, timeout_s), paths))


ANSWER_DUMP = """\
import json as _json
_key = {{_k: (_v.item() if hasattr(_v, "item") else _v) for _k, _v in dict(globals()).items()
        if _k.startswith("answer_")}}
with open({path!r}, "w", encoding="utf-8") as _f:
    _json.dump({{_k: _v for _k, _v in _key.items()
                if isinstance(_v, (bool, int, float, str, list, dict))}}, _f, indent=1,
               sort_keys=True, default=str)
"""


def with_answer_dump(solved: Path, folder: Path, key: Path) -> Path:
    """A copy of the solved notebook whose last cell writes its answer values to ``key``: the
    answer key tools/student_leaks.py searches the student copies for."""
    import nbformat

    nb = nbformat.read(solved, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(ANSWER_DUMP.format(path=str(key))))
    key.unlink(missing_ok=True)
    out = folder / solved.name
    nbformat.write(nb, out)
    return out


def self_test(numbers: list[str], workers: int, timeout_s: float = TIMEOUT_S) -> int:
    zips = sorted(AUTOGRADER.glob("*/autograder.zip"))
    if numbers:
        zips = [z for z in zips if z.parent.name[:2] in numbers]
    if not zips:
        print("no graders in build/autograder/: run `python tools/make_student.py --graders`")
        return 1
    names = [z.parent.name for z in zips]
    blanks = [STUDENT / f"{n}.ipynb" for n in names]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        solved = [with_answer_dump(AUTOGRADER / n / f"{n}.ipynb", Path(tmp),
                                   AUTOGRADER / n / "answers.json") for n in names]
        results = grade_all(blanks + solved, workers, timeout_s)
    elapsed = time.perf_counter() - start
    blank_results, solved_results = results[: len(names)], results[len(names):]
    print(f"{'notebook':<32} {'questions':>9} {'points':>6} {'blank':>6} {'solved':>6}")
    ok = True
    for name, b, s in zip(names, blank_results, solved_results, strict=True):
        print(f"{name:<32} {len(s.questions):>9} {s.possible:>6g} {b.score:>6g} {s.score:>6g}")
        for label, r in (("blank", b), ("solved", s)):
            if r.error:
                print(f"  {label}: {r.error}")
        if s.score != s.possible or b.score != 0 or s.error or b.error:
            ok = False
            for q, (score, possible, message) in s.questions.items():
                if score != possible:
                    print(f"  solved {q}: {score:g}/{possible:g}: {message}")
            for q, (score, _, message) in b.questions.items():
                if score:
                    print(f"  blank {q} scored {score:g}: {message}")
    total = sum(s.possible for s in solved_results)
    print(f"graded {len(results)} notebooks in {elapsed:.0f} s")
    leaks = 0
    for name in names:
        key = AUTOGRADER / name / "answers.json"
        answers = json.loads(key.read_text(encoding="utf-8")) if key.exists() else {}
        if not answers:
            print(f"  {name}: the solved notebook wrote no answer key")
            ok = False
        found, _ = student_leaks.scan(STUDENT / f"{name}.ipynb", answers)
        for leak in found:
            print(f"  {name}: leak: {leak}")
        leaks += len(found)
    print(f"student leaks: {leaks} (solution code, hidden tests and answer values searched)")
    ok = ok and leaks == 0
    print(f"autograde: blank {sum(b.score for b in blank_results):g}/{total:g} points, "
          f"solved {sum(s.score for s in solved_results):g}/{total:g} points")
    return 0 if ok else 1


def grade_class(folder: Path, out: Path | None, workers: int,
                timeout_s: float = TIMEOUT_S) -> int:
    paths = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not paths:
        print(f"no .ipynb files under {folder}")
        return 1
    results = grade_all(paths, workers, timeout_s)
    rows = []
    for r in results:
        if r.error:
            rows.append({"submission": r.submission, "notebook": r.notebook, "question": "",
                         "score": 0, "possible": 0, "message": r.error})
        for q, (score, possible, message) in r.questions.items():
            rows.append({"submission": r.submission, "notebook": r.notebook, "question": q,
                         "score": score, "possible": possible, "message": message})
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    with contextlib.nullcontext(stream) if not out else stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for r in results:
        print(f"{r.submission}: {r.score:g}/{r.possible:g}" + (f" ({r.error})" if r.error else ""),
              file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="two-digit notebook numbers (self-test)")
    parser.add_argument("--class", dest="folder", type=Path, help="folder of submissions")
    parser.add_argument("--csv", type=Path, help="where to write the class CSV (default stdout)")
    parser.add_argument("--workers", type=int, default=2, help="notebooks graded at once")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help="seconds one submission may take before it is graded again")
    parser.add_argument("--grade-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--graders", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if not args.timeout > 0:
        parser.error("--timeout must be a positive number of seconds")
    if args.grade_one is not None:  # the child process of grade_with_time_limit
        global AUTOGRADER
        AUTOGRADER = args.graders or AUTOGRADER
        graded = grade(args.grade_one)
        args.result.write_text(json.dumps({"submission": graded.submission,
                                           "notebook": graded.notebook,
                                           "questions": graded.questions,
                                           "error": graded.error}), encoding="utf-8")
        return 0
    if args.folder is not None:
        return grade_class(args.folder, args.csv, args.workers, args.timeout)
    return self_test(args.numbers, args.workers, args.timeout)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
