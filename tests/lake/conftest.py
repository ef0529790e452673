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


PII = ("email", "phone", "name")


def table_fingerprint(root, table):
    """The current snapshot of Iceberg ``table`` (``"stage.orders"``...), comparable; None if
    the table does not exist."""
    from labkit.lake.iceberg import IcebergTables

    ice = IcebergTables(root)
    return ice.fingerprint(table) if ice.exists(table) else None


@pytest.fixture(scope="session")
def fingerprint():
    """``fingerprint(root, "stage.orders")``: the table's current snapshot, comparable."""
    return table_fingerprint


def _grant_eu_without_pii(lake, principal):
    """``customers`` without name/email/phone and ``orders``, both only where region = 'eu'."""
    cols = [c for c in lake.catalog.columns("customers") if c not in PII]
    lake.grant(principal, "customers", columns=cols, row_filter="region = 'eu'")
    lake.grant(principal, "orders", row_filter="region = 'eu'")
    return lake


#: A process that repeats one write or one read (``WRITE`` / ``READ``, Python statements after
#: ``SETUP``) for ``seconds`` and at least three times, then prints ``done failed [counts]``.
_LOOP = """
import sys, time
root, role, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
{setup}
end, cap = time.monotonic() + seconds, time.monotonic() + 60
done, failed, counts = 0, 0, set()
while (time.monotonic() < end or done < 3) and time.monotonic() < cap:
    try:
        if role == "writer":
            {write}
        else:
            counts.add(int({read}))
        done += 1
    except Exception as exc:
        failed += 1
        print(type(exc).__name__, exc, file=sys.stderr)
print(done, failed, sorted(counts))
"""


def _run_writer_and_reader(root, *, setup, write, read, seconds=2.0):
    """Run a writer process and a reader process on ``root`` at the same time; return
    ``((writes, failed_writes), (reads, failed_reads, sorted distinct counts as text))``."""
    import subprocess
    import sys

    script = _LOOP.format(setup=setup, write=write, read=read)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(root), role, str(seconds)],
                              stdout=subprocess.PIPE, text=True) for role in ("writer", "reader")]
    out = [p.communicate(timeout=180)[0].split(" ", 2) for p in procs]
    (w_done, w_failed, _), (r_done, r_failed, counts) = out
    return (int(w_done), int(w_failed)), (int(r_done), int(r_failed), counts.strip())


@pytest.fixture(scope="session")
def grant_eu_without_pii():
    """``grant(lake, principal)``: customers without PII and orders, both only region 'eu'."""
    return _grant_eu_without_pii


@pytest.fixture(scope="session")
def run_writer_and_reader():
    """``run(root, setup=, write=, read=, seconds=)``: a writer and a reader process at once."""
    return _run_writer_and_reader
