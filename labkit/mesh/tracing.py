"""Distributed tracing: spans with parent ids from one simulated request.

A mesh's sidecars (or an SDK such as AWS X-Ray / OpenTelemetry) record a **span** for every hop:
``trace_id`` shared by the whole request, its own ``span_id``, the ``parent_id`` of the span that
called it, a service, an operation and start/end times. :func:`simulate_trace` (configured by
:class:`TraceConfig`) builds the spans of
one checkout request (gateway → orders → inventory and payments in parallel → fraud check, with a
retried payment attempt) so the waterfall can be drawn and read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.rng import make_rng
from labkit.core.runner import Config, Result, legacy_config
from labkit.core.validation import check_int, check_nonnegative

__all__ = ["Span", "TraceConfig", "TraceResult", "Tracer", "simulate_trace"]


@dataclass(frozen=True)
class Span:
    """One hop of a trace (times in seconds from the start of the request)."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    start_s: float
    end_s: float
    status: str = "ok"

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class Tracer:
    """Hands out span ids for one trace and collects the finished spans.

    >>> tr = Tracer("t1")
    >>> root = tr.record(None, "gateway", "POST /checkout", 0.0, 0.2)
    >>> child = tr.record(root, "orders", "create", 0.01, 0.19)
    >>> child.parent_id == root.span_id, len(tr.spans)
    (True, 2)
    """

    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id
        self.spans: list[Span] = []

    def record(self, parent: Span | None, service: str, operation: str, start_s: float,
               end_s: float, status: str = "ok") -> Span:
        start = check_nonnegative("start_s", start_s)
        if end_s < start:
            raise ValueError(f"end_s must be >= start_s ({start}), got {end_s}")
        span = Span(self.trace_id, f"{len(self.spans) + 1:04x}",
                    None if parent is None else parent.span_id, service, operation, start,
                    float(end_s), status)
        self.spans.append(span)
        return span

    def to_frame(self) -> pd.DataFrame:
        """One row per span in waterfall order (each span followed by its children, by start
        time), with ``depth`` (0 for the root)."""
        children: dict[str | None, list[Span]] = {}
        for s in self.spans:
            children.setdefault(s.parent_id, []).append(s)
        rows: list[dict] = []

        def visit(parent: str | None, depth: int) -> None:
            for s in sorted(children.get(parent, []), key=lambda x: (x.start_s, x.span_id)):
                rows.append({**s.__dict__, "duration_s": s.duration_s, "depth": depth})
                visit(s.span_id, depth + 1)

        visit(None, 0)
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class TraceConfig(Config):
    """One checkout request; ``payment_retry`` makes the first payment attempt fail (HTTP 503)
    and the sidecar retry it; ``network_s`` is added per hop."""

    seed: int = 0
    payment_retry: bool = True
    network_s: float = 0.002

    def validate(self) -> None:
        check_int("seed", self.seed, minimum=0)
        if not isinstance(self.payment_retry, bool):
            raise TypeError(f"payment_retry must be True or False, got {self.payment_retry!r}")
        check_nonnegative("network_s", self.network_s)


@dataclass(frozen=True)
class TraceResult(Result):
    """The spans of one request: ``records`` has one row per span in waterfall order
    (:meth:`Tracer.to_frame`: ``trace_id``, ``span_id``, ``parent_id``, ``service``,
    ``operation``, ``start_s``, ``end_s``, ``status``, ``duration_s``, ``depth``)."""

    config: TraceConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, float | int]:
        """The request's duration, the spans, the failed spans, and the payments branch's share
        of the request's time."""
        r = self.records
        root = r.iloc[0]
        payments = r.loc[r.service == "payments", "duration_s"]
        return {"duration_s": float(root.duration_s), "spans": int(len(r)),
                "failed_spans": int((r.status != "ok").sum()),
                "payments_share": float(payments.iloc[0] / root.duration_s)}


def simulate_trace(config: TraceConfig | int | None = None, /,
                   **legacy) -> TraceResult | pd.DataFrame:
    """The spans of one checkout request (gateway, orders, inventory and payments in parallel,
    fraud check, card charge).

    The former form ``simulate_trace(seed, payment_retry=..., network_s=...)`` still works for
    one release: it warns ``DeprecationWarning`` and returns the frame.

    >>> df = simulate_trace(TraceConfig(seed=1)).records
    >>> df.loc[0, "service"], int(df.parent_id.isna().sum())
    ('api-gateway', 1)
    >>> bool((df.end_s <= df.end_s[0]).all())
    True
    """
    if not isinstance(config, TraceConfig):
        if config is not None:
            legacy["seed"] = config
        return simulate_trace(legacy_config(TraceConfig, "simulate_trace", legacy)).records
    rng = make_rng(config.seed)
    net = config.network_s

    def work(median: float) -> float:
        return float(rng.lognormal(np.log(median), 0.3))

    tr = Tracer(f"1-{int(rng.integers(0, 2**32)):08x}")
    # Children are recorded first with placeholder parents, so build bottom-up with times known.
    t0 = 0.0
    orders_start = t0 + net + work(0.003)               # gateway auth + routing
    inv_start = orders_start + net + work(0.004)         # orders validates the cart
    inv_end = inv_start + work(0.020)
    pay_start = inv_start                                # in parallel with inventory
    fraud_start = pay_start + net + work(0.002)
    fraud_end = fraud_start + work(0.030)
    attempts = []
    a_start = fraud_end + net
    if config.payment_retry:
        a_end = a_start + work(0.015)
        attempts.append(("charge (attempt 1)", a_start, a_end, "error 503"))
        a_start = a_end + 0.025 * float(rng.random())      # Envoy's first backoff: U(0, 25 ms)
    a_end = a_start + work(0.040)
    attempts.append((f"charge (attempt {len(attempts) + 1})", a_start, a_end, "ok"))
    pay_end = a_end + net
    orders_end = max(inv_end, pay_end) + work(0.005)     # write the order
    db_start = orders_end - 0.8 * (orders_end - max(inv_end, pay_end))
    gateway_end = orders_end + net

    root = tr.record(None, "api-gateway", "POST /checkout", t0, gateway_end)
    orders = tr.record(root, "orders", "create order", orders_start, orders_end)
    inv = tr.record(orders, "inventory", "reserve items", inv_start, inv_end)
    tr.record(inv, "inventory-db", "UPDATE stock", inv_start + 0.2 * (inv_end - inv_start),
              inv_end - 0.1 * (inv_end - inv_start))
    pay = tr.record(orders, "payments", "authorize", pay_start, pay_end)
    tr.record(pay, "fraud", "score", fraud_start, fraud_end)
    for op, s, e, status in attempts:
        tr.record(pay, "card-processor", op, s, e, status)
    tr.record(orders, "orders-db", "INSERT order", db_start, orders_end - net / 2)
    return TraceResult(config=config, records=tr.to_frame())
