"""labkit as a library: the built wheel, installed into a fresh venv, works without the checkout.

The wheel is built with ``uv build`` and installed (not editable) into a new venv at the versions
of uv.lock (so uv installs them from its cache); then a Python started *outside* the checkout, in
isolated mode (no current directory, no PYTHONPATH on ``sys.path``), runs the import statements of
every notebook's Imports cell, loads the quiz, the AWS caching facts and every packaged data file.
The checks behind it are described in docs/architecture.md, "Packaging and the lock".
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def imports_of_notebook(path: Path) -> list[str]:
    """The import statements of a notebook's Imports cell (the code cell that sets ``SEED``)."""
    cells = json.loads(path.read_text())["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "SEED =" in source:
            tree = ast.parse(source)
            return [ast.unparse(node) for node in tree.body
                    if isinstance(node, ast.Import | ast.ImportFrom)]
    raise AssertionError(f"{path.name} has no Imports cell (a code cell setting SEED)")


@pytest.fixture(scope="module")
def wheel(uv, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    uv("build", "--wheel", "--out-dir", str(out), str(ROOT))
    (built,) = out.glob("labkit-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(uv, wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel and its requirements at the locked versions; its python."""
    work = tmp_path_factory.mktemp("venv")
    pins = work / "pins.txt"
    uv("export", "--frozen", "--no-hashes", "--no-emit-project", "--no-header",
           "--output-file", str(pins), cwd=ROOT)
    venv = work / "venv"
    uv("venv", "--python", sys.executable, str(venv))
    python = venv / "bin" / "python"
    uv("pip", "install", "--python", str(python), "--constraint", str(pins), str(wheel))
    return python


def test_wheel_carries_every_data_file_and_states_ranges(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "labkit" / "data").iterdir()
               if p.is_file() and p.suffix in {".csv", ".json", ".md"}}
    assert shipped, "labkit/data has no data files"
    assert shipped <= names, f"missing from the wheel: {sorted(shipped - names)}"
    assert "labkit/py.typed" in names

    metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(metadata_name).decode()
    assert "License-Expression: MIT AND CC-BY-4.0" in metadata
    assert {"LICENSE", "LICENSE-content.md"} <= {n.rsplit("/", 1)[-1] for n in names}
    requires = [Requirement(line.split(":", 1)[1].strip())
                for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    core = {r.name for r in requires if r.marker is None}
    assert {"numpy", "pandas", "simpy", "matplotlib", "duckdb"} <= core
    # A library states ranges: no exact pins, and JupyterLab is not one of labkit's requirements.
    assert not [str(r) for r in requires if "==" in str(r.specifier)]
    assert "jupyterlab" not in core and "ipykernel" not in core
    assert "jupyterlab" in {r.name for r in requires if r.marker and "lab" in str(r.marker)}


def test_installed_wheel_runs_notebook_imports_and_loads_data(installed, tmp_path):
    statements = sorted({line for nb in NOTEBOOKS for line in imports_of_notebook(nb)})
    assert any("labkit.resilience" in s for s in statements)
    program = "\n".join([
        "import os, sys",
        "import matplotlib; matplotlib.use('Agg')",
        *statements,
        "import labkit",
        f"assert not labkit.__file__.startswith({str(ROOT)!r}), labkit.__file__",
        "from labkit.guide.quiz import load_quiz",
        "from labkit.caching.aws import load_aws_facts",
        "from labkit.core.data import data_names, read_json, read_table",
        "questions = load_quiz()",
        "facts = load_aws_facts()",
        "tables = {n: read_table(n) for n in data_names() if n.endswith('.csv')}",
        "docs = {n: read_json(n) for n in data_names() if n.endswith('.json')}",
        "print(labkit.__file__, len(questions), len(facts), len(tables), len(docs))",
    ])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["MPLCONFIGDIR"] = str(tmp_path / "mpl")
    result = subprocess.run([str(installed), "-I", "-c", program], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    location, n_questions, n_facts, n_tables, n_docs = result.stdout.split()
    assert "site-packages" in location
    assert int(n_questions) >= 25 and int(n_facts) > 0
    assert int(n_tables) == len(list((ROOT / "labkit" / "data").glob("*.csv")))
    assert int(n_docs) == len(list((ROOT / "labkit" / "data").glob("*.json")))
