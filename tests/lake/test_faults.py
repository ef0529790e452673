"""Faults: processes killed at random points of a build, killed after each durable step (every
rename of a raw folder or file and every Iceberg commit), and a reader running while another
process commits new snapshots of the table it reads.

A helper process imports labkit once and forks one child per trial, so a trial costs the work it
interrupts, not an interpreter start. After each kill the lake is reopened (which repairs what
the dead writer left) and checked: every raw record is accounted for, the source database is
whole, the raw files and the catalog are byte-identical to an uninterrupted build with the same
rows and seed, and every Iceberg table's current snapshot has byte-identical data files.
"""

import hashlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from labkit.lake import Lake
from labkit.lake.iceberg import IcebergTables
from labkit.lake.storage import list_files
from labkit.lake.zones import TABLE_LAYOUT

ROWS, SEED = 300, 5

HELPER = textwrap.dedent("""
    import os, signal, sys, time
    import duckdb, pandas          # loaded once, before any fork
    import labkit.lake.zones, labkit.lake.iceberg, pyiceberg.catalog.sql, pyarrow
    from labkit.lake import Lake

    def child(root, mode):
        if mode.startswith("durable:"):
            from pyiceberg.catalog.sql import SqlCatalog
            _, k, step = mode.split(":")
            k, calls = int(k), [0]
            def counted(real):
                def call(*args, **kw):
                    result = real(*args, **kw)
                    calls[0] += 1
                    if calls[0] == k:          # killed right after the k-th durable step
                        os._exit(137)
                    return result
                return call
            os.rename, os.replace = counted(os.rename), counted(os.replace)
            SqlCatalog.commit_table = counted(SqlCatalog.commit_table)
            Lake(root).run_step(step)
        elif mode == "ingest":
            Lake(root).ingest(%(rows)d, %(seed)d)
        elif mode == "build":
            Lake(root).build(rows=%(rows)d, seed=%(seed)d)

    for line in sys.stdin:
        root, delay, mode = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                child(root, mode)
            finally:
                os._exit(0)
        if float(delay) >= 0:
            time.sleep(float(delay))
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)
""") % {"rows": ROWS, "seed": SEED}


class Helper:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", HELPER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, root, mode, delay=-1.0) -> int:
        self.proc.stdin.write(f"{root} {delay} {mode}\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def helper():
    h = Helper()
    yield h
    h.close()


def _tree(root):
    out = {}
    for zone in ("raw", "catalog"):
        for p in list_files(root / zone):
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    for db, name in TABLE_LAYOUT:
        if db != "raw":
            ice = IcebergTables(root)
            ident = f"{db}.{name}"
            out[ident] = ice.fingerprint(ident) if ice.exists(ident) else None
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    with Lake(root) as lake:
        lake.build(rows=ROWS, seed=SEED)
        customers = lake.source_customers()
    return _tree(root), customers


def _check_whole(root, reference):
    tree, customers = reference
    with Lake(root) as lake:                        # reopening repairs a dead writer's state
        assert lake.reconcile()["unaccounted"].tolist() == [0, 0, 0]
        assert lake.source_customers().equals(customers)
    assert _tree(root) == tree
    hidden = [p for p in root.rglob(".*") if p.name not in (".lake.lock", ".lake.version")]
    assert hidden == []                             # no staging or half-swapped folder left


@pytest.mark.slow
def test_random_kills_during_build_and_ingest(helper, reference, tmp_path):
    """30 SIGKILLs at random times into a rebuild or re-ingest of a built lake."""
    rng = np.random.default_rng(18)
    root = tmp_path / "lake"
    assert helper.run(root, "build") == 0
    codes = []
    for trial in range(30):
        mode = "build" if trial % 3 else "ingest"
        codes.append(helper.run(root, mode, delay=float(rng.uniform(0.0, 0.6))))
        if mode == "ingest":                        # finish the interrupted pipeline
            with Lake(root) as lake:
                for step in ("stage_orders", "stage_clickstream", "stage_customers",
                             "curate_orders", "curate_clickstream", "curate_customers"):
                    lake.run_step(step)
                lake.crawl()
        _check_whole(root, reference)
    assert codes.count(-9) >= 15                    # most trials really were killed mid-way


@pytest.mark.slow
def test_killed_first_build_then_rebuild_gives_the_same_lake(helper, reference, tmp_path):
    rng = np.random.default_rng(7)
    for trial in range(4):
        root = tmp_path / f"lake{trial}"
        helper.run(root, "build", delay=float(rng.uniform(0.05, 0.5)))
        Lake(root).build(rows=ROWS, seed=SEED)
        _check_whole(root, reference)


@pytest.mark.slow
@pytest.mark.parametrize("step", ["stage_orders", "curate_orders", "curate_customers"])
def test_kill_after_each_commit(helper, reference, tmp_path, step):
    root = tmp_path / "lake"
    assert helper.run(root, "build") == 0
    k = 1
    while True:
        code = helper.run(root, f"durable:{k}:{step}")
        _check_whole(root, reference)
        if code == 0:                               # the step finished before rename k
            break
        assert code == 137
        k += 1
    assert k >= 2                                   # each Iceberg commit, then the version


@pytest.mark.slow
def test_concurrent_reader_never_sees_a_partial_snapshot(reference, tmp_path,
                                                      run_writer_and_reader):
    root = tmp_path / "lake"
    with Lake(root) as lake:
        lake.build(rows=ROWS, seed=SEED)
        expected = int(lake.query("SELECT count(*) AS n FROM orders").frame.n[0])
    (w_done, w_failed), (r_done, r_failed, counts) = run_writer_and_reader(
        root, setup="from labkit.lake import Lake\nlake = Lake(root)",
        write='lake.run_step("curate_orders")',
        read='lake.query("SELECT count(*) AS n FROM orders").frame.n[0]', seconds=3)
    assert w_failed == 0 and r_failed == 0
    assert w_done >= 3 and r_done >= 3
    assert counts == f"[{expected}]"
    _check_whole(root, reference)


def test_opening_a_lake_leaves_a_live_writers_staging_alone(tmp_path):
    from labkit.lake.storage import LakeLock

    root = tmp_path / "lake"
    Lake(root).build(rows=ROWS, seed=SEED)
    staging = root / "raw" / "dms" / "sales" / ".staging-orders"
    staging.mkdir()
    writer = LakeLock(root)                        # another writer holds the lake
    assert writer.acquire(shared=False)
    try:
        Lake(root).close()
        assert staging.exists()                    # its half-written output is not touched
    finally:
        writer.release()
    Lake(root).close()                             # no writer left: stale staging removed
    assert not staging.exists()
