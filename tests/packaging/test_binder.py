"""Binder's build, checked with repo2docker's own logic (no Docker needed) and uv's resolver.

repo2docker (Binder's builder, https://repo2docker.readthedocs.io/en/latest/usage/config_files.html)
picks a build pack from the files in ``.binder/`` and renders a Dockerfile. Rendering it here shows
the steps Binder runs: the environment must be solved from ``.binder/environment.yml`` alone,
*before* the repository is copied (so a commit that leaves uv.lock alone reuses the cached
environment layer), and labkit installed by ``postBuild`` after the copy. The pip part of the
environment, which conda hands to pip, must resolve on linux-64 with the environment's Python to
exactly its own pins, from wheels only.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER_ENV = ROOT / ".binder" / "environment.yml"

RENDER = textwrap.dedent("""
    import json, sys
    from repo2docker.app import Repo2Docker
    app = Repo2Docker()
    pack = next(bp for bp in (BP(app.base_image) for BP in app.buildpacks) if bp.detect())
    pack.platform = "linux/amd64"
    json.dump({"pack": type(pack).__name__, "python": pack.python_version,
               "dockerfile": pack.render()}, sys.stdout)
""")


@pytest.fixture(scope="module")
def rendered(uv, tmp_path_factory) -> dict:
    """repo2docker's choice of build pack, its Python and the Dockerfile, for this checkout."""
    work = tmp_path_factory.mktemp("repo2docker")
    pins = work / "pins.txt"
    uv("export", "--frozen", "--no-hashes", "--no-emit-project", "--no-header",
       "--only-group", "binder", "--output-file", str(pins), cwd=ROOT)
    venv = work / "venv"
    uv("venv", "--python", sys.executable, str(venv))
    python = venv / "bin" / "python"
    uv("pip", "install", "--python", str(python), "--requirements", str(pins))
    result = subprocess.run([str(python), "-c", RENDER], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def pip_pins() -> list[str]:
    lines = BINDER_ENV.read_text().splitlines()
    start = lines.index("  - pip:")
    return [line.strip().removeprefix("- ") for line in lines[start + 1:]
            if line.startswith("      - ")]


def test_repo2docker_solves_the_environment_before_copying_the_repository(rendered):
    assert rendered["pack"] == "CondaBuildPack"
    assert rendered["python"] == "3.11"
    steps = rendered["dockerfile"].splitlines()
    solve = next(i for i, s in enumerate(steps) if "env update" in s)
    copies = [(i, s.split()[2]) for i, s in enumerate(steps)
              if s.startswith("COPY") and " src/" in s]
    before = [src for i, src in copies if i < solve]
    after = [src for i, src in copies if i > solve]
    assert before == ["src/.binder/environment.yml"], before
    assert "src/" in after, after
    post_build = next(i for i, s in enumerate(steps) if s.startswith("RUN ./.binder/postBuild"))
    assert post_build > solve


def test_post_build_installs_only_labkit():
    commands = [line for line in (ROOT / ".binder" / "postBuild").read_text().splitlines()
                if line and not line.startswith(("#", "set "))]
    assert commands == ["python -m pip install --no-deps --no-cache-dir -e ."]


def test_binder_pins_resolve_on_linux_to_themselves(uv, tmp_path):
    pins = pip_pins()
    assert any(p.startswith("jupyterlab==") for p in pins)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[^\s;]+", p) for p in pins), pins
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("\n".join(pins) + "\n")
    resolved = uv("pip", "compile", "--no-header", "--no-annotate", "--no-build",
                  "--python-version", "3.11.14", "--python-platform", "x86_64-manylinux_2_28",
                  str(requirements))
    resolved_pins = sorted(line.strip() for line in resolved.splitlines() if "==" in line)
    assert resolved_pins == sorted(p.lower() for p in pins)
