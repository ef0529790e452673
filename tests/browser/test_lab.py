"""The notebooks in a real browser: JupyterLab on 127.0.0.1, driven by Playwright in Chromium.

Every notebook of the lab and the student edition's index, on one Lab server and in one browser.
For each notebook: open it, clear its stored outputs, run every cell from the Run menu, wait until
the kernel is idle, and check that no cell produced an error. Then move the first explorer's
first slider one step with the keyboard (a notebook whose explorer has no slider: its first
dropdown to another option, or its first checkbox) and check that the explorer's figure is
redrawn. The time from that step to the new figure in the page is measured; it and the other
steps' timings are printed after the run (tests/browser/conftest.py); a screenshot of each
notebook goes to .cache/browser-screenshots/. JupyterLab loads once: each notebook is opened in
the same page with Lab's own "open" command, then closed and its kernel shut down.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Every notebook of the lab, and the student edition's index (its start page in class).
NOTEBOOKS = [f"notebooks/{path.name}"
             for path in sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))]
NOTEBOOKS.append("student/00-index.ipynb")

SERVER_START_S = 90.0     # jupyter-lab answers /api/status after ~4 s on an idle machine
PAGE_READY_MS = 90_000    # page opened -> cells attached, kernel started
RUN_ALL_MS = 180_000      # Run All Cells -> every code cell executed and the kernel idle
REDRAW_MS = 60_000        # slider step -> new figure

# Kernel idle: the notebook toolbar's indicator says idle AND the status bar says "| Idle"
# (the toolbar alone reports idle while the status bar still says "Initializing").
KERNEL_IDLE_JS = """() => {
    const indicator = document.querySelector(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
    const statusBar = [...document.querySelectorAll('.jp-StatusBar-Widget')]
        .some(el => el.textContent.includes('| Idle'));
    return indicator !== null && indicator.getAttribute('data-status') === 'idle' && statusBar;
}"""

# JupyterLab 4.6 renders an error output (an exception's traceback) like stderr text, with
# data-mime-type "application/vnd.jupyter.stderr"; warnings look the same. An error is a stderr
# output that holds a traceback or ends with an exception line ("ZeroDivisionError: ...",
# "SyntaxError: ..."); the dedicated error MIME type is also accepted in case Lab renders it.
ERROR_OUTPUTS_JS = r"""
function errorOutputs(root) {
    const traceback = new RegExp('Traceback \\(most recent call last\\)'
        + '|^\\s*[\\w.]*(Error|Exception|Exit|Interrupt)\\b', 'm');
    return [...root.querySelectorAll('.jp-OutputArea-output')].filter(out => {
        const mime = out.getAttribute('data-mime-type');
        return mime === 'application/vnd.jupyter.error'
            || (mime === 'application/vnd.jupyter.stderr' && traceback.test(out.textContent));
    });
}
function visibleNotebook() {
    return document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
}
// Code cells whose input is shown and not empty. A cell with hidden input (a collapsed solution)
// shows a placeholder without its execution count, so it cannot be checked here; Run All stops
// at the first error, so a later visible cell with a count shows that it ran.
function codeCells(panel) {
    return [...panel.querySelectorAll('.jp-CodeCell')].filter(cell => {
        const editor = cell.querySelector('.jp-InputArea-editor');
        return editor !== null && editor.textContent.trim() !== '';
    });
}
function running(panel) {
    return [...panel.querySelectorAll('.jp-InputPrompt')]
        .some(prompt => prompt.textContent.includes('[*]'));
}
function executed(cell) {
    const prompt = cell.querySelector('.jp-InputPrompt');
    return prompt !== null && /\[\d+\]/.test(prompt.textContent);
}
"""

# Every non-empty code cell shows an execution count ("[3]:"), or some cell shows an error
# (Run All stops there, so later cells would never get a count).
ALL_EXECUTED_OR_ERROR_JS = "() => {" + ERROR_OUTPUTS_JS + """
    const panel = visibleNotebook();
    if (panel === null) return false;
    if (errorOutputs(panel).length > 0) return true;
    const cells = codeCells(panel);
    return cells.length > 0 && cells.every(executed) && !running(panel);
}"""

UNEXECUTED_CELLS_JS = "() => {" + ERROR_OUTPUTS_JS + """
    return codeCells(visibleNotebook()).filter(cell => !executed(cell))
        .map(cell => cell.querySelector('.jp-InputArea-editor').textContent.trim().slice(0, 80));
}"""

# For each error output: the first line of its cell's code and the output text.
ERRORS_JS = "() => {" + ERROR_OUTPUTS_JS + """
    return errorOutputs(visibleNotebook()).map(out => {
        const cell = out.closest('.jp-CodeCell');
        const input = cell && (cell.querySelector('.jp-InputArea-editor')
                               || cell.querySelector('.jp-PlaceholderText'));
        const code = input ? input.innerText.trim() : '?';
        return {cell: code.split('\\n')[0].slice(0, 80), output: out.textContent.slice(0, 2000)};
    });
}"""


@dataclass
class LabServer:
    """A running jupyter-lab: base URL, token and log."""

    url: str
    token: str
    log: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)   # an exported Agg backend would remove every inline figure
    env["JUPYTERLAB_SETTINGS_DIR"] = str(REPO / "lab-settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp / "workspaces")
    env["JUPYTER_RUNTIME_DIR"] = str(tmp / "runtime")
    env["JUPYTER_CONFIG_DIR"] = str(tmp / "config")   # no user-level Jupyter configuration
    env.setdefault("IPYTHONDIR", str(tmp / "ipython"))
    env.setdefault("MPLCONFIGDIR", str(REPO / ".cache" / "matplotlib"))
    return env


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """jupyter-lab on 127.0.0.1 (random free port, random token) serving a copy of the notebooks."""
    tmp = tmp_path_factory.mktemp("lab")
    work = tmp / "work"
    # Lab writes .ipynb_checkpoints/ and could save: it gets copies. Data files are package data
    # (labkit/data); data/ only holds what notebooks generate.
    for folder in ("notebooks", "student"):
        shutil.copytree(REPO / folder, work / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (work / "data").mkdir()
    jupyter_lab = Path(sys.executable).parent / "jupyter-lab"
    assert jupyter_lab.exists(), f"{jupyter_lab} not found: install the lab with `make test`"
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp / "jupyter-lab.log"
    with open(log, "wb") as log_file:
        # Started directly in the work folder (the `( cd work && exec jupyter-lab ... )` pattern):
        # the process we hold is the server itself, so terminating it stops the server and its
        # kernels.
        process = subprocess.Popen(
            [str(jupyter_lab), "--no-browser", "--allow-root", f"--port={port}",
             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
             "--ServerApp.port_retries=0", "--LabApp.expose_app_in_browser=True"],
            cwd=work, env=_server_environment(tmp), stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT)
    server = LabServer(f"http://127.0.0.1:{port}", token, log, process)
    try:
        _wait_for_server(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for_server(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_S
    status = f"{server.url}/api/status?token={server.token}"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"jupyter-lab exited with code {server.process.returncode}:\n"
                        f"{server.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(status, timeout=2) as response:
                if response.status == 200:
                    json.load(response)
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            pass
        time.sleep(0.25)
    pytest.fail(f"jupyter-lab did not answer {SERVER_START_S:.0f} s after starting:\n"
                f"{server.log_tail()}", pytrace=False)


def _wait_kernel_idle(page, timeout_ms: int) -> None:
    page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout_ms)


def _menu(page, menu: str, item_prefix: str) -> None:
    """Click ``menu`` in the menu bar, then the item whose name starts with ``item_prefix``."""
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=re.compile("^" + re.escape(item_prefix))).first.click()


def _dismiss_kernel_dialog(page) -> None:
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible():
        page.locator(".jp-Dialog .jp-mod-accept").click()


def _api(lab: LabServer, path: str, method: str = "GET"):
    request = urllib.request.Request(f"{lab.url}{path}", method=method,
                                     headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def _shut_down_kernels(lab: LabServer) -> None:
    """End every session (and its kernel): one notebook's kernel must not slow the next."""
    for session in _api(lab, "/api/sessions"):
        _api(lab, f"/api/sessions/{session['id']}", method="DELETE")


# The first explorer's figure: the src of the first image in its widget output, or null.
FIGURE_JS = """el => {
    const img = el.querySelector('.widget-output img');
    return img === null ? null : img.getAttribute('src');
}"""
# Mark the image shown now; a redraw replaces it with a new, unmarked one.
MARK_FIGURE_JS = """el => {
    const img = el.querySelector('.widget-output img');
    if (img !== null) img.dataset.shownBeforeStep = 'yes';
}"""
REDRAWN_JS = """el => {
    const img = el.querySelector('.widget-output img');
    return img !== null && img.dataset.shownBeforeStep === undefined;
}"""
CONTROLS = (".widget-slider", ".widget-dropdown", ".widget-checkbox")
MAX_DROPDOWN_STEPS = 8


def _explorer(page):
    """The output area of the first explorer, preferring one with a slider, and its control."""
    for control in CONTROLS:
        area = (page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
                .filter(has=page.locator(control)).filter(has=page.locator(".widget-output")))
        if area.count():
            return area.first, control
    return None, None


def _steps(explorer, control: str):
    """Control moves to try in turn, each ``(describe, step, moved)``, until the figure changes.

    A slider step must change the figure. A dropdown option may legitimately draw the same
    figure (another principal with the same decision), so its options are tried one by one.
    """
    if control == ".widget-slider":
        slider = explorer.locator(".widget-slider").first
        readout, handle = slider.locator(".widget-readout"), slider.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        before = readout.inner_text()
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        key = "ArrowLeft" if at_max else "ArrowRight"

        def step():
            handle.focus()
            handle.press(key)
        yield (f"slider {slider.inner_text().strip()!r} one step {key[5:].lower()}", step,
               lambda: readout.inner_text() != before)
    elif control == ".widget-dropdown":
        select = explorer.locator(".widget-dropdown select").first
        select.scroll_into_view_if_needed()
        first = select.input_value()
        values = select.locator("option").evaluate_all("opts => opts.map(o => o.value)")
        for target in [v for v in values if v != first][:MAX_DROPDOWN_STEPS]:
            yield (f"dropdown from {first!r} to {target!r}",
                   lambda target=target: select.select_option(value=target),
                   lambda target=target: select.input_value() == target)
    else:
        box = explorer.locator(".widget-checkbox input").first
        box.scroll_into_view_if_needed()
        yield ("first checkbox ticked", box.check, box.is_checked)


SCREENSHOTS = REPO / ".cache" / "browser-screenshots"

# Lab's own commands (window.jupyterapp, exposed by --LabApp.expose_app_in_browser): open a
# notebook in the page that is already loaded, and close it without the "save changes?" dialog.
OPEN_JS = """path => window.jupyterapp.commands.execute(
    'docmanager:open', {path: path, factory: 'Notebook'}).then(() => true)"""
CLOSE_ALL_JS = """() => {
    for (const widget of [...window.jupyterapp.shell.widgets('main')]) {
        if (widget.context) widget.context.model.dirty = false;
        widget.dispose();
    }
}"""


@pytest.fixture(scope="module")
def lab_page(lab, chromium):
    """One JupyterLab page for every notebook: the app loads once."""
    context = chromium.get().new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{lab.url}/lab?token={lab.token}&reset")
        page.wait_for_function("() => window.jupyterapp !== undefined && "
                               "document.querySelector('.jp-LabShell') !== null",
                               timeout=PAGE_READY_MS)
        page.evaluate(CLOSE_ALL_JS)
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_and_explorer_redraws(notebook, lab, lab_page, browser_report):
    page = lab_page
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SCREENSHOTS / f"{notebook.replace('/', '-')}.png"
    try:
        page.evaluate(OPEN_JS, notebook)
        page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell",
                               timeout=PAGE_READY_MS)
        _dismiss_kernel_dialog(page)
        _wait_kernel_idle(page, PAGE_READY_MS)
        timings["open"] = time.monotonic() - t0

        # Clear the stored outputs first, so every prompt and output seen afterwards is this run's.
        _menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(
            """() => document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output').length === 0""",
            timeout=PAGE_READY_MS)

        t1 = time.monotonic()
        _menu(page, "Run", "Run All Cells")
        page.wait_for_function(ALL_EXECUTED_OR_ERROR_JS, timeout=RUN_ALL_MS)
        _wait_kernel_idle(page, RUN_ALL_MS)
        timings["run all"] = time.monotonic() - t1

        errors = page.evaluate(ERRORS_JS)
        assert not errors, f"{notebook}: cells raised errors in JupyterLab:\n" + "\n".join(
            f"--- cell starting {e['cell']!r}:\n{e['output']}" for e in errors)
        unexecuted = page.evaluate(UNEXECUTED_CELLS_JS)
        assert not unexecuted, f"{notebook}: cells not executed by Run All: {unexecuted}"

        # The explorer: the output area that holds its controls also holds its figure.
        explorer, control = _explorer(page)
        assert explorer is not None, f"{notebook}: no explorer control rendered after Run All"
        explorer.locator(".widget-output").first.wait_for(state="attached", timeout=REDRAW_MS)
        before = after = explorer.evaluate(FIGURE_JS)
        tried = []
        for describe, step, moved in _steps(explorer, control):
            explorer.evaluate(MARK_FIGURE_JS)
            # From the control's step to the new figure in the page: what the reader waits for.
            t2 = time.monotonic()
            step()
            page.wait_for_function(REDRAWN_JS, arg=explorer.element_handle(), polling="raf",
                                   timeout=REDRAW_MS)
            redraw = time.monotonic() - t2
            _wait_kernel_idle(page, REDRAW_MS)
            assert moved(), f"{notebook}: the control did not move ({describe})"
            tried.append(describe)
            after = explorer.evaluate(FIGURE_JS)
            if after != before:
                timings["control -> new figure"] = redraw
                break
        assert after is not None and after != before, (
            f"{notebook}: the explorer figure did not change after {'; '.join(tried)}")
        errors = page.evaluate(ERRORS_JS)
        assert not errors, f"{notebook}: the explorer callback raised:\n" + "\n".join(
            e["output"] for e in errors)
    finally:
        try:
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            page.evaluate(CLOSE_ALL_JS)
            _shut_down_kernels(lab)
        timings["total"] = time.monotonic() - t0
        browser_report.append((notebook, timings, screenshot))
