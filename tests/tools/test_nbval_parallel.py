"""tools/nbval_parallel.py: notebooks split into balanced shares, bad paths refused."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("nbval_parallel",
                                               ROOT / "tools" / "nbval_parallel.py")
nbval_parallel = importlib.util.module_from_spec(_spec)
sys.modules["nbval_parallel"] = nbval_parallel
_spec.loader.exec_module(nbval_parallel)


def test_every_notebook_lands_in_exactly_one_balanced_share():
    paths = nbval_parallel.notebooks([str(ROOT / "notebooks")])
    shares = nbval_parallel.split(paths, 2)
    assert sorted(p for s in shares for p in s) == sorted(paths) and len(shares) == 2
    sizes = [sum(p.stat().st_size for p in s) for s in shares]
    largest = max(p.stat().st_size for p in paths)
    assert abs(sizes[0] - sizes[1]) <= largest   # greedy: off by at most one notebook


def test_more_jobs_than_notebooks_gives_one_share_each(tmp_path):
    one = tmp_path / "a.ipynb"
    one.write_text("{}")
    assert nbval_parallel.split([one], 4) == [[one]]


def test_a_path_that_is_no_notebook_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="neither a notebook nor a folder"):
        nbval_parallel.notebooks([str(tmp_path / "missing.txt")])
    with pytest.raises(SystemExit, match="no notebooks"):
        nbval_parallel.notebooks([str(tmp_path)])
