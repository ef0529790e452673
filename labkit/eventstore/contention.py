"""Writers racing on a few hot orders: CRUD last-writer-wins vs an event store's expected version.

Each writer issues its commands one after another (a session, not a flood): at Poisson times
(``arrival_rate`` commands per second per writer) it reads an order, thinks for an exponential
time (mean ``think_s``) and writes it back with one more item.

* ``mode="crud"``: the write replaces the whole row with what the writer read plus its item (an
  ``UPDATE`` of the latest state). Items added by others in between are lost: the lost update.
* ``mode="stream"``: the write is a ``PutRecord`` to a Kinesis stream used as the only store: an
  ``ItemAdded`` record claiming version ``seen + 1``, with no check (Kinesis has none). A
  projection applies each order's versions once, in order (idempotent under redelivery), so when
  two writers claim the same version one item is dropped: the lost update comes back.
* ``mode="event_store"``: the write appends an ``ItemAdded`` event with the version the writer
  read as ``expected_version``; on :class:`~labkit.eventstore.store.ConcurrencyError` the writer
  re-reads and tries again after a short pause, so nothing is lost (optimistic concurrency, as in
  ``eventsourcing``'s ``IntegrityError`` on a version conflict,
  https://eventsourcing.readthedocs.io/en/stable/topics/application.html).

:func:`simulate_contention` (configured by :class:`ContentionConfig`) returns one record per
command; :func:`run_contention` is the former keyword form returning a dict, kept one release.
"""

from __future__ import annotations

import heapq
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_choice, check_int, check_limit, check_positive
from labkit.eventstore.store import ConcurrencyError, EventStore, NewEvent
from labkit.messaging.stream import Stream

__all__ = ["MODES", "ContentionConfig", "ContentionResult", "run_contention",
           "simulate_contention"]

MODES = ("crud", "stream", "event_store")
#: Bounds of one run on this lab.
MAX_WRITERS = 1_000
MAX_COMMANDS = 200_000

RECORD_COLUMNS = ["writer", "command", "order_id", "item", "first_read_s", "written_s",
                  "attempts", "kept"]


@dataclass(frozen=True)
class ContentionConfig(Config):
    """Writers adding items to ``orders`` hot orders, each ``commands_per_writer`` times.

    ``writers`` 1 to 1,000, ``writers * commands_per_writer`` at most 200,000 commands;
    ``arrival_rate`` is commands per second per writer, ``think_s`` the mean time between a
    writer's read and its write; ``mode`` is ``"crud"`` or ``"event_store"``.
    """

    writers: int = 2
    commands_per_writer: int = 50
    orders: int = 5
    think_s: float = 1.0
    arrival_rate: float = 0.5
    mode: str = "event_store"
    seed: int = 0

    def validate(self) -> None:
        check_limit("writers", self.writers, MAX_WRITERS, minimum=1)
        check_int("commands_per_writer", self.commands_per_writer, minimum=1)
        if self.writers * self.commands_per_writer > MAX_COMMANDS:
            raise ValueError(f"writers * commands_per_writer must be at most {MAX_COMMANDS:,} "
                             f"on this lab, got {self.writers * self.commands_per_writer:,}")
        check_int("orders", self.orders, minimum=1, maximum=10_000)
        check_positive("think_s", self.think_s)
        check_positive("arrival_rate", self.arrival_rate)
        check_choice("mode", self.mode, MODES)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class ContentionResult(Result):
    """One run: ``records`` has one row per command (its item kept or lost)."""

    config: ContentionConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, int | float | str]:
        """Commands, items kept, lost updates (and their share), rejected appends."""
        r = self.records
        lost = int((~r.kept).sum())
        return {"mode": self.config.mode, "writers": self.config.writers,
                "commands": len(r), "items_kept": int(r.kept.sum()), "lost_updates": lost,
                "lost_update_share": lost / len(r), "conflicts": int((r.attempts - 1).sum())}


@dataclass
class _Race:
    """The shared state of one run: the CRUD table, the event store, the event queue."""

    config: ContentionConfig
    rngs: list[np.random.Generator]
    store: EventStore = field(default_factory=EventStore)
    stream: Stream = field(default_factory=lambda: Stream("orders", shard_count=2))
    stream_versions: dict[str, int] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)
    heap: list = field(default_factory=list)
    issued: list[int] = field(default_factory=list)
    commands: dict[str, dict] = field(default_factory=dict)
    counter: int = 0
    last_write_s: float = 0.0

    def push(self, t: float, kind: str, writer: int, item: str, seen: object = None) -> None:
        heapq.heappush(self.heap, (t, self.counter, kind, writer, item, seen))
        self.counter += 1

    def next_command(self, writer: int, t: float) -> None:
        """The writer's next command, a Poisson gap after its previous one finished."""
        if self.issued[writer] >= self.config.commands_per_writer:
            return
        rng = self.rngs[writer]
        when = t + float(rng.exponential(1.0 / self.config.arrival_rate))
        order = f"order-{int(rng.integers(self.config.orders))}"
        item = f"w{writer}-c{self.issued[writer]}"
        self.commands[item] = {"writer": writer, "command": self.issued[writer],
                               "order_id": order, "item": item, "first_read_s": when,
                               "written_s": np.nan, "attempts": 0}
        self.issued[writer] += 1
        self.push(when, "read", writer, item)

    def read(self, t: float, writer: int, item: str) -> None:
        """Read the order (the row, or the stream's version), then think before writing."""
        oid = self.commands[item]["order_id"]
        if self.config.mode == "crud":
            seen = list(self.rows[oid])
        elif self.config.mode == "stream":
            seen = self.stream_versions[oid]  # replaying the order's records gives its version
        else:
            seen = self.store.current_version(oid)
        self.push(t + float(self.rngs[writer].exponential(self.config.think_s)), "write", writer,
                  item, seen)

    def write(self, t: float, writer: int, item: str, seen: object) -> None:
        """Write back: last writer wins (CRUD) or append with the expected version."""
        command = self.commands[item]
        command["attempts"] += 1
        oid = command["order_id"]
        if self.config.mode == "crud":
            self.rows[oid] = [*seen, item]
        elif self.config.mode == "stream":
            self.stream.put_record(oid, {"version": seen + 1, "item": item}, now=t)
            self.stream_versions[oid] = max(self.stream_versions[oid], seen + 1)
        else:
            try:
                self.store.append(oid, [NewEvent("ItemAdded", {"sku": item, "quantity": 1,
                                                               "unit_price_usd": 1.0})],
                                  expected_version=seen, now=t)
            except ConcurrencyError:
                pause = float(self.rngs[writer].exponential(self.config.think_s / 10))
                self.push(t + pause, "read", writer, item)
                return
        command["written_s"] = t
        self.last_write_s = t
        self.next_command(writer, t)

    def kept_items(self) -> set[str]:
        if self.config.mode == "crud":
            return {item for items in self.rows.values() for item in items}
        if self.config.mode == "stream":
            return self._projected_from_stream()
        return {e.data["sku"] for e in self.store.read_all() if e.type == "ItemAdded"}


    def _projected_from_stream(self) -> set[str]:
        """What a projection keeps: per order, each version once, in stream order."""
        applied: dict[str, int] = {oid: 1 for oid in self.rows}  # OrderPlaced is version 1
        kept = set()
        for shard in range(self.stream.shard_count):
            for record in self.stream.read_from_oldest(shard, self.last_write_s):
                oid = record.partition_key
                if record.data["version"] == applied[oid] + 1:
                    applied[oid] += 1
                    kept.add(record.data["item"])
        return kept


def simulate_contention(config: ContentionConfig) -> ContentionResult:
    """Run the writers' race described by ``config``; one record per command.

    >>> crud = simulate_contention(ContentionConfig(writers=4, mode="crud", seed=1))
    >>> crud.summary()["lost_updates"] > 0
    True
    >>> simulate_contention(crud.config.replace(mode="event_store")).summary()["lost_updates"]
    0
    """
    if not isinstance(config, ContentionConfig):
        raise TypeError(f"config must be a ContentionConfig, got {type(config).__name__}")
    race = _Race(config, spawn_rngs(config.seed, config.writers))
    race.issued = [0] * config.writers
    for i in range(config.orders):
        oid = f"order-{i}"
        race.rows[oid] = []
        race.stream_versions[oid] = 1
        race.store.append(oid, [NewEvent("OrderPlaced", {"customer": oid})], expected_version=0,
                          now=0.0)
    for writer in range(config.writers):
        race.next_command(writer, 0.0)
    while race.heap:
        t, _, kind, writer, item, seen = heapq.heappop(race.heap)
        if kind == "read":
            race.read(t, writer, item)
        else:
            race.write(t, writer, item, seen)
    kept = race.kept_items()
    race.store.close()
    records = pd.DataFrame(list(race.commands.values()), columns=RECORD_COLUMNS[:-1])
    records["kept"] = records.item.isin(kept)
    records = records.sort_values(["writer", "command"], kind="stable").reset_index(drop=True)
    return ContentionResult(config, records)


def run_contention(*, writers: int = 2, commands_per_writer: int = 50, orders: int = 5,
                   think_s: float = 1.0, command_rate: float = 0.5, mode: str = "event_store",
                   seed: int = 0) -> dict:
    """Deprecated keyword form of :func:`simulate_contention` (``command_rate`` is now
    ``arrival_rate``); returns the summary dict without ``lost_update_share``."""
    warnings.warn("run_contention is deprecated since labkit 0.2 and will be removed in the next "
                  "release; use labkit.eventstore.contention.simulate_contention"
                  "(ContentionConfig(...)) instead", DeprecationWarning, stacklevel=2)
    summary = simulate_contention(ContentionConfig(
        writers=writers, commands_per_writer=commands_per_writer, orders=orders,
        think_s=think_s, arrival_rate=command_rate, mode=mode, seed=seed)).summary()
    summary.pop("lost_update_share")
    return summary
