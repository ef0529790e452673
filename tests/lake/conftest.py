"""Shared fixtures: one small lake built once per test session (it is read-only for the tests)."""

import pytest

from labkit.lake import Lake

ROWS = 6_000


@pytest.fixture(scope="session")
def built_lake(tmp_path_factory):
    lake = Lake(tmp_path_factory.mktemp("lake"))
    report = lake.build(rows=ROWS, seed=3)
    return lake, report


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: fault-injection tests (seconds each; run in CI)")
