"""Atomic writes for the lake: build in a hidden staging path, then rename into place.

Readers list ``<zone>/<table>/**``; a step writes its whole output into the hidden sibling
``<zone>/.staging-<table>`` and only then swaps it in with renames, so a step killed part way
leaves the previous complete table (or nothing) visible, never a partial partition. The next run
removes the stale staging folder, restores a table left mid-swap, and writes everything again.

- :func:`atomic_write_bytes` / :func:`atomic_write_text` for single files (temporary name, then
  ``os.replace``).
- :func:`staging_dir` + :func:`publish_dir` for folders (Hive-partitioned tables).
- :func:`recover_dir` repairs a swap interrupted between its two renames.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "staging_dir", "publish_dir",
           "recover_dir", "list_files", "LakeLock"]


def _sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:          # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:          # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "x.txt"
    >>> atomic_write_bytes(p, b"hi").read_bytes()
    b'hi'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{target.name}"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def recover_dir(target: str | os.PathLike) -> None:
    """Repair ``target`` after an interrupted :func:`publish_dir` and drop stale staging.

    If the swap stopped after moving the old table aside, the old table is put back; a
    leftover staging folder (a step killed while writing) is deleted.
    """
    target = Path(target)
    old = target.parent / f".old-{target.name}"
    staging = target.parent / f".staging-{target.name}"
    if old.exists():
        if target.exists():
            shutil.rmtree(old)
        else:
            os.rename(old, target)
    if staging.exists():
        shutil.rmtree(staging)


def staging_dir(target: str | os.PathLike) -> Path:
    """Return a fresh, empty hidden staging folder next to ``target`` (after recovery)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(target)
    staging = target.parent / f".staging-{target.name}"
    staging.mkdir()
    return staging


def publish_dir(staging: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Swap the complete ``staging`` folder in as ``target``.

    Two renames: the current ``target`` (if any) moves to ``.old-<name>``, then ``staging``
    becomes ``target``; the old copy is deleted last.
    """
    staging, target = Path(staging), Path(target)
    old = target.parent / f".old-{target.name}"
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    _sync_dir(target.parent)
    if old.exists():
        shutil.rmtree(old)
    return target


def list_files(folder: str | os.PathLike, suffix: str = "") -> list[Path]:
    """All files under ``folder`` (recursively) ending in ``suffix``, sorted, hidden ones skipped.

    >>> list_files("/nonexistent-folder")
    []
    """
    root = Path(folder)
    if not root.exists():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath) / f for f in filenames
                   if f.endswith(suffix) and not f.startswith("."))
    return sorted(out)


class LakeLock:
    """Readers-writer lock of one lake folder, shared between processes (``flock`` on
    ``<root>/.lake.lock``), re-entrant inside one :class:`LakeLock` object.

    Writers (ingest, ETL steps, crawl) hold it exclusively; a query holds it shared while it
    lists and reads files, so it never sees a table between two renames. Each write also
    stores a new token in ``<root>/.lake.version``; readers rebuild their views when it changed.
    On platforms without ``fcntl`` it does nothing (one process per lake there).
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self._fd: int | None = None
        self._mode: str | None = None
        self._depth = 0

    def acquire(self, *, shared: bool, blocking: bool = True) -> bool:
        try:
            import fcntl
        except ImportError:          # pragma: no cover - Windows
            return True
        if self._depth:
            if self._mode == "exclusive" or shared:
                self._depth += 1
                return True
            raise RuntimeError("cannot upgrade a shared lake lock to an exclusive one")
        fd = os.open(self.root / ".lake.lock", os.O_RDWR | os.O_CREAT, 0o644)
        flags = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, flags)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd, self._mode, self._depth = fd, "shared" if shared else "exclusive", 1
        return True

    def release(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            os.close(self._fd)            # closing the descriptor drops the flock
            self._fd, self._mode = None, None

    def version(self) -> int:
        """How many writes have completed (0 before the first)."""
        path = self.root / ".lake.version"
        text = path.read_text().strip() if path.exists() else ""
        return int(text) if text.isdigit() else 0

    def bump(self) -> int:
        """Count one more completed write (call at the end of a write, lock held)."""
        version = self.version() + 1
        atomic_write_text(self.root / ".lake.version", str(version))
        return version
