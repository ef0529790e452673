"""EventBridge Pipes: one source to one target, with a filter and an optional enrichment.

A :class:`Pipe` polls its source (an SQS queue, or one shard of a Kinesis stream), wraps each
message or record the way Pipes presents it (SQS: ``messageId``, ``body``, ``eventSource``;
Kinesis: ``partitionKey``, ``sequenceNumber``, ``data``, ``eventSource``; a JSON body or data is
parsed so patterns can look inside), keeps the events that match **any** of its filters (at most
5 patterns, the same event-pattern language as rules, checked by :func:`labkit.messaging.matches`),
passes the batch to the enrichment, and delivers the result to the target, in source order.
Events the filter drops are removed from the source, as Pipes does.

Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-source.html.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from labkit.core.validation import check_int
from labkit.messaging.patterns import validate_pattern
from labkit.messaging.patterns.matching import _matches_prepared, _split_dotted
from labkit.messaging.queue import FifoQueue, StandardQueue
from labkit.messaging.stream import Stream

__all__ = ["MAX_FILTERS", "Pipe", "PipeBatch"]

#: Filters a pipe's FilterCriteria may hold (AWS::Pipes::Pipe FilterCriteria, Filters: 0 to 5).
MAX_FILTERS = 5


@dataclass(frozen=True)
class PipeBatch:
    """One poll of the pipe: how many events it read, dropped by the filter and delivered."""

    received: int
    filtered_out: int
    delivered: int


def _parsed(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class Pipe:
    """A pipe from ``source`` to ``target`` (see the module docstring).

    Parameters
    ----------
    source : StandardQueue | FifoQueue | tuple[Stream, int]
        A queue, or a stream and the shard the pipe reads.
    target : StandardQueue | callable
        A queue (each event sent as JSON) or ``target(events, now)``.
    filters : sequence of patterns
        0 to 5 event patterns; an event passes when it matches any (no filter: all pass).
    enrichment : callable, optional
        ``enrichment(events) -> events``, called once per batch of events that passed.
    batch_size : int
        Messages or records read per poll (1 to 10 for SQS, 1 to 10,000 for Kinesis).

    Examples
    --------
    >>> q = StandardQueue("payments", servers=1)  # one server: a short poll sees every message
    >>> for status in ("SETTLED", "PENDING", "SETTLED"):
    ...     _ = q.send(json.dumps({"status": status}), now=0.0)
    >>> got = []
    >>> pipe = Pipe(q, lambda events, now: got.extend(events),
    ...             filters=[{"body": {"status": ["SETTLED"]}}],
    ...             enrichment=lambda events: [{**e["body"], "tier": "gold"} for e in events])
    >>> pipe.poll(now=1.0), got, len(q)
    (PipeBatch(received=3, filtered_out=1, delivered=2), [{'status': 'SETTLED', 'tier': 'gold'}, \
{'status': 'SETTLED', 'tier': 'gold'}], 0)
    """

    def __init__(self, source: Any, target: Any, *, filters: Sequence[Any] = (),
                 enrichment: Callable[[list], list] | None = None, batch_size: int = 10) -> None:
        if isinstance(source, (StandardQueue, FifoQueue)):
            check_int("batch_size", batch_size, minimum=1, maximum=10)
        elif (isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], Stream)):
            check_int("batch_size", batch_size, minimum=1, maximum=10_000)
            check_int("source shard", source[1], minimum=0, maximum=source[0].shard_count - 1)
        else:
            raise TypeError("source must be a StandardQueue, a FifoQueue or (Stream, shard_id)")
        if not (isinstance(target, StandardQueue) or callable(target)):
            raise TypeError("target must be a StandardQueue or a callable (events, now)")
        if isinstance(filters, (str, dict)) or len(filters) > MAX_FILTERS:
            raise ValueError(f"filters must be a list of at most {MAX_FILTERS} event patterns")
        if enrichment is not None and not callable(enrichment):
            raise TypeError("enrichment must be a callable (events) -> events")
        self.source = source
        self.target = target
        self.filters = [_split_dotted(validate_pattern(f)) for f in filters]
        self.enrichment = enrichment
        self.batch_size = batch_size
        self.position = 0

    def _keep(self, event: dict) -> bool:
        return not self.filters or any(_matches_prepared(f, event) for f in self.filters)

    def _read(self, now: float) -> list[tuple[dict, Any]]:
        """The batch as Pipes presents it, each with how to remove it from the source."""
        if isinstance(self.source, tuple):
            stream, shard = self.source
            result = stream.get_records(shard, self.position, now, limit=self.batch_size)
            self.position = result.next_position
            return [({"eventSource": "aws:kinesis", "partitionKey": r.partition_key,
                      "sequenceNumber": str(r.sequence_number), "data": _parsed(r.data)}, None)
                    for r in result.records]
        received = self.source.receive(now, max_messages=self.batch_size, wait_time_s=0)
        return [({"eventSource": "aws:sqs", "messageId": m.message_id, "body": _parsed(m.body)},
                 m.receipt_handle) for m in received.messages]

    def poll(self, now: float) -> PipeBatch:
        """Read one batch, filter, enrich and deliver it; remove what was read from a queue."""
        batch = self._read(now)
        kept = [event for event, _ in batch if self._keep(event)]
        events = list(self.enrichment(kept)) if self.enrichment and kept else kept
        if events:
            if isinstance(self.target, StandardQueue):
                for event in events:
                    self.target.send(json.dumps(event), now)
            else:
                self.target(events, now)
        for _, receipt in batch:
            if receipt is not None:
                self.source.delete(receipt, now)
        return PipeBatch(len(batch), len(batch) - len(kept), len(events))
