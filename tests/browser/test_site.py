"""The course website (build/site, made by `make site`) in Chromium, served from 127.0.0.1.

Every page of the site (one per notebook) must load with no console error, no uncaught
exception and no request to another host; show each figure its notebook stores (every image
loaded) and each "pattern in one picture" diagram (found by its alt text, loaded); offer a
"launch on Binder" link to its own notebook; and list every notebook in its navigation. The
search page must find the circuit-breaker notebook. No explorer may show the raw text of a
widget (``VBox(children=...``): without a kernel a reader gets the stored fallback instead.

The site is built, not executed here: run `make site` first (the test fails, with that advice,
if build/site is missing).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "build" / "site"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
PICTURE = re.compile(r"!\[(?P<alt>[^\]]+)\]\((?P<path>assets/[^)\s]+\.svg)\)")
LOAD_MS = 60_000

# Images in the page's main content: what each shows, and whether it loaded.
IMAGES_JS = """() => [...document.querySelectorAll('article img')].map(img => ({
    src: img.getAttribute('src'), alt: img.getAttribute('alt') || '',
    loaded: img.complete && img.naturalWidth > 0,
    output: img.closest('.cell_output') !== null}))"""


def stored_figures(nb: nbformat.NotebookNode) -> int:
    """Outputs the site shows as a PNG figure (an output that also has HTML shows the HTML)."""
    return sum(1 for cell in nb.cells if cell.cell_type == "code"
               for out in cell.get("outputs", [])
               if "image/png" in out.get("data", {}) and "text/html" not in out["data"])


def pictures(nb: nbformat.NotebookNode) -> list[str]:
    """Alt texts of the diagrams in the notebook's markdown cells."""
    return [m["alt"] for cell in nb.cells if cell.cell_type == "markdown"
            for m in PICTURE.finditer(cell.source)]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def site():
    """build/site served on 127.0.0.1 (a free port); yields its base URL."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} has no built site: run `make site` first", pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def visit(site, chromium):
    """Opens a site page in a fresh context; records console errors, page errors and any
    request to another host (those are aborted: the site must not need them)."""
    context = chromium.get().new_context(viewport={"width": 1300, "height": 900})
    problems: list[str] = []

    def route(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and problems.append(
        f"console error: {msg.text}"))
    page.on("pageerror", lambda err: problems.append(f"uncaught exception: {err}"))

    def open_page(path: str):
        page.goto(f"{site}/{path}", wait_until="load", timeout=LOAD_MS)
        page.wait_for_load_state("networkidle", timeout=LOAD_MS)
        return page

    try:
        yield open_page, problems
    finally:
        context.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_page_shows_figures_and_diagrams(notebook, visit, browser_report):
    open_page, problems = visit
    nb = nbformat.read(notebook, as_version=4)
    t0 = time.monotonic()
    page = open_page(f"{notebook.stem}.html")
    seconds = time.monotonic() - t0
    images = page.evaluate(IMAGES_JS)

    broken = [i["src"] for i in images if not i["loaded"]]
    assert not broken, f"{notebook.stem}: images that did not load: {broken}"
    figures = [i for i in images if i["output"] and i["src"].startswith("_images/")]
    assert len(figures) == stored_figures(nb), (
        f"{notebook.stem}: the page shows {len(figures)} output figures, "
        f"the notebook stores {stored_figures(nb)}")
    shown_alts = {i["alt"] for i in images}
    missing = [alt[:60] for alt in pictures(nb) if alt not in shown_alts]
    assert not missing, f"{notebook.stem}: diagrams not shown: {missing}"

    binder = page.locator(f'a[href^="https://mybinder.org/v2/gh/"][href*="{notebook.name}"]')
    assert binder.count() >= 1, f"{notebook.stem}: no launch-on-Binder link to {notebook.name}"
    nav = page.locator("nav.bd-docs-nav a.reference.internal").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    missing_nav = [p.stem for p in NOTEBOOKS[1:]
                   if p != notebook and not any(p.stem in href for href in nav)]
    assert not missing_nav, f"{notebook.stem}: navigation lacks {missing_nav}"
    assert not problems, f"{notebook.stem}:\n" + "\n".join(problems)
    browser_report.append((f"site/{notebook.stem}.html", {"load": seconds}, None))


def test_search_finds_a_notebook(visit):
    open_page, problems = visit
    page = open_page("search.html?q=breaker")
    results = page.locator("#search-results li a")
    results.first.wait_for(timeout=LOAD_MS)
    hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any("10-circuit-breaker" in href for href in hrefs), hrefs
    assert not problems, "\n".join(problems)


def test_no_page_shows_a_widget_repr():
    """An explorer read without a kernel shows its stored fallback, never the widget's text."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} has no built site: run `make site` first", pytrace=False)
    raw = [p.stem for p in NOTEBOOKS
           if "VBox(children=" in (SITE / f"{p.stem}.html").read_text(encoding="utf-8")]
    assert not raw, f"pages showing a widget's text repr instead of its fallback: {raw}"
