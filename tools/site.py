#!/usr/bin/env python3
"""Build the course website from the notebooks' stored outputs (`make site`).

Usage: python tools/site.py [--out build/site]

Copies notebooks/*.ipynb and notebooks/assets/ into build/site-src, then runs Sphinx with
MyST-NB and the Sphinx Book Theme (configuration: docs/site/conf.py) into build/site/ (HTML,
with navigation, full-text search and a "launch on Binder" button on every page). Nothing is
executed: each page shows what its notebook stores, figures and diagrams included. In the copies
only two things change:

* the index gets a hidden table of contents listing the notebooks in reading order
  (tools/notebooks.toml), which makes the site's navigation;
* links to files of the repository outside notebooks/ (``../docs/...``) point to the
  repository on GitHub;
* the Binder badge images of the navigation cells become text links, so the site loads nothing
  from other hosts (the theme's launch button does the same job).

Warnings from Sphinx fail the build (a broken link or a missing image is an error).
Open build/site/index.html, or serve the folder: python -m http.server -d build/site.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
CONF_DIR = REPO / "docs" / "site"
SOURCE = REPO / "build" / "site-src"
OUTSIDE = re.compile(r"\]\(\.\./([^)#\s]+)")
BADGE = re.compile(r"\[!\[Open in Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]\(([^)]+)\)")


def settings() -> dict:
    return tomllib.loads((REPO / "tools" / "notebooks.toml").read_text())


def pages(config: dict) -> list[str]:
    """The notebooks in reading order that exist, as file names."""
    return [entry["file"] for entry in config["notebook"] if (NOTEBOOKS / entry["file"]).is_file()]


def stage(config: dict) -> list[str]:
    """Write the site's sources into build/site-src; return the page names."""
    if SOURCE.exists():
        shutil.rmtree(SOURCE)
    SOURCE.mkdir(parents=True)
    shutil.copytree(NOTEBOOKS / "assets", SOURCE / "assets")
    files = pages(config)
    ref = config.get("binder_ref", "HEAD")
    blob = f"https://github.com/{config['binder_repository']}/blob/{ref}"
    for name in files:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = BADGE.sub(r"[Open in Binder](\1)", cell.source)
                cell.source = OUTSIDE.sub(lambda m: f"]({blob}/{m[1]}", cell.source)
        if name == files[0]:
            toc = "\n".join(Path(f).stem for f in files[1:])
            nb.cells.append(nbformat.v4.new_markdown_cell(
                f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\n```"))
        nbformat.write(nb, SOURCE / name)
    return [Path(f).stem for f in files]


def build(out: Path) -> float:
    config = settings()
    start = time.perf_counter()
    names = stage(config)
    if out.exists():
        shutil.rmtree(out)
    env = dict(os.environ, SITE_BINDER_REPOSITORY=config["binder_repository"],
               SITE_BINDER_REF=config.get("binder_ref", "HEAD"))
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
                    "-c", str(CONF_DIR), "-d", str(SOURCE.parent / "site-doctrees"),
                    str(SOURCE), str(out)], check=True, env=env)
    # The landing page: index.html opens the lab's own index.
    (out / "index.html").write_text(
        f'<!DOCTYPE html><meta charset="utf-8"><title>Architecture Patterns Lab</title>'
        f'<meta http-equiv="refresh" content="0; url={names[0]}.html">'
        f'<a href="{names[0]}.html">Architecture Patterns Lab</a>\n')
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "site")
    args = parser.parse_args(argv)
    seconds = build(args.out.resolve())
    print(f"site: built {args.out} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
