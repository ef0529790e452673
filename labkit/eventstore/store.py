"""An append-only event store in SQLite, with optimistic concurrency and snapshots.

:class:`EventStore` is the write side of the lab's CQRS model (SQLite standing in for RDS): every
append runs in one transaction, checks the stream's ``expected_version`` and writes all events or
none. The ``UNIQUE(stream_id, version)`` constraint *is* the optimistic-concurrency control, as in
the ``eventsourcing`` library: two writers that read version 3 both try to write version 4, and
the second gets :class:`ConcurrencyError` with nothing written.

Each event also gets a global, gapless, increasing ``position`` (the notification id) in commit
order, so projections can follow the whole store and resume from the last position they saw.
Snapshots store an aggregate's state at a version; loading uses the latest snapshot plus the tail.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from labkit.core.validation import check_finite, check_int

__all__ = ["ConcurrencyError", "EventStore", "NewEvent", "RecordedEvent", "Snapshot"]

ANY_VERSION = "any"


class ConcurrencyError(Exception):
    """An append's ``expected_version`` did not match the stream: someone else wrote first."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int):
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            f"stream {stream_id!r} is at version {actual_version}, but the append expected "
            f"version {expected_version}; reload the stream, re-check the command and retry")


@dataclass(frozen=True)
class NewEvent:
    """An event to append: its ``type`` (a past-tense name) and JSON-serialisable ``data``."""

    type: str
    data: dict

    def __post_init__(self):
        if not isinstance(self.type, str) or not self.type:
            raise ValueError("type must be a non-empty string such as 'OrderPlaced'")
        if not isinstance(self.data, dict):
            raise TypeError("data must be a dict")


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: global ``position``, per-stream ``version``, commit time."""

    position: int
    stream_id: str
    version: int
    type: str
    data: dict
    recorded_at: float


@dataclass(frozen=True)
class Snapshot:
    """An aggregate's state at ``version`` of its stream."""

    stream_id: str
    version: int
    state: dict
    taken_at: float


_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,
    stream_id   TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    recorded_at REAL    NOT NULL,
    UNIQUE (stream_id, version)
);
CREATE TABLE IF NOT EXISTS snapshots (
    stream_id TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    state     TEXT    NOT NULL,
    taken_at  REAL    NOT NULL,
    PRIMARY KEY (stream_id, version)
);
"""


class EventStore:
    """An append-only event store backed by SQLite (``path=":memory:"`` by default).

    Examples
    --------
    >>> store = EventStore()
    >>> _ = store.append("order-1", [NewEvent("OrderPlaced", {"customer": "ana"})],
    ...                  expected_version=0, now=0.0)
    >>> try:
    ...     store.append("order-1", [NewEvent("OrderPaid", {})], expected_version=0, now=1.0)
    ... except ConcurrencyError as err:
    ...     print(err.expected_version, err.actual_version)
    0 1
    >>> [e.type for e in store.read_stream("order-1")]
    ['OrderPlaced']
    """

    def __init__(self, path: str = ":memory:"):
        self._db = sqlite3.connect(path, isolation_level=None)  # explicit transactions below
        self._db.executescript(_SCHEMA)
        self.events_read = 0
        self.conflicts = 0

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    # -- writing ---------------------------------------------------------------------------
    def current_version(self, stream_id: str) -> int:
        """The stream's latest version (0 for a stream with no events)."""
        row = self._db.execute("SELECT MAX(version) FROM events WHERE stream_id = ?",
                               (stream_id,)).fetchone()
        return int(row[0] or 0)

    def append(self, stream_id: str, events: Sequence[NewEvent], *,
               expected_version: int | str, now: float) -> list[RecordedEvent]:
        """Append ``events`` atomically if the stream is at ``expected_version``.

        ``expected_version`` is the version the caller's decision was based on (0 for a new
        stream), or ``"any"`` to skip the check. Raises :class:`ConcurrencyError` and writes
        nothing when the stream has moved on.
        """
        if not isinstance(stream_id, str) or not stream_id:
            raise ValueError("stream_id must be a non-empty string")
        t = check_finite("now", now)
        events = list(events)
        if not events:
            raise ValueError("events must hold at least one NewEvent")
        for e in events:
            if not isinstance(e, NewEvent):
                raise TypeError("events must be NewEvent objects")
        if expected_version != ANY_VERSION:
            expected_version = check_int("expected_version", expected_version, minimum=0)
        payloads = [json.dumps(e.data, sort_keys=True) for e in events]
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            actual = self.current_version(stream_id)
            if expected_version != ANY_VERSION and actual != expected_version:
                raise ConcurrencyError(stream_id, int(expected_version), actual)
            recorded = []
            for i, (e, payload) in enumerate(zip(events, payloads, strict=True), start=1):
                cur.execute("INSERT INTO events (stream_id, version, type, data, recorded_at) "
                            "VALUES (?, ?, ?, ?, ?)", (stream_id, actual + i, e.type, payload, t))
                recorded.append(RecordedEvent(int(cur.lastrowid or 0), stream_id, actual + i,
                                              e.type, json.loads(payload), t))
            cur.execute("COMMIT")
        except ConcurrencyError:
            cur.execute("ROLLBACK")
            self.conflicts += 1
            raise
        except sqlite3.IntegrityError:  # a writer on another connection got there first
            cur.execute("ROLLBACK")
            self.conflicts += 1
            expected = -1 if expected_version == ANY_VERSION else int(expected_version)
            raise ConcurrencyError(stream_id, expected, self.current_version(stream_id)) from None
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return recorded

    # -- reading ---------------------------------------------------------------------------
    def _rows(self, sql: str, args: Iterable[Any]) -> list[RecordedEvent]:
        rows = self._db.execute(sql, tuple(args)).fetchall()
        self.events_read += len(rows)
        return [RecordedEvent(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def read_stream(self, stream_id: str, *, after_version: int = 0,
                    up_to_version: int | None = None,
                    as_of: float | None = None) -> list[RecordedEvent]:
        """Events of one stream in version order, optionally only those recorded by ``as_of``."""
        after = check_int("after_version", after_version, minimum=0)
        sql = ("SELECT position, stream_id, version, type, data, recorded_at FROM events "
               "WHERE stream_id = ? AND version > ?")
        args: list[Any] = [stream_id, after]
        if up_to_version is not None:
            sql += " AND version <= ?"
            args.append(check_int("up_to_version", up_to_version, minimum=0))
        if as_of is not None:
            sql += " AND recorded_at <= ?"
            args.append(check_finite("as_of", as_of))
        return self._rows(sql + " ORDER BY version", args)

    def read_all(self, *, after_position: int = 0, limit: int | None = None,
                 as_of: float | None = None) -> list[RecordedEvent]:
        """Every stream's events in global position (commit) order, after ``after_position``."""
        after = check_int("after_position", after_position, minimum=0)
        sql = ("SELECT position, stream_id, version, type, data, recorded_at FROM events "
               "WHERE position > ?")
        args: list[Any] = [after]
        if as_of is not None:
            sql += " AND recorded_at <= ?"
            args.append(check_finite("as_of", as_of))
        sql += " ORDER BY position"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(check_int("limit", limit, minimum=1))
        return self._rows(sql, args)

    def last_position(self) -> int:
        """The newest global position (0 if the store is empty)."""
        return int(self._db.execute("SELECT MAX(position) FROM events").fetchone()[0] or 0)

    def stream_ids(self) -> list[str]:
        """All stream ids, in order of their first event."""
        rows = self._db.execute("SELECT stream_id FROM events GROUP BY stream_id "
                                "ORDER BY MIN(position)").fetchall()
        return [r[0] for r in rows]

    # -- snapshots -------------------------------------------------------------------------
    def save_snapshot(self, stream_id: str, version: int, state: dict, now: float) -> None:
        """Store ``state`` as of ``version`` (which must exist in the stream)."""
        v = check_int("version", version, minimum=1)
        if v > self.current_version(stream_id):
            raise ValueError(f"version must be <= the stream's version "
                             f"{self.current_version(stream_id)}, got {v}")
        self._db.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)",
                         (stream_id, v, json.dumps(state, sort_keys=True),
                          check_finite("now", now)))

    def latest_snapshot(self, stream_id: str, *, up_to_version: int | None = None,
                        as_of: float | None = None) -> Snapshot | None:
        """The newest snapshot at or below ``up_to_version`` / taken by ``as_of``, if any."""
        sql = "SELECT stream_id, version, state, taken_at FROM snapshots WHERE stream_id = ?"
        args: list[Any] = [stream_id]
        if up_to_version is not None:
            sql += " AND version <= ?"
            args.append(up_to_version)
        if as_of is not None:
            sql += " AND taken_at <= ?"
            args.append(as_of)
        row = self._db.execute(sql + " ORDER BY version DESC LIMIT 1", args).fetchone()
        return None if row is None else Snapshot(row[0], row[1], json.loads(row[2]), row[3])

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
