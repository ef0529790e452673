#!/usr/bin/env python3
"""Run nbval over notebooks in two (or ``--jobs``) pytest processes at once.

Usage: python tools/nbval_parallel.py [--jobs N] FOLDER_OR_NOTEBOOK...

A notebook's cells share one kernel and must run in order, in one process, so the split is by
notebook: the largest notebooks first, each to the process with the least work so far (file size
stands for run time). Each process runs the nbval configuration of tests/notebooks/pytest.ini.
The exit status is the first non-zero status of the processes (0 when all pass); each process's
output is printed whole, one after the other.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def notebooks(paths: list[str]) -> list[Path]:
    """The notebooks named, or inside the folders named, in name order."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(path.glob("*.ipynb"))
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise SystemExit(f"nbval_parallel: {name} is neither a notebook nor a folder")
    if not found:
        raise SystemExit("nbval_parallel: no notebooks to run")
    return found


def split(paths: list[Path], jobs: int) -> list[list[Path]]:
    """Largest first, each to the lightest share (greedy balance by file size).

    >>> [len(s) for s in split([Path(__file__)] * 5, 2)]
    [3, 2]
    """
    shares: list[list[Path]] = [[] for _ in range(jobs)]
    weight = [0] * jobs
    for path in sorted(paths, key=lambda p: p.stat().st_size, reverse=True):
        i = weight.index(min(weight))
        shares[i].append(path)
        weight[i] += path.stat().st_size
    return [sorted(s) for s in shares if s]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-c", str(ROOT / "tests" / "notebooks" / "pytest.ini")]
    procs = [subprocess.Popen([*command, *map(str, share)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
             for share in split(notebooks(args.paths), args.jobs)]
    status = 0
    for proc in procs:
        out, _ = proc.communicate()
        print(out, end="")
        status = status or proc.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
