#!/usr/bin/env python3
"""Render the "pattern in one picture" diagrams to SVG, and check that notebooks use them.

Usage:
    python tools/diagrams.py            render every notebooks/assets/*/*.mmd to a .svg beside it
    python tools/diagrams.py FILE.mmd   render only these
    python tools/diagrams.py --check    check, without rendering (run by `make nbcheck`)

Sources are Mermaid files (https://mermaid.js.org/), one per diagram, with ``accTitle`` and
``accDescr`` lines that become the SVG's <title> and <desc>. The SVGs are committed, so GitHub,
nbviewer, JupyterLab and the course website all show the same picture without Mermaid.

Rendering uses mermaid-cli (npm ``@mermaid-js/mermaid-cli``, installed on first use into
.cache/mermaid-cli with its own browser download skipped) driving Debian's /usr/bin/chromium.
Labels are SVG text (no HTML inside <foreignObject>), so any SVG viewer draws them, in Arial
(Liberation Sans has the same metrics). Each SVG records the SHA-256 of its source, so the check
can tell a diagram that was edited but not re-rendered.

The check: every notebook but the index has a "## The pattern in one picture" cell; that cell
holds no Mermaid block and at least one image ``![alt text](assets/<notebook>/<name>.svg)`` whose
alt text describes it (40 characters or more) and whose file exists with a <title>; every source
has an SVG rendered from its current text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
ASSETS = NOTEBOOKS / "assets"
MERMAID_CLI = "@mermaid-js/mermaid-cli@12.2.0"
CLI_DIR = REPO / ".cache" / "mermaid-cli"
CHROMIUM = "/usr/bin/chromium"
HEADING = "## The pattern in one picture"
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<path>[^)\s]+\.svg)\)")
SOURCE_HASH = re.compile(r"<!-- source-sha256: ([0-9a-f]{64}) -->")
MIN_ALT = 40
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
MERMAID_CONFIG = {
    "theme": "default",
    "htmlLabels": False,
    "flowchart": {"htmlLabels": False},
    "fontFamily": FONT,
    "themeVariables": {"fontFamily": FONT},
}
PUPPETEER_CONFIG = {
    "executablePath": CHROMIUM,
    "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"],
}


def source_hash(source: Path) -> str:
    return hashlib.sha256(source.read_bytes()).hexdigest()


def mermaid_cli() -> Path:
    """mmdc, installed into .cache/mermaid-cli on first use (without Puppeteer's browser)."""
    mmdc = CLI_DIR / "node_modules" / ".bin" / "mmdc"
    if not mmdc.exists():
        CLI_DIR.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CLI_DIR),
                        MERMAID_CLI], check=True, env=env)
    return mmdc


def render(sources: list[Path]) -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    mmdc = mermaid_cli()
    with tempfile.TemporaryDirectory() as tmp:
        config, puppeteer = Path(tmp) / "mermaid.json", Path(tmp) / "puppeteer.json"
        config.write_text(json.dumps(MERMAID_CONFIG))
        puppeteer.write_text(json.dumps(PUPPETEER_CONFIG))
        for source in sources:
            target = source.with_suffix(".svg")
            subprocess.run([str(mmdc), "--quiet", "-i", str(source), "-o", str(target),
                            "-c", str(config), "-p", str(puppeteer), "-b", "white",
                            "--svgId", f"diagram-{source.parent.name}-{source.stem}"], check=True)
            svg = target.read_text()
            # mermaid-cli writes one line; the hash comment goes after the root element opens.
            svg = re.sub(r"(<svg\b[^>]*>)", rf"\1<!-- source-sha256: {source_hash(source)} -->",
                         svg, count=1)
            target.write_text(svg if svg.endswith("\n") else svg + "\n")
            print(f"{target.relative_to(REPO)}")


def picture_cell(nb: nbformat.NotebookNode) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith(HEADING):
            return cell.source
    return None


def svg_title(path: Path) -> str:
    root = ET.parse(path).getroot()
    title = root.find("{http://www.w3.org/2000/svg}title")
    return (title.text or "").strip() if title is not None else ""


def check() -> list[str]:
    problems = []
    for path in sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
        if path.stem.startswith("00-"):
            continue
        source = picture_cell(nbformat.read(path, as_version=4))
        if source is None:
            problems.append(f"{path.name}: no '{HEADING}' cell")
            continue
        if "```mermaid" in source:
            problems.append(f"{path.name}: the picture is a Mermaid block; render it to SVG "
                            f"(notebooks/assets/{path.stem}/*.mmd, tools/diagrams.py)")
        images = list(IMAGE.finditer(source))
        if not images:
            problems.append(f"{path.name}: the picture cell shows no SVG (![alt](assets/...svg))")
        for image in images:
            alt, rel = image["alt"].strip(), image["path"]
            if not rel.startswith(f"assets/{path.stem}/"):
                problems.append(f"{path.name}: {rel} is not under assets/{path.stem}/")
            svg = NOTEBOOKS / rel
            if not svg.is_file():
                problems.append(f"{path.name}: {rel} does not exist")
            elif not svg_title(svg):
                problems.append(f"{path.name}: {rel} has no <title>")
            if len(alt) < MIN_ALT:
                problems.append(f"{path.name}: {rel} has alt text {alt!r}; describe the picture "
                                f"in {MIN_ALT} characters or more")
    for source in sorted(ASSETS.glob("*/*.mmd")):
        svg = source.with_suffix(".svg")
        rel = source.relative_to(REPO)
        if not svg.is_file():
            problems.append(f"{rel}: not rendered (python tools/diagrams.py {rel})")
            continue
        recorded = SOURCE_HASH.search(svg.read_text())
        if recorded is None or recorded.group(1) != source_hash(source):
            problems.append(f"{rel}: changed since {svg.name} was rendered "
                            f"(python tools/diagrams.py {rel})")
    return problems


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"diagrams: {len(problems)} problem(s)")
        return 1 if problems else 0
    if any(arg.startswith("-") for arg in argv):
        print(__doc__)
        return 2
    render([Path(a).resolve() for a in argv] or sorted(ASSETS.glob("*/*.mmd")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
