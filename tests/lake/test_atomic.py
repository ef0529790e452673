"""Atomic writes: an ETL step killed part way leaves the previous Iceberg snapshot current (no
partial table or partition visible), and the next run commits the same rows in the same bytes.
Single raw files and folders are replaced by a rename."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from labkit.lake import Lake
from labkit.lake.storage import atomic_write_bytes, list_files, publish_dir, staging_dir


@pytest.fixture()
def lake(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.build(rows=1_500, seed=5)
    return lake


CRASH = textwrap.dedent("""
    import os, sys
    from pyiceberg.catalog.sql import SqlCatalog
    from labkit.lake import Lake
    root, mode = sys.argv[1], sys.argv[2]
    commit, write_metadata = SqlCatalog.commit_table, SqlCatalog._write_metadata
    def crash_commit(self, table, *args):
        if table.name()[-1] == "orders" and mode == "data-written":
            os._exit(137)              # data files and manifests written, pointer not moved
        return commit(self, table, *args)
    def crash_metadata(*args, **kwargs):
        write_metadata(*args, **kwargs)
        if mode == "metadata-written":
            os._exit(137)              # new metadata file written, pointer not moved
    SqlCatalog.commit_table = crash_commit
    SqlCatalog._write_metadata = staticmethod(crash_metadata)
    Lake(root).run_step("curate_orders")
""")


@pytest.mark.parametrize("mode", ["data-written", "metadata-written"])
def test_killed_curate_step_leaves_the_previous_snapshot(lake, mode, fingerprint):
    before = fingerprint(lake.root, "curated.orders")
    snapshots = lake.snapshots("orders").snapshot_id.tolist()
    proc = subprocess.run([sys.executable, "-c", CRASH, str(lake.root), mode])
    assert proc.returncode == 137
    reopened = Lake(lake.root)
    assert reopened.snapshots("orders").snapshot_id.tolist() == snapshots
    assert fingerprint(lake.root, "curated.orders") == before   # never a part of the new one
    assert reopened.query("SELECT count(*) AS n FROM orders").frame.n[0] == \
        reopened.reconcile().set_index("table").loc["orders", "curated_rows"]
    reopened.run_step("curate_orders")       # the next run commits the same rows and bytes
    assert fingerprint(lake.root, "curated.orders") == before
    assert len(reopened.snapshots("orders")) > len(snapshots)


LOOP = textwrap.dedent("""
    import sys
    from labkit.lake import Lake
    lake = Lake(sys.argv[1])
    print("ready", flush=True)
    while True:
        lake.run_step("curate_orders")
        lake.run_step("stage_orders")
""")


def test_sigkill_at_an_arbitrary_moment(lake, fingerprint):
    tables = ["curated.orders", "stage.orders", "stage.quarantine"]
    before = [fingerprint(lake.root, t) for t in tables]
    for delay in (0.35, 0.8):
        proc = subprocess.Popen([sys.executable, "-c", LOOP, str(lake.root)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert [fingerprint(lake.root, t) for t in tables] == before
        with Lake(lake.root) as reopened:
            assert reopened.reconcile()["unaccounted"].tolist() == [0, 0, 0]


def test_publish_replaces_a_folder_and_staging_is_hidden(tmp_path):
    target = tmp_path / "t"
    tmp = staging_dir(target)
    (tmp / "a.txt").write_text("1")
    assert list_files(tmp_path) == []          # hidden until published
    publish_dir(tmp, target)
    tmp = staging_dir(target)
    (tmp / "b.txt").write_text("2")
    publish_dir(tmp, target)
    assert [p.name for p in list_files(tmp_path)] == ["b.txt"]
    atomic_write_bytes(tmp_path / "x.bin", b"\x00")
    assert (tmp_path / "x.bin").read_bytes() == b"\x00"
    assert not list((tmp_path).glob(".tmp-*"))
