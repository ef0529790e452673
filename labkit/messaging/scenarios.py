"""SimPy scenarios for notebook 03: consumers on an SQS queue, with and without idempotency.

:func:`run_consumers` sends order messages to a :class:`~labkit.messaging.queue.StandardQueue`
and lets a few consumers process them. Each processed message has a side effect ("charge the
card"). Duplicates come from the three causes SQS documents for standard queues:

* processing that outlasts the visibility timeout (the message is handed to another consumer),
* a consumer that crashes after the side effect but before deleting the message,
* a delete that reaches only some copies (``duplicate_probability``).

With ``idempotent=True`` the consumer records each order id in a processed-keys table in the same
step as the side effect (a DynamoDB conditional put in real life), and skips orders already there,
so the effects are exactly once even though deliveries are not. Poison messages always fail; with a
dead-letter queue they are moved after ``max_receive_count`` receives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_nonnegative, check_positive, check_probability
from labkit.core.workloads import Distribution, LogNormal
from labkit.messaging.queue import StandardQueue

__all__ = ["ConsumerRun", "run_consumers"]

DELIVERY_COLUMNS = ["message_id", "order_id", "consumer", "received_s", "finished_s",
                    "receive_count", "outcome", "effect_applied"]


@dataclass(frozen=True)
class ConsumerRun:
    """What happened: one row per delivery, plus the queues' final counters."""

    deliveries: pd.DataFrame
    sent: int
    queue_stats: dict
    dlq_size: int
    idempotent: bool

    def summary(self) -> dict:
        """Deliveries, duplicates, and effects per order (the exactly-once check)."""
        d = self.deliveries
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
        return self.deliveries


def run_consumers(*, n_messages: int = 200, send_rate: float = 4.0, consumers: int = 3,
                  processing: Distribution | None = None, visibility_timeout_s: float = 10.0,
                  crash_probability: float = 0.0, duplicate_probability: float = 0.0,
                  idempotent: bool = False, poison_orders: tuple[int, ...] = (),
                  max_receive_count: int | None = None, poll_interval_s: float = 0.5,
                  drain_s: float = 300.0, seed: int = 0) -> ConsumerRun:
    """Simulate consumers on a standard queue; return every delivery.

    Parameters
    ----------
    n_messages, send_rate
        Orders sent (one message each) at Poisson times with this rate (messages/s).
    consumers
        Parallel consumers, each processing one message at a time.
    processing
        Processing-time distribution (default log-normal, median 2 s, sigma 0.6).
    visibility_timeout_s
        The queue's visibility timeout.
    crash_probability
        Chance a consumer dies after the side effect and before the delete.
    duplicate_probability
        Chance a delete reaches only some copies (SQS's own duplicates).
    idempotent
        Skip orders already recorded in the processed-keys table.
    poison_orders
        Order numbers whose processing always fails.
    max_receive_count
        With a value, a dead-letter queue receives messages after this many receives.
    poll_interval_s, drain_s
        Pause after an empty poll; time allowed after the last send.
    seed
        Seed for arrivals, processing times and crashes.

    Examples
    --------
    >>> run = run_consumers(n_messages=50, visibility_timeout_s=3.0, seed=1)
    >>> s = run.summary()
    >>> s["messages_sent"], s["orders_with_effect"], s["duplicate_effects"] > 0
    (50, 50, True)
    >>> run_consumers(n_messages=50, visibility_timeout_s=3.0, idempotent=True,
    ...               seed=1).summary()["duplicate_effects"]
    0
    """
    n = check_int("n_messages", n_messages, minimum=1)
    rate = check_positive("send_rate", send_rate)
    workers = check_int("consumers", consumers, minimum=1)
    vt = check_nonnegative("visibility_timeout_s", visibility_timeout_s)
    crash_p = check_probability("crash_probability", crash_probability)
    check_probability("duplicate_probability", duplicate_probability)
    poll = check_positive("poll_interval_s", poll_interval_s)
    drain = check_nonnegative("drain_s", drain_s)
    processing = processing or LogNormal(2.0, 0.6)
    for k in poison_orders:
        check_int("poison_orders item", k, minimum=0, maximum=n - 1)
    arrivals_rng, work_rng, crash_rng, queue_rng = spawn_rngs(seed, 4)

    dlq = StandardQueue("orders-dlq", retention_s=14 * 86400, servers=1) \
        if max_receive_count is not None else None
    queue = StandardQueue("orders", visibility_timeout_s=vt, servers=1,
                          duplicate_probability=duplicate_probability, seed=queue_rng,
                          dead_letter_queue=dlq, max_receive_count=max_receive_count)
    send_times = np.cumsum(arrivals_rng.exponential(1.0 / rate, n))
    durations = iter(processing.sample(work_rng, 20 * n + 100).tolist())
    crashes = iter((crash_rng.random(20 * n + 100) < crash_p).tolist())
    poison = set(poison_orders)
    processed: set[str] = set()  # the idempotency table
    rows: list[tuple] = []
    env = simpy.Environment()

    done = {"producer": False}

    def producer():
        for i, t in enumerate(send_times):
            yield env.timeout(float(t) - env.now)
            queue.send(json.dumps({"order_id": f"order-{i:04d}", "n": i}), env.now)
        done["producer"] = True

    def consumer(name: str):
        while True:
            res = queue.receive(env.now, max_messages=1, wait_time_s=0)
            if not res.messages:
                if done["producer"] and len(queue) == 0:
                    return  # everything sent has been deleted or moved: stop polling
                yield env.timeout(poll)
                continue
            msg = res.messages[0]
            body = json.loads(msg.body)
            started = env.now
            yield env.timeout(next(durations))
            if body["n"] in poison:
                rows.append((msg.message_id, body["order_id"], name, started, env.now,
                             msg.receive_count, "failed", False))
                continue
            applied = True
            outcome = "processed"
            if idempotent:
                if body["order_id"] in processed:
                    applied, outcome = False, "duplicate_skipped"
                else:
                    processed.add(body["order_id"])
            if next(crashes):
                rows.append((msg.message_id, body["order_id"], name, started, env.now,
                             msg.receive_count, "crashed_before_delete", applied))
                continue
            deleted = queue.delete(msg.receipt_handle, env.now)
            if not deleted and outcome == "processed":
                outcome = "processed_late"  # another consumer holds the message now
            rows.append((msg.message_id, body["order_id"], name, started, env.now,
                         msg.receive_count, outcome, applied))

    env.process(producer())
    for k in range(workers):
        env.process(consumer(f"consumer-{k + 1}"))
    env.run(until=float(send_times[-1]) + drain)
    frame = pd.DataFrame(rows, columns=DELIVERY_COLUMNS)
    frame = frame.sort_values(["received_s", "message_id"], kind="stable").reset_index(drop=True)
    return ConsumerRun(frame, n, queue.stats.to_dict(), len(dlq) if dlq is not None else 0,
                       idempotent)
