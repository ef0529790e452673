"""The order saga by events between services (choreography), on a small in-process bus.

- :class:`EventBus`: publish/subscribe with simulated time: each delivery takes ``hop_s``; a
  handler that raises is redelivered with exponential backoff and full jitter, up to
  ``max_attempts`` (185) or ``max_age_s`` (24 h), the default retry policy of an EventBridge
  rule target (Classic bus; a Custom Event Bus subscriber defaults to far less), then
  dead-lettered; :meth:`EventBus.redrive` sends dead letters again after a fix.
- :class:`ChoreographedSaga`: the same four services as the orchestrated saga, wired by events.
  Forward: OrderPlaced → InventoryReserved → PaymentCharged → OrderFulfilled → OrderCompleted.
  A service whose step fails for a business reason undoes its own step and announces it
  (InventoryRejected, PaymentDeclined, FulfilmentFailed, CompletionFailed); the services before
  it react by compensating in turn (FulfilmentCancelled → PaymentRefunded → InventoryReleased →
  OrderCancelled). Nobody holds the whole picture: each service only knows its neighbours'
  events.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from labkit.core.rng import make_rng
from labkit.core.validation import check_int, check_nonnegative, check_positive
from labkit.workflows.errors import TaskFailed
from labkit.workflows.faults import FaultPlan, ScriptedFaults
from labkit.workflows.saga import SagaRun, perform_step
from labkit.workflows.services import Order, Shop

__all__ = ["BusRecord", "ChoreographedSaga", "EventBus", "SUBSCRIPTIONS", "dependencies",
           "producers"]

Handler = Callable[[dict[str, Any], float], tuple[float, list[tuple[str, dict[str, Any]]]]]


class BusRecord(NamedTuple):
    """One line of the bus log."""

    time_s: float
    kind: str             # published, delivered, failed, dead_lettered
    event_type: str
    consumer: str | None
    order_id: str | None
    attempt: int | None
    error: str | None


class EventBus:
    """A publish/subscribe bus with simulated time, retries and a dead-letter queue.

    A handler gets ``(detail, now)`` and returns ``(duration_s, [(event_type, detail), ...])``;
    the events it returns are published when it finishes. If it raises
    :class:`~labkit.workflows.errors.TaskFailed`, the delivery is retried.

    >>> bus = EventBus(seed=0, hop_s=0.1)
    >>> bus.subscribe("Ping", "pong-service", lambda d, now: (0.5, [("Pong", d)]))
    >>> bus.publish("Ping", {"order_id": "o1"}, 0.0, source="test")
    >>> bus.run()
    >>> [(round(r.time_s, 2), r.kind, r.event_type) for r in bus.log]
    [(0.0, 'published', 'Ping'), (0.1, 'delivered', 'Ping'), (0.6, 'published', 'Pong')]
    """

    def __init__(self, *, seed: int | np.random.Generator = 0, hop_s: float = 0.05,
                 max_attempts: int = 185, max_age_s: float = 86_400.0,
                 base_delay_s: float = 1.0, max_delay_s: float = 60.0) -> None:
        self.rng = make_rng(seed)
        self.hop_s = check_nonnegative("hop_s", hop_s)
        # EventBridge retry policy: MaximumRetryAttempts 0-185 (so at most 186 attempts) and
        # MaximumEventAgeInSeconds 60-86,400 (EventBridge User Guide, eb-rule-retry-policy).
        self.max_attempts = check_int("max_attempts", max_attempts, minimum=1, maximum=186)
        self.max_age_s = check_positive("max_age_s", max_age_s)
        if self.max_age_s > 86_400.0:
            raise ValueError(f"max_age_s must be in (0, 86400] (24 hours, EventBridge's "
                             f"longest retry window); got {max_age_s!r}")
        self.base_delay_s = check_positive("base_delay_s", base_delay_s)
        self.max_delay_s = check_positive("max_delay_s", max_delay_s)
        self.subscribers: dict[str, list[tuple[str, Handler]]] = {}
        self.sources: dict[str, set[str]] = {}
        self.queue: list[tuple[float, int, str, dict[str, Any], str, Handler, int, float]] = []
        self.dead_letters: list[tuple[str, dict[str, Any], str, Handler]] = []
        self.log: list[BusRecord] = []
        self.now = 0.0
        self._seq = 0

    def subscribe(self, event_type: str, consumer: str, handler: Handler) -> None:
        self.subscribers.setdefault(event_type, []).append((consumer, handler))

    def publish(self, event_type: str, detail: dict[str, Any], now: float, *,
                source: str) -> None:
        self.sources.setdefault(event_type, set()).add(source)
        self.log.append(BusRecord(now, "published", event_type, None, detail.get("order_id"),
                                  None, None))
        for consumer, handler in self.subscribers.get(event_type, []):
            self._schedule(now + self.hop_s, event_type, detail, consumer, handler, 1, now)

    def _schedule(self, at: float, event_type: str, detail: dict[str, Any], consumer: str,
                  handler: Handler, attempt: int, first: float) -> None:
        self._seq += 1
        heapq.heappush(self.queue, (at, self._seq, event_type, detail, consumer, handler,
                                    attempt, first))

    def run(self) -> None:
        """Deliver until nothing is left in flight."""
        while self.queue:
            at, _, event_type, detail, consumer, handler, attempt, first = \
                heapq.heappop(self.queue)
            self.now = max(self.now, at)
            oid = detail.get("order_id")
            try:
                duration, emitted = handler(detail, self.now)
            except TaskFailed as exc:
                self.log.append(BusRecord(self.now, "failed", event_type, consumer, oid,
                                          attempt, exc.error))
                cap = min(self.base_delay_s * 2.0 ** (attempt - 1), self.max_delay_s)
                retry_at = self.now + exc.duration_s + float(self.rng.uniform(0.0, cap))
                if attempt >= self.max_attempts or retry_at - first > self.max_age_s:
                    self.log.append(BusRecord(self.now, "dead_lettered", event_type, consumer,
                                              oid, attempt, exc.error))
                    self.dead_letters.append((event_type, detail, consumer, handler))
                else:
                    self._schedule(retry_at, event_type, detail, consumer, handler,
                                   attempt + 1, first)
                continue
            self.log.append(BusRecord(self.now, "delivered", event_type, consumer, oid,
                                      attempt, None))
            for new_type, new_detail in emitted:
                self.publish(new_type, new_detail, self.now + duration, source=consumer)

    def redrive(self, now: float | None = None) -> int:
        """Send every dead letter again (attempt counters restart); return how many."""
        now = self.now if now is None else now
        letters, self.dead_letters = self.dead_letters, []
        for event_type, detail, consumer, handler in letters:
            self._schedule(now, event_type, detail, consumer, handler, 1, now)
        return len(letters)


#: (consumer service, event it reacts to, saga step it runs, event on success, on failure)
SUBSCRIPTIONS = (
    ("inventory", "OrderPlaced", "reserve", "InventoryReserved", "InventoryRejected"),
    ("payments", "InventoryReserved", "charge", "PaymentCharged", "PaymentDeclined"),
    ("fulfilment", "PaymentCharged", "fulfil", "OrderFulfilled", "FulfilmentFailed"),
    ("orders", "OrderFulfilled", "complete", "OrderCompleted", "CompletionFailed"),
    ("fulfilment", "CompletionFailed", "cancel_shipment", "FulfilmentCancelled", None),
    ("payments", "FulfilmentFailed", "refund", "PaymentRefunded", None),
    ("payments", "FulfilmentCancelled", "refund", "PaymentRefunded", None),
    ("inventory", "PaymentDeclined", "release", "InventoryReleased", None),
    ("inventory", "PaymentRefunded", "release", "InventoryReleased", None),
    ("orders", "InventoryRejected", "cancel_order", "OrderCancelled", None),
    ("orders", "InventoryReleased", "cancel_order", "OrderCancelled", None),
)
#: A forward step's own clean-up when it fails for a business reason.
_OWN_COMPENSATION = {"reserve": "release", "charge": "refund", "fulfil": "cancel_shipment",
                     "complete": None}
_OK_STATUS = {"reserve": "held", "charge": "charged", "fulfil": "created",
              "complete": "COMPLETED"}


def producers() -> dict[str, str]:
    """Which service publishes each event type of the choreographed saga.

    >>> producers()["PaymentCharged"]
    'payments'
    """
    out = {"OrderPlaced": "orders"}
    for consumer, _, _, ok_event, fail_event in SUBSCRIPTIONS:
        out[ok_event] = consumer
        if fail_event:
            out[fail_event] = consumer
    return out


def dependencies() -> set[tuple[str, str]]:
    """``(service, service it listens to)`` pairs: who must know whose events.

    >>> ("inventory", "orders") in dependencies()
    True
    """
    made_by = producers()
    return {(consumer, made_by[event]) for consumer, event, *_ in SUBSCRIPTIONS}


class ChoreographedSaga:
    """Run orders through the saga by events; services share ``shop``'s ledgers.

    >>> shop = Shop.create()
    >>> saga = ChoreographedSaga(shop, FaultPlan({"fulfil": 1.0}, kinds={"permanent": 1}))
    >>> run = saga.run(Order("o1", "customer-0", "sku-0", 1, 25))
    >>> run.outcome, run.failed_step, run.error, shop.violations()
    ('compensated', 'fulfil', 'AddressInvalid', [])
    """

    def __init__(self, shop: Shop, faults: FaultPlan | ScriptedFaults | None = None, *,
                 seed: int | np.random.Generator = 0, service_s: float = 0.05,
                 hop_s: float = 0.02, timeout_s: float = 3.0, max_attempts: int = 185) -> None:
        self.shop = shop
        self.faults = faults if faults is not None else FaultPlan()
        self.rng = make_rng(seed)
        self.service_s = check_nonnegative("service_s", service_s)
        self.timeout_s = check_positive("timeout_s", timeout_s)
        self.bus = EventBus(seed=self.rng, hop_s=hop_s, max_attempts=max_attempts)
        self.calls = 0
        self.failure: dict[str, tuple[str, str]] = {}
        for consumer, event_type, step, ok_event, fail_event in SUBSCRIPTIONS:
            self.bus.subscribe(event_type, consumer,
                               self._handler(step, ok_event, fail_event, consumer))

    def _took(self) -> float:
        return float(self.rng.exponential(self.service_s)) if self.service_s else 0.0

    def _call(self, step: str, order: dict[str, Any]) -> str:
        self.calls += 1
        took = self._took()
        try:
            status, timed_out = perform_step(self.shop, step, order,
                                             self.faults.draw(step, self.rng))
        except TaskFailed as exc:
            exc.duration_s = took
            raise
        if timed_out:  # the work happened but the consumer did not acknowledge in time
            raise TaskFailed("States.Timeout", f"{step}: no acknowledgement",
                             duration_s=self.timeout_s)
        return status

    def _handler(self, step: str, ok_event: str, fail_event: str | None, consumer: str):
        def handle(detail: dict[str, Any], now: float):
            order = detail["order"]
            oid = detail["order_id"]
            if fail_event is None:  # a compensation: retried by the bus until it succeeds
                self._call(step, order)
                return self._took(), [(ok_event, detail)]
            try:
                status = self._call(step, order)
                error = None if status == _OK_STATUS[step] else f"{step} already undone"
            except TaskFailed as exc:
                if exc.error in ("ServiceUnavailable", "States.Timeout"):
                    raise
                error = exc.error
            if error is None:
                return self._took(), [(ok_event, detail)]
            self.failure.setdefault(oid, (step, error))
            own = _OWN_COMPENSATION[step]
            if own is not None:
                self._call(own, order)
            return self._took(), [(fail_event, dict(detail, error=error))]
        return handle

    def run(self, order: Order) -> SagaRun:
        """Place ``order``, publish OrderPlaced and deliver events until the saga settles."""
        self.shop.orders.place(order)
        self.bus.log = []
        self.bus.now = 0.0
        self.calls = 0
        detail = {"order_id": order.order_id, "order": order.to_dict()}
        self.bus.publish("OrderPlaced", detail, 0.0, source="orders")
        self.bus.run()
        outcome = self.shop.outcome(order.order_id)
        ends = [r.time_s for r in self.bus.log if r.kind == "published"
                and r.event_type in ("OrderCompleted", "OrderCancelled")]
        latency = ends[-1] if ends else self.bus.now
        messages = sum(1 for r in self.bus.log if r.kind == "published") + \
            sum(1 for r in self.bus.log if r.kind in ("delivered", "failed"))
        step, error = self.failure.get(order.order_id, (None, None))
        if outcome == "stuck":
            error = next((r.error for r in reversed(self.bus.log) if r.kind == "dead_lettered"),
                         error)
        consumers = {r.consumer for r in self.bus.log if r.consumer is not None}
        return SagaRun(order.order_id, "choreography", outcome, latency, messages, self.calls,
                       step, error, len(consumers))
