"""Choosing a channel: one event stream through SQS, SNS, EventBridge, Kinesis and a Kafka topic.

The same orders (each a short burst of ``events_per_order`` events: placed, paid, shipped...)
are published through one channel and read by ``subscribers`` consumer applications that each
need every event. What differs is measured, not asserted:

* **fan-out**: how many applications an event reaches. One SQS queue is read by *competing*
  consumers (each message goes to one of them); an SNS topic, an EventBridge rule on a Classic
  bus (at most 5 targets per rule, so more rules for more applications) and a stream deliver to
  every application.
* **order**: deliveries of one order that arrive after a later event of the same order. SQS
  standard queues are best-effort ordered (a short poll samples only some of the queue's
  servers); SNS and EventBridge rules (Classic bus) deliver here into standard queues; a Kinesis
  shard or a Kafka partition keeps one partition key's records in order. ``"eventbridge_fifo"``
  is the newer EventBridge Custom Event Bus (subscribers instead of rules): each application has
  a FIFO subscriber, which delivers in publish order within an *event group* (here the order
  id), into its own SQS FIFO queue with that group as message group id and the event id as
  deduplication id.
* **duplicates**: standard queues deliver at least once (``duplicate_probability``: a delete
  that reaches only some copies). Streams and FIFO queues here are read once per application
  (producer retries can duplicate records on Kinesis and Kafka too; this model has none).
* **replay**: a new application added at ``late_join_s`` asks for the history. A queue keeps only
  what nobody has deleted yet; an SNS topic stores nothing; a Classic bus's EventBridge archive
  (retention indefinite by default) can be replayed; a stream returns what is still inside its
  retention (Kinesis 24 hours by default, up to 365 days; a Kafka topic's ``retention.ms`` is 7
  days by default); a Custom Event Bus retains every event for the period set on the bus (1 to
  365 days, 1 day when ``RetentionPeriodInDays`` is omitted), and the new application's
  subscriber is created with the ``POINT_IN_TIME`` starting position and ``PointType``
  ``HORIZON``, so it reads from the earliest retained event (a subscriber's default starting
  position, ``LATEST``, would read only events published after it exists).

Sources: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-ordering.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-create.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-replay.html,
https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html,
https://docs.aws.amazon.com/msk/latest/developerguide/msk-guidelines-tiered-storage-topic-level-config.html.

:func:`run_channel` (configured by :class:`ChannelConfig`) runs one channel; compare them with
``compare(run_channel, config, {"SQS": {"channel": "sqs"}, ...})``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.facts import fact_value
from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import (
    check_choice,
    check_int,
    check_limit,
    check_positive,
    check_probability,
)
from labkit.messaging.bus import EventBus, Target
from labkit.messaging.patterns import matches
from labkit.messaging.queue import FifoQueue, StandardQueue
from labkit.messaging.stream import ProvisionedThroughputExceeded, Stream
from labkit.messaging.topic import Topic

__all__ = ["CHANNELS", "DEFAULT_RETENTION_H", "ChannelConfig", "ChannelResult", "run_channel"]

CHANNELS = ("sqs", "sns", "eventbridge", "eventbridge_fifo", "kinesis", "msk")
#: What each channel keeps by default, in hours (SQS: 4 days; Kinesis: 24 hours; a Kafka topic's
#: retention.ms: 7 days). SNS stores nothing; an EventBridge archive (Classic bus) keeps events
#: indefinitely by default.
DEFAULT_RETENTION_H = {"sqs": 96.0, "kinesis": 24.0, "msk": 168.0}
#: Targets one EventBridge rule (Classic bus) may have.
TARGETS_PER_RULE = 5
MAX_EVENTS = 50_000
MAX_SUBSCRIBERS = 20
#: The event pattern of the order events: a Classic bus's rules and archive and a Custom Event
#: Bus's subscribers all match it.
ORDER_EVENTS = {"source": ["shop.orders"]}
RECORD_COLUMNS = ["channel", "consumer", "order_id", "event_seq", "event_id", "published_s",
                  "delivered_s"]


@dataclass(frozen=True)
class ChannelConfig(Config):
    """One event stream through one channel (validated on construction).

    Fields
    ------
    channel
        ``"sqs"``, ``"sns"``, ``"eventbridge"`` (rules on a Classic bus), ``"eventbridge_fifo"``
        (FIFO subscribers on a Custom Event Bus), ``"kinesis"`` or ``"msk"`` (a Kafka topic).
    n_orders, events_per_order
        Orders published (Poisson, ``arrival_rate`` orders per second), each a burst of
        ``events_per_order`` events (1 to 10) with exponential gaps of mean ``event_gap_s``;
        at most 50,000 events in all.
    subscribers
        Consumer applications that each need every event (1 to 20).
    poll_interval_s
        How often each application polls its queue or shard.
    late_join_s
        When a new application is added and asks for the history (s after the first order).
    retention_h
        The channel's retention in hours, or ``None`` for its default (``DEFAULT_RETENTION_H``;
        for a Custom Event Bus, the documented default of 1 day, from the facts table).
    shards
        Shards (Kinesis) or partitions (Kafka) of the stream, 1 to 64.
    duplicate_probability
        Chance a standard queue's delete reaches only some copies (SQS, SNS and EventBridge
        rules deliver into standard queues here).
    seed
        Seed for arrivals, gaps and the queues' draws.
    """

    channel: str = "kinesis"
    n_orders: int = 300
    events_per_order: int = 3
    arrival_rate: float = 0.0017
    event_gap_s: float = 2.0
    subscribers: int = 3
    poll_interval_s: float = 5.0
    late_join_s: float = 50 * 3600.0
    retention_h: float | None = None
    shards: int = 2
    duplicate_probability: float = 0.01
    seed: int = 0

    def validate(self) -> None:
        check_choice("channel", self.channel, CHANNELS)
        check_int("n_orders", self.n_orders, minimum=1)
        check_int("events_per_order", self.events_per_order, minimum=1, maximum=10)
        if self.n_orders * self.events_per_order > MAX_EVENTS:
            raise ValueError(f"n_orders * events_per_order must be at most {MAX_EVENTS:,} on "
                             f"this lab, got {self.n_orders * self.events_per_order:,}")
        check_positive("arrival_rate", self.arrival_rate)
        check_positive("event_gap_s", self.event_gap_s)
        check_limit("subscribers", self.subscribers, MAX_SUBSCRIBERS, minimum=1)
        check_positive("poll_interval_s", self.poll_interval_s)
        check_positive("late_join_s", self.late_join_s)
        if self.retention_h is not None:
            check_positive("retention_h", self.retention_h)
            if self.channel == "kinesis" and not 24 <= self.retention_h <= 8760:
                raise ValueError(f"retention_h must be in [24, 8760] for Kinesis (24 hours to "
                                 f"365 days), got {self.retention_h!r}")
            if self.channel == "eventbridge_fifo":
                low, high = (24 * fact_value(f"eventbridge_custom_bus_retention_{end}_days")
                             for end in ("min", "max"))
                if not low <= self.retention_h <= high:
                    raise ValueError(f"retention_h must be in [{low:g}, {high:g}] for a Custom "
                                     f"Event Bus (1 to 365 days), got {self.retention_h!r}")
            if self.channel == "sqs" and not 1 / 60 <= self.retention_h <= 336:
                raise ValueError(f"retention_h must be in [1/60, 336] for SQS (60 s to 14 "
                                 f"days), got {self.retention_h!r}")
        check_limit("shards", self.shards, 64, minimum=1)
        check_probability("duplicate_probability", self.duplicate_probability)
        check_int("seed", self.seed, minimum=0)

    @property
    def retention_s(self) -> float:
        """The retention in seconds (``inf`` for a Classic bus's EventBridge archive, 0 for SNS)."""
        if self.retention_h is not None:
            return self.retention_h * 3600.0
        if self.channel == "eventbridge":
            return math.inf
        if self.channel == "eventbridge_fifo":
            return fact_value("eventbridge_custom_bus_retention_default_days") * 86400.0
        return DEFAULT_RETENTION_H.get(self.channel, 0.0) * 3600.0


@dataclass(frozen=True)
class ChannelResult(Result):
    """One channel's run: ``records`` has one row per delivery to a consumer application."""

    config: ChannelConfig
    records: pd.DataFrame
    events_published: int
    history_before_join: int
    history_available: int

    def summary(self) -> dict[str, float | int | str]:
        """Fan-out, order, duplicates, retention and replay, and delay, as named numbers."""
        r = self.records
        distinct = r.drop_duplicates(["consumer", "event_id"])
        reached = distinct.groupby("event_id").size()
        first = r.sort_values("delivered_s", kind="stable")
        seen_max = first.groupby(["consumer", "order_id"]).event_seq.cummax().shift(1)
        same_group = (first[["consumer", "order_id"]] ==
                      first[["consumer", "order_id"]].shift(1)).all(axis=1)
        late = (same_group & (first.event_seq < seen_max)).sum()
        return {
            "channel": self.config.channel,
            "events_published": self.events_published,
            "deliveries": len(r),
            "apps_reached_per_event": float(reached.reindex(
                range(self.events_published), fill_value=0).mean()),
            "duplicate_deliveries": len(r) - len(distinct),
            "out_of_order_deliveries": int(late),
            "retention_h": self.config.retention_s / 3600.0,
            "history_share_for_new_app": (self.history_available / self.history_before_join
                                          if self.history_before_join else float("nan")),
            "mean_delay_s": float((r.delivered_s - r.published_s).mean()) if len(r) else 0.0,
        }


def _order_events(config: ChannelConfig, arrivals_rng: np.random.Generator,
                  gaps_rng: np.random.Generator) -> pd.DataFrame:
    """Every event: its order, its place in the order, and when it is published (sorted)."""
    starts = np.cumsum(arrivals_rng.exponential(1.0 / config.arrival_rate, config.n_orders))
    starts -= starts[0]
    k = config.events_per_order
    gaps = gaps_rng.exponential(config.event_gap_s, (config.n_orders, k))
    gaps[:, 0] = 0.0
    times = starts[:, None] + np.cumsum(gaps, axis=1)
    frame = pd.DataFrame({"order_id": np.repeat([f"order-{i:05d}" for i in range(config.n_orders)],
                                                k),
                          "event_seq": np.tile(np.arange(1, k + 1), config.n_orders),
                          "published_s": times.ravel()})
    frame = frame.sort_values(["published_s", "order_id"], kind="stable").reset_index(drop=True)
    frame["event_id"] = np.arange(len(frame))
    return frame


def _order_envelope(event: dict) -> dict:
    """An order event as EventBridge carries it (source, detail-type, detail)."""
    return {"source": "shop.orders", "detail-type": "OrderEvent", "detail": event}


@dataclass
class _Channel:
    """The channel's AWS-like resources and each application's way of reading from it."""

    config: ChannelConfig
    queue_rng: np.random.Generator
    queues: list[StandardQueue | FifoQueue] = field(default_factory=list)
    publish: Any = None
    stream: Stream | None = None
    positions: list[list[int]] = field(default_factory=list)
    archive: list[dict] = field(default_factory=list)
    topic: Topic | None = None

    def build(self) -> None:
        c = self.config
        if c.channel in ("kinesis", "msk"):
            self.stream = Stream(f"orders-{c.channel}", shard_count=c.shards,
                                 retention_s=c.retention_s)
            self.positions = [[0] * c.shards for _ in range(c.subscribers)]
            self.publish = lambda e, t: self.stream.put_record(e["order_id"], e, now=t)
            return
        if c.channel == "eventbridge_fifo":
            self._build_custom_bus()
            return
        n_queues = 1 if c.channel == "sqs" else c.subscribers
        retention = min(c.retention_s, DEFAULT_RETENTION_H["sqs"] * 3600.0) or None
        self.queues = [self._queue(f"app-{k + 1}", retention) for k in range(n_queues)]
        if c.channel == "sqs":
            self.publish = lambda e, t: self.queues[0].send(json.dumps(e), t)
        elif c.channel == "sns":
            self.topic = Topic("orders")
            for k, q in enumerate(self.queues):
                self.topic.subscribe(f"app-{k + 1}", q)
            self.publish = lambda e, t: self.topic.publish(json.dumps(e), t)
        else:
            bus = EventBus("orders", seed=self.queue_rng)
            for r in range(0, len(self.queues), TARGETS_PER_RULE):
                bus.put_rule(f"to-apps-{r // TARGETS_PER_RULE + 1}", ORDER_EVENTS,
                             [Target(f"app-{k + 1}", q) for k, q in
                              enumerate(self.queues[r:r + TARGETS_PER_RULE], start=r)])

            def publish(e: dict, t: float) -> None:
                envelope = _order_envelope(e)
                bus.put_event(envelope, t)
                if matches(ORDER_EVENTS, envelope):  # the archive's pattern: every order event
                    self.archive.append(envelope)

            self.publish = publish

    def _build_custom_bus(self) -> None:
        """A Custom Event Bus: it retains every event; each application has a FIFO subscriber
        (event group = order id) delivering into its own SQS FIFO queue, deduplicated by event id.
        """
        retention = DEFAULT_RETENTION_H["sqs"] * 3600.0
        self.queues = [FifoQueue(f"app-{k + 1}.fifo", retention_s=retention)
                       for k in range(self.config.subscribers)]

        def publish(e: dict, t: float) -> None:
            envelope = _order_envelope(e)
            self.archive.append(envelope)  # the bus itself retains every event
            if matches(ORDER_EVENTS, envelope):  # each subscriber's filter
                for queue in self.queues:
                    queue.send(json.dumps(envelope), t, group_id=e["order_id"],
                               dedup_id=f"event-{e['event_id']}")

        self.publish = publish

    def _queue(self, name: str, retention: float | None) -> StandardQueue:
        kwargs = {"retention_s": retention} if retention else {}
        return StandardQueue(name, duplicate_probability=self.config.duplicate_probability,
                             seed=self.queue_rng, **kwargs)

    def app_queue(self, app: int) -> StandardQueue | FifoQueue:
        return self.queues[0] if self.config.channel == "sqs" else self.queues[app]

    def pending(self) -> bool:
        if self.stream is not None:
            return any(pos[s] < self.stream.latest_position(s)
                       for pos in self.positions for s in range(self.config.shards))
        return any(len(q) for q in self.queues)

    def poll(self, app: int, t: float) -> list[dict]:
        """One poll by application ``app`` at ``t``: the events it receives (and deletes)."""
        if self.stream is not None:
            got = []
            for s in range(self.config.shards):
                try:
                    res = self.stream.get_records(s, self.positions[app][s], now=t)
                except ProvisionedThroughputExceeded:
                    continue  # over the shard's 5 reads per second: try at the next poll
                got.extend(r.data for r in res.records)
                self.positions[app][s] = res.next_position
            return got
        queue = self.app_queue(app)
        got = []
        for msg in queue.receive(t, max_messages=10, wait_time_s=0).messages:
            body = json.loads(msg.body)
            got.append(body["detail"] if "detail" in body else body)
            queue.delete(msg.receipt_handle, t)
        return got

    def history(self, t: float) -> int:
        """Events a new application added at ``t`` can still read from the past."""
        c = self.config
        if c.channel == "sqs":
            return self.queues[0].counts(t)["visible"]  # only what nobody has deleted yet
        if c.channel == "sns":
            newcomer = StandardQueue("new-app")
            self.topic.subscribe("new-app", newcomer)  # a subscription sees only later messages
            return len(newcomer)
        if c.channel == "eventbridge":
            return sum(1 for e in self.archive if e["detail"]["published_s"] <= t)
        if c.channel == "eventbridge_fifo":
            # the new application's subscriber is created at POINT_IN_TIME / HORIZON: it reads
            # from the earliest event still inside the bus's retention (LATEST, the other
            # starting position, would read none of the past)
            return sum(1 for e in self.archive
                       if t - c.retention_s <= e["detail"]["published_s"] <= t)
        return sum(len(self.stream.read_from_oldest(s, t)) for s in range(c.shards))


def run_channel(config: ChannelConfig) -> ChannelResult:
    """Publish the order events through ``config.channel`` and let the applications read them.

    Examples
    --------
    >>> small = ChannelConfig(n_orders=40, arrival_rate=0.01, late_join_s=30 * 3600.0, seed=1)
    >>> kinesis = run_channel(small).summary()
    >>> kinesis["apps_reached_per_event"], kinesis["out_of_order_deliveries"]
    (3.0, 0)
    >>> run_channel(small.replace(channel="sqs")).summary()["apps_reached_per_event"]
    1.0
    >>> run_channel(small.replace(channel="sns")).summary()["history_share_for_new_app"]
    0.0
    >>> fifo = run_channel(small.replace(channel="eventbridge_fifo")).summary()
    >>> fifo["out_of_order_deliveries"], fifo["duplicate_deliveries"]
    (0, 0)
    """
    if not isinstance(config, ChannelConfig):
        raise TypeError(f"config must be a ChannelConfig, got {type(config).__name__}")
    arrivals_rng, gaps_rng, queue_rng = spawn_rngs(config.seed, 3)
    events = _order_events(config, arrivals_rng, gaps_rng)
    channel = _Channel(config, queue_rng)
    channel.build()
    rows: list[tuple] = []
    published = events.to_dict("records")
    poll = config.poll_interval_s
    i, tick, joined = 0, poll, None
    while i < len(published) or channel.pending():
        next_pub = published[i]["published_s"] if i < len(published) else math.inf
        if joined is None and min(next_pub, tick) > config.late_join_s:
            joined = channel.history(config.late_join_s)
        if next_pub <= tick:
            event = published[i]
            channel.publish({k: (v.item() if hasattr(v, "item") else v)
                             for k, v in event.items()}, event["published_s"])
            i += 1
            continue
        if not channel.pending():
            tick = math.ceil(next_pub / poll) * poll
            continue
        for app in range(config.subscribers):
            for e in channel.poll(app, tick):
                rows.append((config.channel, f"app-{app + 1}", e["order_id"], e["event_seq"],
                             e["event_id"], e["published_s"], tick))
        tick += poll
    if joined is None:
        joined = channel.history(config.late_join_s)
    before = int((events.published_s <= config.late_join_s).sum())
    records = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    return ChannelResult(config, records, len(events), before, int(joined))
