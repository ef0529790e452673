"""Atomic writes: a step killed part way leaves no partial table or partition visible, and the
next run completes it with identical files."""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from labkit.lake import Lake
from labkit.lake.storage import atomic_write_bytes, list_files, publish_dir, staging_dir


def _tree(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in list_files(folder)}


@pytest.fixture()
def lake(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.build(rows=1_500, seed=5)
    return lake


CRASH = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    import labkit.lake.etl as etl
    from labkit.lake import Lake
    root, mode = sys.argv[1], sys.argv[2]
    original = etl.publish_dir
    def publish(staging, target):
        if Path(target).name == "orders" and Path(target).parent.name == "curated":
            if mode == "mid-write":        # only part of the partitions were written
                files = sorted(Path(staging).rglob("*.parquet"))
                for f in files[len(files) // 2:]:
                    f.unlink()
                os._exit(137)
            if mode == "mid-swap":         # old table moved aside, new one not yet in place
                os.rename(target, Path(target).parent / ".old-orders")
                os._exit(137)
        return original(staging, target)
    etl.publish_dir = publish
    Lake(root).run_step("curate_orders")
""")


@pytest.mark.parametrize("mode", ["mid-write", "mid-swap"])
def test_killed_curate_step_leaves_no_partial_partition(lake, mode):
    table = lake.root / "curated" / "orders"
    before = _tree(table)
    proc = subprocess.run([sys.executable, "-c", CRASH, str(lake.root), mode])
    assert proc.returncode == 137
    visible = _tree(table)
    assert visible in (before, {})           # the old complete table, or none; never a part
    reopened = Lake(lake.root)               # the next run repairs the swap ...
    assert _tree(table) == before
    assert reopened.query("SELECT count(*) AS n FROM orders").frame.n[0] == \
        reopened.reconcile().set_index("table").loc["orders", "curated_rows"]
    reopened.run_step("curate_orders")       # ... and completes the step
    assert _tree(table) == before
    leftovers = [p.name for p in (lake.root / "curated").iterdir() if p.name.startswith(".")]
    assert leftovers == []


LOOP = textwrap.dedent("""
    import sys
    from labkit.lake import Lake
    lake = Lake(sys.argv[1])
    print("ready", flush=True)
    while True:
        lake.run_step("curate_orders")
        lake.run_step("stage_orders")
""")


def test_sigkill_at_an_arbitrary_moment(lake):
    tables = [lake.root / "curated" / "orders", lake.root / "stage" / "orders"]
    before = [_tree(t) for t in tables]
    for delay in (0.35, 0.8):
        proc = subprocess.Popen([sys.executable, "-c", LOOP, str(lake.root)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        for t, b in zip(tables, before, strict=True):
            assert _tree(t) in (b, {})
        Lake(lake.root)
        assert [_tree(t) for t in tables] == before


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
