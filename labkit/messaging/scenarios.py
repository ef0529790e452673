"""SimPy scenarios for notebook 03: consumers on an SQS queue, with and without idempotency.

:func:`simulate_consumers` (configured by :class:`ConsumerConfig`) sends order messages to a
:class:`~labkit.messaging.queue.StandardQueue` and lets a few consumers process them. Each
processed message has a side effect ("charge the card"). Duplicates come from the three causes
SQS documents for standard queues:

* processing that outlasts the visibility timeout (the message is handed to another consumer),
* a consumer that crashes after the side effect but before deleting the message,
* a delete that reaches only some copies (``duplicate_probability``).

With ``idempotent=True`` the consumer records each order id in a processed-keys table in the same
step as the side effect (a DynamoDB conditional put in real life), and skips orders already there,
so the effects are exactly once even though deliveries are not. Poison messages always fail; with a
dead-letter queue they are moved after ``max_receive_count`` receives.

:func:`run_consumers` is the former keyword form, kept one release (it warns).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import (
    check_int,
    check_limit,
    check_nonnegative,
    check_positive,
    check_probability,
)
from labkit.core.workloads import LogNormal
from labkit.messaging.queue import StandardQueue

__all__ = ["ConsumerConfig", "ConsumerResult", "run_consumers", "simulate_consumers"]

DELIVERY_COLUMNS = ["message_id", "order_id", "consumer", "received_s", "finished_s",
                    "receive_count", "outcome", "effect_applied"]

#: Bounds of one run on this lab (every message is one SimPy process step per delivery).
MAX_MESSAGES = 100_000
MAX_CONSUMERS = 1_000
#: Longest visibility timeout SQS accepts: 12 hours (SQS Developer Guide, visibility timeout).
MAX_VISIBILITY_TIMEOUT_S = 12 * 3600


@dataclass(frozen=True)
class ConsumerConfig(Config):
    """Consumers on one SQS standard queue (validated on construction).

    Fields
    ------
    n_messages, arrival_rate
        Orders sent (one message each, 1 to 100,000) at Poisson times, ``arrival_rate``
        messages per second.
    consumers
        Parallel consumers (1 to 1,000), each processing one message at a time.
    processing_median_s, processing_sigma
        Processing time: log-normal with this median (s) and log-space sigma.
    visibility_timeout_s
        The queue's visibility timeout, 0 to 43,200 s (12 hours).
    crash_probability
        Chance a consumer dies after the side effect and before the delete.
    duplicate_probability
        Chance a delete reaches only some copies (SQS's own duplicates).
    idempotent
        Skip orders already recorded in the processed-keys table.
    poison_orders
        Order numbers (0 to ``n_messages - 1``) whose processing always fails.
    max_receive_count
        With a value (1 to 1,000), a dead-letter queue receives messages after this many
        receives.
    poll_interval_s, drain_s
        Pause after an empty poll; time allowed after the last send.
    seed
        Seed for arrivals, processing times, crashes and the queue's own duplicates.
    """

    n_messages: int = 200
    arrival_rate: float = 4.0
    consumers: int = 3
    processing_median_s: float = 2.0
    processing_sigma: float = 0.6
    visibility_timeout_s: float = 10.0
    crash_probability: float = 0.0
    duplicate_probability: float = 0.0
    idempotent: bool = False
    poison_orders: tuple[int, ...] = ()
    max_receive_count: int | None = None
    poll_interval_s: float = 0.5
    drain_s: float = 300.0
    seed: int = 0

    def validate(self) -> None:
        check_limit("n_messages", self.n_messages, MAX_MESSAGES, minimum=1)
        check_positive("arrival_rate", self.arrival_rate)
        check_limit("consumers", self.consumers, MAX_CONSUMERS, minimum=1)
        check_positive("processing_median_s", self.processing_median_s)
        check_nonnegative("processing_sigma", self.processing_sigma)
        vt = check_nonnegative("visibility_timeout_s", self.visibility_timeout_s)
        if vt > MAX_VISIBILITY_TIMEOUT_S:
            raise ValueError(f"visibility_timeout_s must be in [0, {MAX_VISIBILITY_TIMEOUT_S}] "
                             f"(12 hours), got {vt!r}")
        check_probability("crash_probability", self.crash_probability)
        check_probability("duplicate_probability", self.duplicate_probability)
        if not isinstance(self.idempotent, bool):
            raise TypeError(f"idempotent must be True or False, got {self.idempotent!r}")
        if not isinstance(self.poison_orders, tuple):
            raise TypeError(f"poison_orders must be a tuple of order numbers, got "
                            f"{type(self.poison_orders).__name__}")
        for k in self.poison_orders:
            check_int("poison_orders item", k, minimum=0, maximum=self.n_messages - 1)
        if self.max_receive_count is not None:
            check_int("max_receive_count", self.max_receive_count, minimum=1, maximum=1000)
        check_positive("poll_interval_s", self.poll_interval_s)
        check_nonnegative("drain_s", self.drain_s)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class ConsumerResult(Result):
    """One run: ``records`` has one row per delivery, plus the queues' final counters."""

    config: ConsumerConfig
    records: pd.DataFrame
    queue_stats: dict
    dlq_size: int

    @property
    def deliveries(self) -> pd.DataFrame:
        """The records under their former name (one row per delivery)."""
        return self.records

    @property
    def sent(self) -> int:
        """Messages sent."""
        return self.config.n_messages

    @property
    def idempotent(self) -> bool:
        """Whether the consumers skipped orders already processed."""
        return self.config.idempotent

    def summary(self) -> dict[str, int]:
        """Deliveries, duplicates, and effects per order (the exactly-once check)."""
        d = self.records
        effects = d[d.effect_applied]
        per_order = effects.groupby("order_id").size()
        return {
            "messages_sent": self.sent,
            "deliveries": len(d),
            "redeliveries": int((d.receive_count > 1).sum()),
            "orders_delivered_twice_or_more": int((d.groupby("order_id").size() > 1).sum()),
            "effects_applied": len(effects),
            "duplicate_effects": int((per_order - 1).clip(lower=0).sum()),
            "orders_with_effect": int(per_order.size),
            "duplicates_skipped": int((d.outcome == "duplicate_skipped").sum()),
            "moved_to_dlq": self.dlq_size,
        }

    def to_frame(self) -> pd.DataFrame:
        return self.records


def _build_queues(config: ConsumerConfig,
                  queue_rng: np.random.Generator) -> tuple[StandardQueue, StandardQueue | None]:
    """The orders queue and, with ``max_receive_count``, its dead-letter queue."""
    dlq = StandardQueue("orders-dlq", retention_s=14 * 86400, servers=1) \
        if config.max_receive_count is not None else None
    queue = StandardQueue("orders", visibility_timeout_s=config.visibility_timeout_s, servers=1,
                          duplicate_probability=config.duplicate_probability, seed=queue_rng,
                          dead_letter_queue=dlq, max_receive_count=config.max_receive_count)
    return queue, dlq


def _producer(env: simpy.Environment, queue: StandardQueue, send_times: np.ndarray,
              done: dict):
    """SimPy process: send one order message at each of ``send_times``."""
    for i, t in enumerate(send_times):
        yield env.timeout(float(t) - env.now)
        queue.send(json.dumps({"order_id": f"order-{i:04d}", "n": i}), env.now)
    done["producer"] = True


@dataclass
class _Consumers:
    """What the consumers share: the queue, the random draws, the idempotency table, the rows."""

    env: simpy.Environment
    queue: StandardQueue
    config: ConsumerConfig
    durations: Any
    crashes: Any
    done: dict
    processed: set
    rows: list

    def consume(self, name: str):
        """SimPy process: one consumer polling, processing and deleting, until the queue drains."""
        env, queue, config = self.env, self.queue, self.config
        while True:
            res = queue.receive(env.now, max_messages=1, wait_time_s=0)
            if not res.messages:
                if self.done["producer"] and len(queue) == 0:
                    return  # everything sent has been deleted or moved: stop polling
                yield env.timeout(config.poll_interval_s)
                continue
            msg = res.messages[0]
            body = json.loads(msg.body)
            started = env.now
            yield env.timeout(next(self.durations))
            outcome, applied = self.process(body, msg, name, started)
            self.rows.append((msg.message_id, body["order_id"], name, started, env.now,
                              msg.receive_count, outcome, applied))

    def process(self, body: dict, msg: Any, name: str, started: float) -> tuple[str, bool]:
        """Apply one delivery's side effect (or skip it) and delete the message."""
        if body["n"] in self.config.poison_orders:
            return "failed", False
        applied, outcome = True, "processed"
        if self.config.idempotent:
            if body["order_id"] in self.processed:
                applied, outcome = False, "duplicate_skipped"
            else:
                self.processed.add(body["order_id"])
        if next(self.crashes):
            return "crashed_before_delete", applied
        deleted = self.queue.delete(msg.receipt_handle, self.env.now)
        if not deleted and outcome == "processed":
            outcome = "processed_late"  # another consumer holds the message now
        return outcome, applied


def simulate_consumers(config: ConsumerConfig) -> ConsumerResult:
    """Simulate consumers on a standard queue; one record per delivery.

    Examples
    --------
    >>> result = simulate_consumers(ConsumerConfig(n_messages=50, visibility_timeout_s=3.0,
    ...                                            seed=1))
    >>> s = result.summary()
    >>> s["messages_sent"], s["orders_with_effect"], s["duplicate_effects"] > 0
    (50, 50, True)
    >>> simulate_consumers(ConsumerConfig(n_messages=50, visibility_timeout_s=3.0,
    ...                                   idempotent=True, seed=1)).summary()["duplicate_effects"]
    0
    """
    if not isinstance(config, ConsumerConfig):
        raise TypeError(f"config must be a ConsumerConfig, got {type(config).__name__}")
    n = config.n_messages
    arrivals_rng, work_rng, crash_rng, queue_rng = spawn_rngs(config.seed, 4)
    queue, dlq = _build_queues(config, queue_rng)
    send_times = np.cumsum(arrivals_rng.exponential(1.0 / config.arrival_rate, n))
    processing = LogNormal(config.processing_median_s, config.processing_sigma)
    env = simpy.Environment()
    shared = _Consumers(
        env=env, queue=queue, config=config,
        durations=iter(processing.sample(work_rng, 20 * n + 100).tolist()),
        crashes=iter((crash_rng.random(20 * n + 100) < config.crash_probability).tolist()),
        done={"producer": False}, processed=set(), rows=[])
    env.process(_producer(env, queue, send_times, shared.done))
    for k in range(config.consumers):
        env.process(shared.consume(f"consumer-{k + 1}"))
    env.run(until=float(send_times[-1]) + config.drain_s)
    frame = pd.DataFrame(shared.rows, columns=DELIVERY_COLUMNS)
    frame = frame.sort_values(["received_s", "message_id"], kind="stable").reset_index(drop=True)
    return ConsumerResult(config, frame, queue.stats.to_dict(),
                          len(dlq) if dlq is not None else 0)


def run_consumers(*, n_messages: int = 200, send_rate: float = 4.0, consumers: int = 3,
                  processing: LogNormal | None = None, visibility_timeout_s: float = 10.0,
                  crash_probability: float = 0.0, duplicate_probability: float = 0.0,
                  idempotent: bool = False, poison_orders: tuple[int, ...] = (),
                  max_receive_count: int | None = None, poll_interval_s: float = 0.5,
                  drain_s: float = 300.0, seed: int = 0) -> ConsumerResult:
    """Deprecated keyword form of :func:`simulate_consumers` (``send_rate`` is now
    ``arrival_rate``, ``processing`` is ``processing_median_s`` and ``processing_sigma``)."""
    warnings.warn("run_consumers is deprecated since labkit 0.2 and will be removed in the next "
                  "release; use labkit.messaging.scenarios.simulate_consumers(ConsumerConfig(...)) "
                  "instead", DeprecationWarning, stacklevel=2)
    processing = processing or LogNormal(2.0, 0.6)
    if not isinstance(processing, LogNormal):
        raise TypeError(f"processing must be a LogNormal(median, sigma), got "
                        f"{type(processing).__name__}")
    return simulate_consumers(ConsumerConfig(
        n_messages=n_messages, arrival_rate=send_rate, consumers=consumers,
        processing_median_s=processing.median, processing_sigma=processing.sigma,
        visibility_timeout_s=visibility_timeout_s, crash_probability=crash_probability,
        duplicate_probability=duplicate_probability, idempotent=idempotent,
        poison_orders=tuple(poison_orders), max_receive_count=max_receive_count,
        poll_interval_s=poll_interval_s, drain_s=drain_s, seed=seed))
