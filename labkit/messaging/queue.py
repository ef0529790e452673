"""SQS-style queues: :class:`StandardQueue` and :class:`FifoQueue`, clock-injected.

Every call takes ``now`` (seconds) so the same queue works inside a SimPy model (``env.now``) and in
a plain loop. Semantics follow the SQS Developer Guide
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/: the pages
sqs-visibility-timeout, sqs-dead-letter-queues and FIFO-queues-understanding-logic):

* A received message stays in the queue, *in flight*, until it is deleted; if the visibility
  timeout (default 30 s) passes first it becomes visible again. Every receive increments its
  receive count.
* With a dead-letter queue and ``max_receive_count = N`` a consumer sees a message N times; the
  receive that would have returned it an (N+1)-th time moves it to the DLQ instead. A standard
  DLQ keeps the original enqueue time, so retention counts from the first send; a FIFO DLQ
  resets it, so retention restarts in the DLQ.
* A message (body plus attribute names and values, UTF-8 bytes) may not exceed the queue's
  ``maximum_message_size`` (``MaximumMessageSize``: 1,024 bytes to 1 MiB, default 256 KiB).
* A FIFO receipt handle expires with the visibility timeout: a delete with it fails. A standard
  queue accepts a delete with the last handle it issued.
* Standard queues are at-least-once: with ``duplicate_probability`` a delete reaches only some
  copies, and the message comes back after its visibility timeout. Short polls sample a subset of
  the queue's servers and may come back empty although messages wait ("false empty").
* FIFO queues deliver each message group in order, never hand out a later message of a group while
  an earlier one is in flight, and deduplicate sends for 5 minutes by deduplication ID (or by the
  SHA-256 of the body with content-based deduplication), remembering IDs after deletion.

Conservation, which the tests check with hypothesis: for a queue and its DLQ,
``sent = deleted + in flight + visible (+ delayed) + in DLQ + expired``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from labkit.core.rng import make_rng
from labkit.core.validation import (
    check_finite,
    check_int,
    check_limit,
    check_nonnegative,
    check_probability,
)

__all__ = [
    "FifoQueue",
    "QueueStats",
    "ReceiveResult",
    "ReceivedMessage",
    "SendResult",
    "StandardQueue",
]

MAX_VISIBILITY_TIMEOUT_S = 12 * 3600.0
MAX_DELAY_S = 15 * 60.0
MAX_WAIT_TIME_S = 20.0
MIN_RETENTION_S = 60.0
MAX_RETENTION_S = 14 * 24 * 3600.0
DEFAULT_RETENTION_S = 4 * 24 * 3600.0
DEDUPLICATION_WINDOW_S = 300.0
#: ``MaximumMessageSize`` range and default, bytes (SQS API Reference, CreateQueue / SendMessage:
#: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
MIN_MESSAGE_SIZE_LIMIT = 1024
MAX_MESSAGE_SIZE_LIMIT = 1024 * 1024
DEFAULT_MESSAGE_SIZE_LIMIT = 256 * 1024


def message_size(body: str, attributes: dict | None = None) -> int:
    """Bytes SQS counts toward the size limit: the UTF-8 body plus attribute names and values.

    >>> message_size("héllo", {"kind": "greeting"})
    18
    """
    size = len(body) if body.isascii() else len(body.encode("utf-8"))
    for name, value in (attributes or {}).items():
        size += len(str(name).encode("utf-8")) + len(str(value).encode("utf-8"))
    return size


@dataclass
class _Message:
    message_id: str
    sequence: int
    body: str
    attributes: dict
    sent_at: float
    visible_at: float
    group_id: str | None = None
    dedup_id: str | None = None
    receive_count: int = 0
    receipt_handle: str | None = None
    first_received_at: float | None = None
    server: int = 0


@dataclass(frozen=True)
class ReceivedMessage:
    """A message as a consumer sees it after ``receive``."""

    message_id: str
    body: str
    attributes: dict
    receipt_handle: str
    receive_count: int
    sent_at: float
    group_id: str | None = None


@dataclass(frozen=True)
class ReceiveResult:
    """The messages one receive returned and the time the call returned (long polls may wait)."""

    messages: tuple[ReceivedMessage, ...]
    returned_at: float

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self):
        return iter(self.messages)


@dataclass(frozen=True)
class SendResult:
    """``enqueued`` is False when a FIFO send was deduplicated (acknowledged, not stored)."""

    message_id: str
    enqueued: bool


@dataclass
class QueueStats:
    """Counters for the conservation law: sent = deleted + in queue + moved + expired."""

    sent: int = 0
    deduplicated: int = 0
    received: int = 0
    deleted: int = 0
    lost_deletes: int = 0
    moved_to_dlq: int = 0
    expired: int = 0
    redriven_in: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class _Queue:
    fifo = False

    def __init__(self, name: str, *, visibility_timeout_s: float = 30.0,
                 retention_s: float = DEFAULT_RETENTION_S, delay_s: float = 0.0,
                 receive_wait_s: float = 0.0, dead_letter_queue: _Queue | None = None,
                 max_receive_count: int | None = None,
                 maximum_message_size: int = DEFAULT_MESSAGE_SIZE_LIMIT):
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}")
        if not name:
            raise ValueError("name must be a non-empty string")
        self.name = name
        self.maximum_message_size = check_int(
            "maximum_message_size", maximum_message_size, minimum=MIN_MESSAGE_SIZE_LIMIT,
            maximum=MAX_MESSAGE_SIZE_LIMIT)
        self.visibility_timeout_s = _check_visibility("visibility_timeout_s", visibility_timeout_s)
        self.retention_s = check_nonnegative("retention_s", retention_s)
        if not MIN_RETENTION_S <= self.retention_s <= MAX_RETENTION_S:
            raise ValueError(f"retention_s must be in [{MIN_RETENTION_S:g}, {MAX_RETENTION_S:g}]"
                             f" (60 s to 14 days), got {retention_s!r}")
        self.delay_s = check_nonnegative("delay_s", delay_s)
        if self.delay_s > MAX_DELAY_S:
            raise ValueError(f"delay_s must be in [0, 900] (15 minutes), got {delay_s!r}")
        self.receive_wait_s = _check_wait("receive_wait_s", receive_wait_s)
        if (dead_letter_queue is None) != (max_receive_count is None):
            raise ValueError("dead_letter_queue and max_receive_count go together (a redrive "
                             "policy needs both)")
        if dead_letter_queue is not None:
            if not isinstance(dead_letter_queue, _Queue):
                raise TypeError("dead_letter_queue must be a StandardQueue or FifoQueue")
            if dead_letter_queue.fifo != self.fifo:
                raise ValueError("the dead-letter queue must be the same type as the queue "
                                 "(FIFO with FIFO, standard with standard)")
            if dead_letter_queue is self:
                raise ValueError("a queue cannot be its own dead-letter queue")
            max_receive_count = check_int("max_receive_count", max_receive_count,
                                          minimum=1, maximum=1000)
        self.dead_letter_queue = dead_letter_queue
        self.max_receive_count = max_receive_count
        self.stats = QueueStats()
        self._messages: dict[str, _Message] = {}
        self._by_receipt: dict[str, str] = {}
        self._next = 0
        self._last_now: float | None = None

    # -- helpers ---------------------------------------------------------------------------
    def _clock(self, now: float) -> float:
        t = check_finite("now", now)
        if self._last_now is not None and t < self._last_now:
            raise ValueError(f"now must not go backwards: got {t!r} after {self._last_now!r}")
        self._last_now = t
        return t

    def _new_id(self) -> tuple[str, int]:
        self._next += 1
        return f"{self.name}-{self._next:06d}", self._next

    def _expire(self, now: float) -> None:
        for mid in [m.message_id for m in self._messages.values()
                    if now - m.sent_at >= self.retention_s]:
            self._drop(mid)
            self.stats.expired += 1

    def _drop(self, message_id: str) -> _Message:
        msg = self._messages.pop(message_id)
        if msg.receipt_handle is not None:
            self._by_receipt.pop(msg.receipt_handle, None)
        return msg

    def _accept_moved(self, msg: _Message, now: float) -> None:
        """Take a message moved from a source queue: a standard DLQ keeps its original enqueue
        time, a FIFO DLQ resets it to the move (so retention restarts)."""
        message_id, seq = self._new_id()
        sent_at = now if self.fifo else msg.sent_at
        moved = _Message(message_id=message_id, sequence=seq, body=msg.body,
                         attributes=dict(msg.attributes), sent_at=sent_at, visible_at=now,
                         group_id=msg.group_id, dedup_id=msg.message_id, server=msg.server)
        self._messages[message_id] = moved
        self.stats.redriven_in += 1

    def _deliver(self, msg: _Message, now: float, visibility_timeout_s: float) -> ReceivedMessage:
        msg.receive_count += 1
        if msg.first_received_at is None:
            msg.first_received_at = now
        msg.visible_at = now + visibility_timeout_s
        if msg.receipt_handle is not None:
            self._by_receipt.pop(msg.receipt_handle, None)
        msg.receipt_handle = f"{msg.message_id}#{msg.receive_count}"
        self._by_receipt[msg.receipt_handle] = msg.message_id
        self.stats.received += 1
        return ReceivedMessage(msg.message_id, msg.body, dict(msg.attributes), msg.receipt_handle,
                               msg.receive_count, msg.sent_at, msg.group_id)

    def _should_move(self, msg: _Message) -> bool:
        return (self.dead_letter_queue is not None
                and msg.receive_count >= (self.max_receive_count or 0))

    def _move(self, msg: _Message, now: float) -> None:
        self._drop(msg.message_id)
        self.stats.moved_to_dlq += 1
        assert self.dead_letter_queue is not None
        self.dead_letter_queue._accept_moved(msg, now)

    def _receive_args(self, now, max_messages, visibility_timeout_s, wait_time_s):
        t = self._clock(now)
        n = check_int("max_messages", max_messages, minimum=1, maximum=10)
        vt = self.visibility_timeout_s if visibility_timeout_s is None else _check_visibility(
            "visibility_timeout_s", visibility_timeout_s)
        wait = self.receive_wait_s if wait_time_s is None else _check_wait("wait_time_s",
                                                                          wait_time_s)
        self._expire(t)
        return t, n, vt, wait

    def _long_poll(self, t: float, n: int, vt: float, wait: float, take) -> ReceiveResult:
        """Wait up to ``wait`` seconds after ``t`` for a message to become visible.

        Each moment a message becomes visible within the wait is tried in turn: a message moved
        to the dead-letter queue at that moment does not end the poll, which keeps waiting for
        the next one. The poll returns at that moment (or empty at ``t + wait``); the queue's
        clock stays at ``t``, so calls made by others during the wait (a send at ``t + 1``)
        remain valid.
        """
        for at in sorted({m.visible_at for m in self._messages.values()
                          if t < m.visible_at <= t + wait}):
            self._expire(at)
            got = take(at)
            if got:
                return ReceiveResult(got, at)
        return ReceiveResult((), t + wait)

    # -- public API --------------------------------------------------------------------------
    def delete(self, receipt_handle: str, now: float) -> bool:
        """Delete the message received with ``receipt_handle``; False if the handle is stale
        (a later receive replaced it) or, on a FIFO queue, expired (its visibility timeout
        passed)."""
        t = self._clock(now)
        if not isinstance(receipt_handle, str):
            raise TypeError(f"receipt_handle must be a string, got {type(receipt_handle).__name__}")
        mid = self._by_receipt.get(receipt_handle)
        if mid is None:
            return False
        if self.fifo and self._messages[mid].visible_at <= t:
            return False  # the receipt handle has expired
        if self._lose_delete():
            self.stats.lost_deletes += 1
            return True  # the caller sees success; another copy survives
        self._drop(mid)
        self.stats.deleted += 1
        return True

    def _lose_delete(self) -> bool:
        return False

    def change_visibility(self, receipt_handle: str, visibility_timeout_s: float,
                          now: float) -> None:
        """Restart the visibility clock of one received message from ``now`` (0 = visible now).

        The 12-hour ceiling counts from the first receive and is not reset by extensions.
        """
        t = self._clock(now)
        vt = _check_visibility("visibility_timeout_s", visibility_timeout_s)
        mid = self._by_receipt.get(receipt_handle)
        if mid is None:
            raise ValueError(f"receipt_handle {receipt_handle!r} is not current for any message")
        msg = self._messages[mid]
        if msg.visible_at <= t:
            raise ValueError(f"message {mid} is no longer in flight (its visibility timeout "
                             "expired)")
        assert msg.first_received_at is not None
        if t + vt - msg.first_received_at > MAX_VISIBILITY_TIMEOUT_S:
            raise ValueError("visibility_timeout_s would keep the message in flight more than "
                             "12 hours after its first receive")
        msg.visible_at = t + vt

    def counts(self, now: float) -> dict[str, int]:
        """Messages ``visible``, ``in_flight`` and ``delayed`` at ``now`` (after expiry)."""
        t = self._clock(now)
        self._expire(t)
        visible = in_flight = delayed = 0
        for m in self._messages.values():
            if m.visible_at <= t:
                visible += 1
            elif m.receive_count > 0:
                in_flight += 1
            else:
                delayed += 1
        return {"visible": visible, "in_flight": in_flight, "delayed": delayed}

    def __len__(self) -> int:
        return len(self._messages)

    def _check_message(self, body: object, attributes: object) -> None:
        if not isinstance(body, str):
            raise TypeError(f"body must be a string (SQS bodies are text), got "
                            f"{type(body).__name__}")
        if not body:
            raise ValueError("body must have at least one character")
        if attributes is not None and not isinstance(attributes, dict):
            raise TypeError(f"attributes must be a dict or None, got {type(attributes).__name__}")
        size = message_size(body, attributes)
        if size > self.maximum_message_size:
            raise ValueError(f"message size (body + attributes) must be <= "
                             f"{self.maximum_message_size:,} bytes, this queue's "
                             f"maximum_message_size; got {size:,} bytes")

    def _store(self, body: str, attributes: dict | None, now: float, delay_s: float | None,
               group_id: str | None = None, dedup_id: str | None = None,
               server: int = 0) -> SendResult:
        if not isinstance(body, str):
            raise TypeError(f"body must be a string (SQS bodies are text), got "
                            f"{type(body).__name__}")
        delay = self.delay_s if delay_s is None else check_nonnegative("delay_s", delay_s)
        if delay > MAX_DELAY_S:
            raise ValueError(f"delay_s must be in [0, 900] (15 minutes), got {delay_s!r}")
        message_id, seq = self._new_id()
        self._messages[message_id] = _Message(message_id, seq, body, dict(attributes or {}), now,
                                              now + delay, group_id, dedup_id, server=server)
        self.stats.sent += 1
        return SendResult(message_id, True)


class StandardQueue(_Queue):
    """An SQS standard queue: at-least-once, best-effort order.

    Parameters
    ----------
    name : str
        Queue name; message IDs are ``<name>-000001`` and so on.
    visibility_timeout_s : float
        Default 30 s; 0 to 43,200 (12 h).
    retention_s : float
        Default 4 days; 60 s to 14 days, counted from the original send.
    delay_s : float
        Delivery delay, 0 to 900 s.
    receive_wait_s : float
        Default long-poll wait (0 = short polling), 0 to 20 s.
    dead_letter_queue, max_receive_count
        Redrive policy: after ``max_receive_count`` receives (1..1000) the next receive moves the
        message to ``dead_letter_queue``.
    duplicate_probability : float
        Chance that a delete reaches only some copies, so the message is delivered again.
    servers : int
        Servers the messages are spread over; a short poll samples about half of them.
    seed : int
        Seed for the duplicate and short-poll draws.

    Examples
    --------
    >>> q = StandardQueue("orders", visibility_timeout_s=10)
    >>> _ = q.send("order-1", now=0.0)
    >>> first = q.receive(now=1.0, wait_time_s=1).messages[0]
    >>> (first.body, first.receive_count, len(q.receive(now=2.0, wait_time_s=1)))
    ('order-1', 1, 0)
    >>> q.receive(now=11.0, wait_time_s=1).messages[0].receive_count  # timeout passed: again
    2
    """

    def __init__(self, name: str, *, visibility_timeout_s: float = 30.0,
                 retention_s: float = DEFAULT_RETENTION_S, delay_s: float = 0.0,
                 receive_wait_s: float = 0.0, dead_letter_queue: StandardQueue | None = None,
                 max_receive_count: int | None = None, duplicate_probability: float = 0.0,
                 servers: int = 4, seed: int | np.random.Generator = 0,
                 maximum_message_size: int = DEFAULT_MESSAGE_SIZE_LIMIT):
        super().__init__(name, visibility_timeout_s=visibility_timeout_s, retention_s=retention_s,
                         delay_s=delay_s, receive_wait_s=receive_wait_s,
                         dead_letter_queue=dead_letter_queue, max_receive_count=max_receive_count,
                         maximum_message_size=maximum_message_size)
        self.duplicate_probability = check_probability("duplicate_probability",
                                                       duplicate_probability)
        self.servers = check_limit("servers", servers, 1_000, minimum=1)
        self._rng = make_rng(seed)

    def _lose_delete(self) -> bool:
        return self.duplicate_probability > 0 and bool(
            self._rng.random() < self.duplicate_probability)

    def send(self, body: str, now: float, *, attributes: dict | None = None,
             delay_s: float | None = None) -> SendResult:
        """Store a message; it becomes visible after the delivery delay."""
        t = self._clock(now)
        self._check_message(body, attributes)
        return self._store(body, attributes, t, delay_s, server=(self._next % self.servers))

    def receive(self, now: float, *, max_messages: int = 1,
                visibility_timeout_s: float | None = None,
                wait_time_s: float | None = None) -> ReceiveResult:
        """Receive up to ``max_messages`` (1..10) visible messages.

        ``wait_time_s`` = 0 is a short poll (samples about half the servers, may return nothing
        although messages wait); 1..20 is a long poll over all servers that returns at ``now`` if
        a message is visible, else at the first moment one becomes visible within the wait, else
        empty at ``now + wait_time_s``. Messages already received ``max_receive_count`` times are
        moved to the dead-letter queue instead of being returned.
        """
        t, n, vt, wait = self._receive_args(now, max_messages, visibility_timeout_s, wait_time_s)
        if wait == 0:
            sampled = None  # one server: a short poll sees everything
            if self.servers > 1:
                k = max(1, self.servers // 2)
                sampled = set(self._rng.choice(self.servers, size=k, replace=False).tolist())
            return ReceiveResult(self._take(t, n, vt, sampled), t)
        got = self._take(t, n, vt, None)
        if got:
            return ReceiveResult(got, t)
        return self._long_poll(t, n, vt, wait, lambda at: self._take(at, n, vt, None))

    def _take(self, t: float, n: int, vt: float, servers: set | None):
        out: list[ReceivedMessage] = []
        for msg in sorted(self._messages.values(), key=lambda m: m.sequence):
            if len(out) >= n:
                break
            if msg.visible_at > t or (servers is not None and msg.server not in servers):
                continue
            if self._should_move(msg):
                self._move(msg, t)
                continue
            out.append(self._deliver(msg, t, vt))
        return tuple(out)


class FifoQueue(_Queue):
    """An SQS FIFO queue: ordered message groups and 5-minute deduplication.

    Parameters are those of :class:`StandardQueue` (no duplicates, no short-poll sampling) plus
    ``content_based_deduplication`` (deduplication ID = SHA-256 of the body when none is given).

    Examples
    --------
    >>> q = FifoQueue("payments.fifo", content_based_deduplication=True)
    >>> first = q.send("pay 1", now=0, group_id="alice")
    >>> again = q.send("pay 1", now=60, group_id="alice")  # a retried send, inside 5 minutes
    >>> (first.enqueued, again.enqueued, again.message_id == first.message_id)
    (True, False, True)
    >>> _ = q.send("pay 2", now=61, group_id="alice")
    >>> [m.body for m in q.receive(now=62, max_messages=10)]
    ['pay 1', 'pay 2']
    """

    fifo = True

    def __init__(self, name: str, *, visibility_timeout_s: float = 30.0,
                 retention_s: float = DEFAULT_RETENTION_S, delay_s: float = 0.0,
                 receive_wait_s: float = 0.0, dead_letter_queue: FifoQueue | None = None,
                 max_receive_count: int | None = None, content_based_deduplication: bool = False,
                 deduplication_window_s: float = DEDUPLICATION_WINDOW_S,
                 maximum_message_size: int = DEFAULT_MESSAGE_SIZE_LIMIT):
        if not isinstance(name, str):
            raise TypeError(f"name must be a string ending in '.fifo', got {type(name).__name__}")
        if not name.endswith(".fifo"):
            raise ValueError(f"a FIFO queue name must end in '.fifo', got {name!r}")
        super().__init__(name, visibility_timeout_s=visibility_timeout_s, retention_s=retention_s,
                         delay_s=delay_s, receive_wait_s=receive_wait_s,
                         dead_letter_queue=dead_letter_queue, max_receive_count=max_receive_count,
                         maximum_message_size=maximum_message_size)
        if not isinstance(content_based_deduplication, bool):
            raise TypeError("content_based_deduplication must be True or False")
        self.content_based_deduplication = content_based_deduplication
        self.deduplication_window_s = check_nonnegative("deduplication_window_s",
                                                        deduplication_window_s)
        self._dedup: dict[str, tuple[float, str]] = {}

    def send(self, body: str, now: float, *, group_id: str, dedup_id: str | None = None,
             attributes: dict | None = None) -> SendResult:
        """Store a message in ``group_id`` unless its deduplication ID was seen in the window."""
        t = self._clock(now)
        self._check_message(body, attributes)
        if not isinstance(group_id, str) or not group_id:
            raise ValueError("group_id (MessageGroupId) is required for a FIFO queue")
        if dedup_id is None:
            if not self.content_based_deduplication:
                raise ValueError("dedup_id is required: the queue does not have content-based "
                                 "deduplication enabled")
            if not isinstance(body, str):
                raise TypeError("body must be a string")
            dedup_id = hashlib.sha256(body.encode("utf-8")).hexdigest()
        seen = self._dedup.get(dedup_id)
        if seen is not None and t - seen[0] < self.deduplication_window_s:
            self.stats.deduplicated += 1
            return SendResult(seen[1], False)
        result = self._store(body, attributes, t, None, group_id, dedup_id)
        self._dedup[dedup_id] = (t, result.message_id)
        return result

    def receive(self, now: float, *, max_messages: int = 1,
                visibility_timeout_s: float | None = None,
                wait_time_s: float | None = None) -> ReceiveResult:
        """Receive up to ``max_messages``, in group order, filling from one group first.

        A group with a message in flight returns nothing until that message is deleted, becomes
        visible again, or is moved to the dead-letter queue.
        """
        t, n, vt, wait = self._receive_args(now, max_messages, visibility_timeout_s, wait_time_s)
        got = self._take(t, n, vt)
        if got or wait == 0:
            return ReceiveResult(got, t)
        return self._long_poll(t, n, vt, wait, lambda at: self._take(at, n, vt))

    def _take(self, t: float, n: int, vt: float) -> tuple[ReceivedMessage, ...]:
        groups: dict[str, list[_Message]] = {}
        for msg in sorted(self._messages.values(), key=lambda m: m.sequence):
            groups.setdefault(msg.group_id or "", []).append(msg)
        out: list[ReceivedMessage] = []
        for members in groups.values():
            if any(m.receive_count > 0 and m.visible_at > t for m in members):
                continue  # a message of this group is in flight
            for msg in members:
                if len(out) >= n:
                    return tuple(out)
                if msg.visible_at > t:
                    break  # keep the group's order
                if self._should_move(msg):
                    self._move(msg, t)
                    continue
                out.append(self._deliver(msg, t, vt))
        return tuple(out)

    def remembers(self, dedup_id: str, now: float) -> bool:
        """True if a send with ``dedup_id`` at ``now`` would be deduplicated."""
        seen = self._dedup.get(dedup_id)
        return seen is not None and now - seen[0] < self.deduplication_window_s


def _check_visibility(name: str, value: float) -> float:
    x = check_nonnegative(name, value)
    if x > MAX_VISIBILITY_TIMEOUT_S:
        raise ValueError(f"{name} must be in [0, 43200] seconds (12 hours), got {value!r}")
    return x


def _check_wait(name: str, value: float) -> float:
    x = check_nonnegative(name, value)
    if x > MAX_WAIT_TIME_S:
        raise ValueError(f"{name} must be in [0, 20] seconds, got {value!r}")
    return x

