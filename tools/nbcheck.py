#!/usr/bin/env python3
"""Check every notebook against the house skeleton (docs/architecture.md, "The notebook skeleton")
and its links.

Usage: python tools/nbcheck.py [notebooks/NN-name.ipynb ...]   (default: all notebooks)

Fails (exit 1) listing every problem: headings out of order or missing, a second H1, imports
that are not one explicit cell with a SEED, a picture without alt text, an explorer without a
static figure first, exercises without hidden solutions, widget cells not marked for nbval,
unexecuted cells, stored errors or widget state, and relative links to files that do not exist.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAV_TOP = "<!-- nav:top"
NAV_BOTTOM = "<!-- nav:bottom"
SKELETON = ["Overview", "Prerequisites", "Imports", "The pattern in one picture", "Baseline",
            "Applying the pattern", "Explore", "On AWS", "Trade-offs and when not to use it",
            "Exercises", "Exam practice", "Summary", "Resources", "Sources"]
# Sections a lesson may lack (none: every lesson has all of them).
OPTIONAL: set[str] = set()
LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HTML_SRC = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def sections(nb: nbformat.NotebookNode) -> list[tuple[str, list]]:
    """Split cells into (H2 title, cells) after the H1; cells before the first H2 under ''."""
    out: list[tuple[str, list]] = [("", [])]
    for cell in nb.cells:
        heads = []
        if cell.cell_type == "markdown":
            fenced = False
            for line in cell.source.splitlines():
                if line.startswith("```"):
                    fenced = not fenced
                elif not fenced and line.startswith("## "):
                    heads.append(line[3:].strip())
        if not heads:
            out[-1][1].append(cell)
            continue
        first = cell.source.lstrip().splitlines()[0]
        if not first.startswith("## "):
            out[-1][1].append(cell)  # text before the cell's first heading
        for title in heads:
            out.append((title, [cell]))
    return out


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def check_links(path: Path, nb: nbformat.NotebookNode) -> list[str]:
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        targets = [m.group(2) for m in LINK.finditer(cell.source)]
        targets += HTML_SRC.findall(cell.source)
        for target in targets:
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue
            file = target.split("#", 1)[0]
            if file and not (path.parent / file).exists():
                problems.append(f"link to a missing file: {target}")
        for m in LINK.finditer(cell.source):
            if m.group(0).startswith("!") and not m.group(1).strip():
                problems.append(f"image without alt text: {m.group(2)}")
    return problems


def check_common(path: Path, nb: nbformat.NotebookNode) -> list[str]:
    problems = []
    if "widgets" in nb.metadata:
        problems.append("saved widget state in metadata (run tools/nbexec.py)")
    cells = nb.cells
    if not cells or not cells[0].source.startswith(NAV_TOP):
        problems.append("first cell is not the generated navigation cell (run `make nav`)")
    if not cells or not cells[-1].source.startswith(NAV_BOTTOM):
        problems.append("last cell is not the generated navigation cell (run `make nav`)")
    h1 = [c for c in cells if c.cell_type == "markdown"
          for line in c.source.splitlines() if line.startswith("# ")]
    if len(h1) != 1:
        problems.append(f"expected exactly one H1, found {len(h1)}")
    elif len(cells) < 2 or not cells[1].source.startswith("# "):
        problems.append("the H1 title must be the cell right after the navigation cell")
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            problems.append(f"cell {i} stores an error output")
        if ".widget()" in cell.source and "nbval-ignore-output" not in tags(cell):
            problems.append(f"cell {i} shows a widget but is not tagged nbval-ignore-output")
        if re.search(r"^\s*from\s+\S+\s+import\s+\*", cell.source, re.M):
            problems.append(f"cell {i} uses a star import")
    return problems + check_links(path, nb)


def check_lesson(path: Path, nb: nbformat.NotebookNode) -> list[str]:
    problems = []
    secs = sections(nb)
    titles = [t for t, _ in secs[1:]]
    matched = []
    for title in titles:
        want = next((s for s in SKELETON if title.startswith(s)), None)
        if want is None:
            problems.append(f"unexpected H2 '{title}' (use ### inside a skeleton section)")
            continue
        matched.append(want)
    if matched != [s for s in SKELETON if s in matched or s not in OPTIONAL]:
        problems.append(f"H2 sections must be, in order: {SKELETON}; found {titles}")
    by_name = {next((s for s in SKELETON if t.startswith(s)), t): cells for t, cells in secs[1:]}

    def text(name: str) -> str:
        return "\n".join(c.source for c in by_name.get(name, []) if c.cell_type == "markdown")

    def code(name: str) -> list:
        return [c for c in by_name.get(name, []) if c.cell_type == "code" and c.source.strip()]

    if "Overview" in by_name:
        items = re.findall(r"^\s*\d+\.\s", text("Overview"), re.M)
        if not 3 <= len(items) <= 5:
            problems.append(f"Overview needs 3-5 numbered objectives, found {len(items)}")
    if "Prerequisites" in by_name:
        pre = text("Prerequisites")
        if not re.search(r"\|\s*Concepts?\s*\|\s*Importance\s*\|\s*Notes\s*\|", pre):
            problems.append("Prerequisites needs a 'Concept | Importance | Notes' table")
        for needed in ("Time to learn", "Runtime"):
            if needed not in pre:
                problems.append(f"Prerequisites must state '{needed}'")
    if "Imports" in by_name:
        imports = code("Imports")
        if len(imports) != 1:
            problems.append(f"Imports must be exactly one code cell, found {len(imports)}")
        elif not re.search(r"^SEED\s*=", imports[0].source, re.M):
            problems.append("the Imports cell must define SEED = ...")
    if "The pattern in one picture" in by_name:
        pic = text("The pattern in one picture")
        has_svg = re.search(r"!\[[^\]]+\]\(assets/[^)]+\.svg\)", pic)
        if not (has_svg or "```mermaid" in pic):
            problems.append("the picture section needs an SVG from assets/ with alt text "
                            "or a mermaid block")
    for name in ("Baseline", "Applying the pattern"):
        if name in by_name and not code(name):
            problems.append(f"'{name}' has no code cell")
    if "Explore" in by_name:
        cells = code("Explore")
        widget = [i for i, c in enumerate(cells) if ".widget()" in c.source]
        if not widget:
            problems.append("Explore needs an explorer cell calling .widget()")
        elif not any("nbval-ignore-output" not in tags(c) and c.get("outputs")
                     for c in cells[:widget[0]]):
            problems.append("Explore must show a static figure before the widget")
    if "Exercises" in by_name:
        number = path.name[:2].lstrip("0")
        cells = by_name["Exercises"]
        heads = re.findall(r"^### Exercise (\d+)\.(\d+)", "\n".join(
            c.source for c in cells if c.cell_type == "markdown"), re.M)
        if len(heads) < 2:
            problems.append("Exercises needs at least two '### Exercise N.k' headings")
        if any(n != number for n, _ in heads):
            problems.append(f"exercise numbers must start with the notebook number {number}")
        solutions = [c for c in cells if "solution" in tags(c)]
        if len(solutions) < len(heads):
            problems.append(f"{len(heads)} exercises but {len(solutions)} solution cells "
                            "(tag them 'solution')")
        for c in solutions:
            if not c.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
                problems.append("solution cells must be collapsed (metadata.jupyter.source_hidden)")
                break
    if "Summary" in by_name and "### What's next?" not in text("Summary"):
        problems.append("Summary needs a '### What's next?' subsection")
    if "Resources" in by_name and not re.search(r"\]\(https?://", text("Resources")):
        problems.append("Resources needs at least one public link")
    return problems


def check(path: Path) -> list[str]:
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - report any unreadable notebook
        return [f"cannot read: {exc}"]
    problems = check_common(path, nb)
    if path.name != "00-index.ipynb":
        problems += check_lesson(path, nb)
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    failed = 0
    for path in paths:
        problems = check(path)
        if problems:
            failed += 1
            print(f"{path}:")
            for p in problems:
                print(f"  - {p}")
    print(f"nbcheck: {len(paths) - failed} notebooks pass, {failed} fail")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
