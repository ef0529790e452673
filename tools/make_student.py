#!/usr/bin/env python3
"""Write the classroom edition: copies of the notebooks with every solution cell blanked.

Usage: python tools/make_student.py [--check]

Writes student/NN-name.ipynb for every notebook in notebooks/. Cells tagged ``solution`` keep
their place but lose their code and outputs (and get ``nbval-skip``, so nbval does not run them);
links to notebooks/assets/ are rewritten to work from student/. The copies keep their other
stored outputs; `make student` then re-executes them so the self-checks show "not answered yet".
``--check`` compares cell sources and tags with what would be written, without touching files.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks"
TARGET = ROOT / "student"
PLACEHOLDER = "# Your solution here. (The instructor's edition has a worked answer in this cell.)"
ASSET_LINK = re.compile(r"(\]\(|src=[\"'])assets/")


def studentize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    out = copy.deepcopy(nb)
    for cell in out.cells:
        tags = list(cell.metadata.get("tags", []))
        if cell.cell_type == "code" and "solution" in tags:
            cell.source = PLACEHOLDER
            cell.outputs = []
            cell.execution_count = None
            if "nbval-skip" not in tags:
                tags.append("nbval-skip")
            cell.metadata["tags"] = tags
            cell.metadata.pop("jupyter", None)  # nothing to hide any more
        elif cell.cell_type == "markdown":
            cell.source = ASSET_LINK.sub(r"\1../notebooks/assets/", cell.source)
    return out


def signature(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", []))) for c in nb.cells]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    sources = sorted(SOURCE.glob("[0-9][0-9]-*.ipynb"))
    for path in sources:
        wanted = studentize(nbformat.read(path, as_version=4))
        target = TARGET / path.name
        if check:
            if not target.exists() or signature(nbformat.read(target, as_version=4)) != \
                    signature(wanted):
                stale.append(path.name)
            continue
        TARGET.mkdir(exist_ok=True)
        nbformat.write(wanted, target)
    extra = sorted(p.name for p in TARGET.glob("*.ipynb") if not (SOURCE / p.name).exists())
    if check and (stale or extra):
        print(f"student copies out of date: {stale + extra} (run `make student`)")
        return 1
    print(("checked " if check else "wrote ") + f"{len(sources)} student notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
