"""The dependency files agree: pyproject's ranges, uv.lock's exact versions, the conda environments.

- pyproject.toml states what labkit imports, as ranges, and nothing it does not import.
- uv.lock is current with pyproject.toml (else `make` refuses to install: run `make lock`).
- environment.yml and .binder/environment.yml are exactly what tools/lockfiles.py derives from
  uv.lock, so conda and Binder users install the versions the notebooks' outputs come from.
See docs/architecture.md, "Packaging and the lock".
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def load_lockfiles():
    spec = importlib.util.spec_from_file_location("lockfiles", ROOT / "tools" / "lockfiles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def imported_top_level_modules(package: Path) -> set[str]:
    """Top-level names imported anywhere in ``package`` (absolute imports only)."""
    names = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_requirements_are_ranges_of_exactly_what_labkit_imports():
    """Every requirement is a range and is imported; every import is declared.

    A package labkit imports only inside an optional feature may be declared in an extra instead
    (e.g. ``labkit[spark]``); the core requirements are all imported somewhere.
    """
    requirements = [Requirement(r) for r in project()["dependencies"]]
    extras = [Requirement(r) for group in project()["optional-dependencies"].values()
              for r in group]
    assert not [str(r) for r in requirements + extras
                if any(s.operator == "==" for s in r.specifier)]
    core = {canonicalize_name(r.name) for r in requirements}
    optional = {canonicalize_name(r.name) for r in extras}

    third_party = imported_top_level_modules(ROOT / "labkit") - set(sys.stdlib_module_names)
    third_party -= {"labkit", "__future__"}
    distributions = packages_distributions()
    imported = set()
    for module in third_party:
        names = distributions.get(module, [canonicalize_name(module)])
        imported |= {canonicalize_name(name) for name in names}
    assert imported <= core | optional, f"imported but never declared: {imported - core - optional}"
    assert core <= imported, f"required but never imported: {core - imported}"


def test_jupyterlab_is_an_extra_not_a_requirement():
    extras = project()["optional-dependencies"]
    lab = {canonicalize_name(Requirement(r).name) for r in extras["lab"]}
    assert {"jupyterlab", "ipykernel"} <= lab


def test_lock_is_current_with_pyproject():
    uv = load_lockfiles().find_uv()
    result = subprocess.run([uv, "lock", "--check", "--offline"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"})
    assert result.returncode == 0, f"uv.lock is stale, run `make lock`:\n{result.stderr[-2000:]}"


def test_conda_environments_are_generated_from_the_lock():
    lockfiles = load_lockfiles()
    for path, text in lockfiles.expected().items():
        assert path.read_text() == text, f"{path.relative_to(ROOT)} is stale: run `make lock`"
    pins = dict(line.strip().removeprefix("- ").split("==")
                for line in (ROOT / ".binder" / "environment.yml").read_text().splitlines()
                if line.startswith("      - ") and "==" in line)
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["name"]: p["version"] for p in lock["package"]}
    assert pins["numpy"] == locked["numpy"] and pins["jupyterlab"] == locked["jupyterlab"]


def test_citation_and_licences_agree_with_pyproject():
    citation = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{project()["version"]}"' in citation
    assert "license: MIT" in citation
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "CC BY 4.0" in (ROOT / "LICENSE-content.md").read_text()
    assert project()["license"] == "MIT AND CC-BY-4.0"
    assert set(project()["license-files"]) == {"LICENSE", "LICENSE-content.md"}
