"""Collects the browser test's timings and screenshot paths and prints them after the run."""

from __future__ import annotations

import pytest

_REPORT = pytest.StashKey[list]()


@pytest.fixture
def browser_report(request: pytest.FixtureRequest) -> list:
    """A list the test appends ``(notebook, {step: seconds}, screenshot)`` to."""
    return request.config.stash.setdefault(_REPORT, [])


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    rows = config.stash.get(_REPORT, [])
    if not rows:
        return
    terminalreporter.section("browser test timings")
    for notebook, timings, screenshot in rows:
        steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items())
        terminalreporter.write_line(f"{notebook}: {steps}")
        terminalreporter.write_line(f"    screenshot: {screenshot}")
