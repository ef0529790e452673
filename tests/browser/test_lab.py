"""The notebooks in a real browser: JupyterLab on 127.0.0.1, driven by Playwright in Chromium.

For each notebook: open it on a fresh server, clear its stored outputs, run every cell from the
Run menu, wait until the kernel is idle, and check that no cell produced an error. Then move the
first explorer slider one step with the keyboard and check that the explorer's figure is redrawn.
A screenshot of each notebook is saved under pytest's temporary folder; the paths and the
timings of each step are printed after the run (tests/browser/conftest.py).

Chromium is Debian's package at /usr/bin/chromium (``.ci/run`` installs it with apt-get); it is
never downloaded with ``playwright install``. If it is missing, the test fails: it does not skip.
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
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
NOTEBOOKS = ["00-index.ipynb", "10-circuit-breaker.ipynb"]

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
    """A running jupyter-lab: base URL, token, notebook folder (under its root) and log."""

    url: str
    token: str
    notebooks: str
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
    shutil.copytree(REPO / "notebooks", work / "notebooks",
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
             "--ServerApp.port_retries=0"],
            cwd=work, env=_server_environment(tmp), stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT)
    server = LabServer(f"http://127.0.0.1:{port}", token, "notebooks", log, process)
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


class _Chromium:
    """Launches Debian's Chromium through Playwright on first use, so a missing browser fails
    the test itself (with a clear message) instead of erroring in a fixture."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None

    def get(self):
        if self._browser is None:
            if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
                pytest.fail(
                    f"{CHROMIUM} is missing: the browser test needs Debian's chromium package. "
                    "Install it with `apt-get install -y chromium` (.ci/run does this); "
                    "do not run `playwright install`.", pytrace=False)
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="module")
def chromium():
    launcher = _Chromium()
    try:
        yield launcher
    finally:
        launcher.close()


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


def _wait_until_stable(page, locator, attribute: str, first_change_from: str,
                       timeout_ms: int, quiet_s: float = 1.0) -> str:
    """Wait until ``locator``'s ``attribute`` differs from ``first_change_from`` and then stays
    the same for ``quiet_s`` with the kernel idle; return its final value."""
    deadline = time.monotonic() + timeout_ms / 1000
    last, since = first_change_from, time.monotonic()
    while time.monotonic() < deadline:
        value = locator.get_attribute(attribute) if locator.count() else None
        if value != last:
            last, since = value, time.monotonic()
        elif (value is not None and value != first_change_from
              and time.monotonic() - since >= quiet_s and page.evaluate(KERNEL_IDLE_JS)):
            return value
        page.wait_for_timeout(100)
    return last


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_and_explorer_redraws(notebook, lab, chromium, tmp_path,
                                            browser_report):
    browser = chromium.get()
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    screenshot = tmp_path / f"{Path(notebook).stem}.png"
    try:
        page.goto(f"{lab.url}/lab/tree/{lab.notebooks}/{notebook}?token={lab.token}&reset")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=PAGE_READY_MS)
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

        # The explorer: the output area that holds a slider also holds the widget's figure.
        explorer = page.locator(".jp-OutputArea-output").filter(
            has=page.locator(".widget-slider")).first
        assert explorer.count() == 1, f"{notebook}: no explorer slider rendered after Run All"
        figure = explorer.locator(".widget-output img").first
        figure.wait_for(state="attached", timeout=REDRAW_MS)
        before_src = figure.get_attribute("src")
        slider = explorer.locator(".widget-slider").first
        readout = slider.locator(".widget-readout")
        before_readout = readout.inner_text()
        handle = slider.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")

        t2 = time.monotonic()
        handle.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        after_src = _wait_until_stable(page, figure, "src", before_src, REDRAW_MS)
        timings["redraw"] = time.monotonic() - t2

        assert readout.inner_text() != before_readout, (
            f"{notebook}: the slider did not move (readout still {before_readout!r})")
        assert after_src is not None and after_src != before_src, (
            f"{notebook}: the explorer figure did not change after moving the slider "
            f"from {before_readout!r} to {readout.inner_text()!r}")
        errors = page.evaluate(ERRORS_JS)
        assert not errors, f"{notebook}: the explorer callback raised:\n" + "\n".join(
            e["output"] for e in errors)
    finally:
        try:
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()
        timings["total"] = time.monotonic() - t0
        browser_report.append((notebook, timings, screenshot))
