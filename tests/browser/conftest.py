"""Shared by the browser tests: one Chromium for the whole run, and the timings report.

Chromium is Debian's package at /usr/bin/chromium (``.ci/run`` installs it with apt-get), driven
by Playwright through ``executable_path``; it is never downloaded with ``playwright install``. If
it is missing, the tests fail: they do not skip. The flags keep headless Chromium from trying to
reach the network in the background (it stalls on blocked connections here).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

_REPORT = pytest.StashKey[list]()


class _Chromium:
    """Launches Chromium through Playwright on first use, so a missing browser fails the test
    itself (with a clear message) instead of erroring in a fixture."""

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


@pytest.fixture(scope="session")
def chromium():
    launcher = _Chromium()
    try:
        yield launcher
    finally:
        launcher.close()


@pytest.fixture
def browser_report(request: pytest.FixtureRequest) -> list:
    """A list the tests append ``(page, {step: seconds}, screenshot)`` to."""
    return request.config.stash.setdefault(_REPORT, [])


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    rows = config.stash.get(_REPORT, [])
    if not rows:
        return
    terminalreporter.section("browser test timings")
    for page, timings, screenshot in rows:
        steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in timings.items())
        terminalreporter.write_line(f"{page}: {steps}")
        if screenshot:
            terminalreporter.write_line(f"    screenshot: {screenshot}")
    redraws = sorted(t["control -> new figure"] for _, t, _ in rows
                     if "control -> new figure" in t)
    if redraws:
        terminalreporter.write_line(
            f"control -> new figure over {len(redraws)} notebooks: "
            f"median {redraws[len(redraws) // 2]:.2f} s, worst {redraws[-1]:.2f} s")
