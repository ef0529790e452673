"""Fixtures for the packaging tests: the checkout's root and a runner for uv.

uv is the one the Makefile uses ($UV, exported by make), else one on PATH, else the Makefile's
bootstrap copy in .cache/uv. The tests fail, rather than skip, when none is there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def find_uv() -> str:
    for candidate in (os.environ.get("UV"), shutil.which("uv"), str(ROOT / ".cache/uv/bin/uv")):
        if candidate and Path(candidate).exists():
            return candidate
    raise AssertionError("uv not found: run `make .venv/.installed-stamp` (it installs uv) "
                         "or set UV=/path/to/uv")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def uv():
    """``uv(*args, cwd=None)`` runs uv quietly, fails the test with its stderr, returns stdout."""
    executable = find_uv()
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    env.pop("VIRTUAL_ENV", None)
    env.pop("UV_PROJECT_ENVIRONMENT", None)

    def run(*args: str, cwd: Path | None = None) -> str:
        result = subprocess.run([executable, *args], cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, f"uv {' '.join(args)} failed:\n{result.stderr[-3000:]}"
        return result.stdout

    return run
