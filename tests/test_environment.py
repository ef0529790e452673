"""environment.yml (Binder, conda) pins the same versions as pyproject.toml.

The stored notebook outputs depend on these versions, so the two files must not drift apart.
"""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"matplotlib-base": "matplotlib", "python-duckdb": "duckdb"}


def test_environment_pins_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = dict(re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", d).groups()
                for d in project["dependencies"])
    conda = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"\s*-\s*([A-Za-z0-9_.-]+)=([0-9][^\s#]*)", line)
        if m and m.group(1) != "python":
            conda[CONDA_NAMES.get(m.group(1), m.group(1))] = m.group(2)
    assert conda == pins
