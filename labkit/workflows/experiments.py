"""Saga experiments: many random orders under injected faults, as tidy DataFrames.

- :func:`random_orders`: seeded orders (customer, SKU, quantity, amount).
- :class:`SagaConfig` → :func:`simulate_sagas` → :class:`SagaBatch` (the runner convention of
  :mod:`labkit.core.runner`): run them through the orchestrated or the choreographed saga (or
  the no-saga baseline) against one shop; ``records`` has one row per order, ``summary()`` the
  outcome counts, latency, messages and violations; ``compare`` and ``replicate`` work on it.
  :func:`run_sagas` is the same run with the public keyword signature.
- :func:`compare_styles` (deprecated): both styles, now ``compare(simulate_sagas, ...)``.
- :func:`attempt_spans`: an execution's history as bars (attempts, retry waits) for a
  Gantt-style timeline.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, compare
from labkit.core.validation import check_choice, check_int, check_limit, check_nonnegative
from labkit.workflows.asl import Execution
from labkit.workflows.choreography import ChoreographedSaga
from labkit.workflows.faults import FaultPlan, ScriptedFaults
from labkit.workflows.saga import SagaRun, needs_attention, run_orchestrated, run_without_saga
from labkit.workflows.services import Order, Shop, Violation

__all__ = ["SagaBatch", "SagaConfig", "attempt_spans", "compare_styles", "coupling",
           "definition_table", "random_orders", "run_sagas", "simulate_sagas"]


#: Most orders one batch runs on this lab (about a minute of simulation).
MAX_ORDERS = 100_000


def random_orders(n: int, *, seed: int = 0, skus: int = 3, customers: int = 20) -> list[Order]:
    """``n`` seeded orders: 1–3 units of a random SKU for $10–$120.

    >>> [o.order_id for o in random_orders(2)]
    ['order-00000', 'order-00001']
    """
    n = check_limit("n", n, MAX_ORDERS)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    skus = check_int("skus", skus, minimum=1)
    customers = check_int("customers", customers, minimum=1)
    cust = rng.integers(0, customers, n)
    sku = rng.integers(0, skus, n)
    qty = rng.integers(1, 4, n)
    amount = rng.integers(10, 121, n)
    return [Order(f"order-{i:05d}", f"customer-{cust[i]}", f"sku-{sku[i]}", int(qty[i]),
                  int(amount[i])) for i in range(n)]


STYLES = ("orchestration", "choreography", "no saga")


@dataclass(frozen=True)
class SagaConfig(Config):
    """Many random orders through one saga ``style`` against one shop, under injected faults.

    ``n_orders`` orders (1 to 100,000) run through ``style`` (``"orchestration"``,
    ``"choreography"`` or the ``"no saga"`` baseline) with ``faults`` (a :class:`FaultPlan`;
    a :class:`ScriptedFaults` is consumed by the run, so it suits one run, not replications).
    The shop starts with ``stock`` units of each of ``skus`` SKUs and ``customers`` customers
    holding ``balance_usd`` each. ``service_s`` is the mean service time of a call
    (exponential) and ``hop_s`` the one-way time of a message.
    """

    n_orders: int = 1000
    style: str = "orchestration"
    faults: FaultPlan | ScriptedFaults | None = None
    seed: int = 0
    stock: int = 1000
    skus: int = 3
    customers: int = 20
    balance_usd: int = 3000
    service_s: float = 0.05
    hop_s: float = 0.02

    def validate(self) -> None:
        check_limit("n_orders", self.n_orders, MAX_ORDERS, minimum=1)
        check_choice("style", self.style, STYLES)
        if self.faults is not None and not isinstance(self.faults, (FaultPlan, ScriptedFaults)):
            raise TypeError(f"faults must be a FaultPlan, ScriptedFaults or None, got "
                            f"{type(self.faults).__name__}")
        check_int("seed", self.seed, minimum=0)
        check_int("stock", self.stock, minimum=0)
        check_int("skus", self.skus, minimum=1)
        check_int("customers", self.customers, minimum=1)
        check_int("balance_usd", self.balance_usd, minimum=0)
        check_nonnegative("service_s", self.service_s)
        check_nonnegative("hop_s", self.hop_s)


@dataclass(frozen=True)
class SagaBatch(Result):
    """Result of :func:`simulate_sagas`: ``records`` (one row per order, the fields of
    :class:`~labkit.workflows.saga.SagaRun`), the ``shop`` and its ``violations``; ``alerts``
    holds the executions the alert rule flags (orchestration); ``dead_lettered`` the orders
    with an event in the bus's dead-letter queue (choreography, whose alarm watches that
    queue)."""

    records: pd.DataFrame
    shop: Shop
    violations: list[Violation]
    alerts: list[tuple[str, Execution]] = field(default_factory=list)
    dead_lettered: set[str] = field(default_factory=set)
    config: SagaConfig | None = None

    @property
    def runs(self) -> pd.DataFrame:
        """The records (the name this result had before the runner convention)."""
        return self.records

    @property
    def alerted(self) -> set[str]:
        """Orders an operator is alerted about: failed executions or dead-lettered events."""
        return {order_id for order_id, _ in self.alerts} | self.dead_lettered

    def violations_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.violations, columns=list(Violation._fields))

    def summary(self) -> dict[str, float | int]:
        """Outcome counts (from the ledgers), latency (s), messages and service calls per
        order, the logs an operator reads to follow one order, alerts and violations."""
        r = self.records
        outcome = r["outcome"]
        return {
            "n_orders": int(len(r)),
            "completed": int((outcome == "completed").sum()),
            "compensated": int((outcome == "compensated").sum()),
            "stuck": int((outcome == "stuck").sum()),
            "abandoned": int((outcome == "abandoned").sum()),
            "mean_latency_s": float(r["latency_s"].mean()),
            "latency_p50_s": float(r["latency_s"].quantile(0.5)),
            "latency_p99_s": float(r["latency_s"].quantile(0.99)),
            "messages_per_order": float(r["messages"].mean()),
            "calls_per_order": float(r["attempts"].mean()),
            "logs_to_read": float(r["logs_to_read"].mean()),
            "alerts": len(self.alerted),
            "violations": len(self.violations),
        }


def simulate_sagas(config: SagaConfig) -> SagaBatch:
    """Run ``config.n_orders`` random orders through one saga style and check the ledgers.

    >>> batch = simulate_sagas(SagaConfig(n_orders=50, faults=FaultPlan({"charge": 0.3}),
    ...                                   seed=1))
    >>> len(batch.records), batch.violations
    (50, [])
    >>> from labkit.core.runner import compare
    >>> table = compare(simulate_sagas, SagaConfig(n_orders=40, seed=2),
    ...                 {"orchestration": {}, "choreography": {"style": "choreography"}})
    >>> list(table.index), int(table["violations"].sum())
    (['orchestration', 'choreography'], 0)
    """
    if not isinstance(config, SagaConfig):
        raise TypeError(f"config must be a SagaConfig, got {type(config).__name__}")
    shop = Shop.create(stock=config.stock, skus=config.skus, customers=config.customers,
                       balance_usd=config.balance_usd)
    order_rng, saga_rng = spawn_rngs(config.seed, 2)
    orders = random_orders(config.n_orders, seed=int(order_rng.integers(2**31)),
                           skus=config.skus, customers=config.customers)
    timing = {"service_s": config.service_s, "hop_s": config.hop_s}
    alerts: list[tuple[str, Execution]] = []
    dead_lettered: set[str] = set()
    if config.style == "orchestration":
        rows = []
        for order in orders:
            run, execution = run_orchestrated(shop, order, config.faults, seed=saga_rng,
                                              **timing)
            rows.append(run)
            if needs_attention(execution):
                alerts.append((order.order_id, execution))
    elif config.style == "no saga":
        rows = [run_without_saga(shop, order, config.faults, seed=saga_rng, **timing)
                for order in orders]
    else:
        saga = ChoreographedSaga(shop, config.faults, seed=saga_rng, **timing)
        rows = [saga.run(order) for order in orders]
        dead_lettered = {detail["order_id"] for _, detail, _, _ in saga.bus.dead_letters}
    records = pd.DataFrame(rows, columns=list(SagaRun._fields))
    return SagaBatch(records, shop, shop.violations(), alerts, dead_lettered, config)


def run_sagas(n_orders: int, *, style: str = "orchestration",
              faults: FaultPlan | ScriptedFaults | None = None, seed: int = 0,
              stock: int = 1000, skus: int = 3, customers: int = 20, balance_usd: int = 3000,
              service_s: float = 0.05, hop_s: float = 0.02) -> SagaBatch:
    """The public entry point: :func:`simulate_sagas` with keyword arguments (the
    :class:`SagaConfig` fields).

    >>> batch = run_sagas(50, faults=FaultPlan({"charge": 0.3}), seed=1)
    >>> len(batch.runs), batch.violations
    (50, [])
    """
    return simulate_sagas(SagaConfig(
        n_orders=n_orders, style=style, faults=faults, seed=seed, stock=stock, skus=skus,
        customers=customers, balance_usd=balance_usd, service_s=service_s, hop_s=hop_s))


#: The columns the former ``compare_styles`` returned, in its order.
_STYLE_COLUMNS = ["completed", "compensated", "stuck", "latency_p50_s", "latency_p99_s",
                  "messages_per_order", "calls_per_order", "logs_to_read", "alerts",
                  "violations"]


def compare_styles(n_orders: int, *, faults: FaultPlan | None = None, seed: int = 0,
                   **kwargs) -> pd.DataFrame:
    """Deprecated: both styles on the same orders and faults, one row per style.

    Use ``compare(simulate_sagas, SagaConfig(...), {"orchestration": {}, "choreography":
    {"style": "choreography"}})`` (:func:`labkit.core.runner.compare`).
    """
    warnings.warn("compare_styles is deprecated since labkit 0.2 and will be removed in the "
                  "next release; use labkit.core.runner.compare(simulate_sagas, SagaConfig(...), "
                  "variants) instead", DeprecationWarning, stacklevel=2)
    config = SagaConfig(n_orders=n_orders, faults=faults, seed=seed, **kwargs)
    table = compare(simulate_sagas, config, {style: {"style": style}
                                             for style in ("orchestration", "choreography")})
    table.index.name = "style"
    return table[_STYLE_COLUMNS]


def coupling() -> pd.DataFrame:
    """Who knows what, per style: components that know the whole flow, dependencies between
    components (and how many are service to service), and interface items (operations the
    orchestrator calls, or event types services publish).

    >>> int(coupling().loc["orchestration", "knows_whole_flow"])
    1
    """
    from labkit.workflows.choreography import dependencies, producers
    from labkit.workflows.faults import COMPENSATIONS, FORWARD_STEPS

    deps = dependencies()
    rows = [
        {"style": "orchestration", "knows_whole_flow": 1,
         "dependencies": len(FORWARD_STEPS),  # the state machine -> each service
         "service_to_service": 0,
         "interface_items": len(FORWARD_STEPS) + len(COMPENSATIONS)},  # operations
        {"style": "choreography", "knows_whole_flow": 0,
         "dependencies": len(deps), "service_to_service": len(deps),
         "interface_items": len(producers())},  # event types
    ]
    return pd.DataFrame(rows).set_index("style")


def definition_table(definition: dict) -> pd.DataFrame:
    """One row per state of a (flat) definition: type, where it goes next, what it retries and
    where it catches errors to, as a reader would check it before deploying.

    >>> from labkit.workflows.saga import order_saga_definition
    >>> definition_table(order_saga_definition()).loc["ChargePayment", "on_error"]
    'States.ALL -> RefundPayment'
    """
    rows = []
    for name, state in definition["States"].items():
        retry = "; ".join(f"{'/'.join(r['ErrorEquals'])} x{r.get('MaxAttempts', 3)}"
                          for r in state.get("Retry", []))
        catch = "; ".join(f"{'/'.join(c['ErrorEquals'])} -> {c['Next']}"
                          for c in state.get("Catch", []))
        rows.append({"state": name, "type": state["Type"], "next": state.get("Next", "(end)"),
                     "retry": retry, "on_error": catch})
    return pd.DataFrame(rows).set_index("state")


def attempt_spans(execution: Execution) -> pd.DataFrame:
    """Bars for a Gantt chart: one row per task attempt or retry wait.

    Columns: ``state``, ``kind`` (``attempt`` or ``retry_wait``), ``start_s``, ``end_s``,
    ``outcome`` (``succeeded``, ``failed`` or ``waiting``), ``error``, ``order`` (first time the
    state was entered, for sorting the rows).
    """
    rows = []
    first_seen: dict[str, int] = {}
    open_attempt: dict[str, float] = {}
    for e in execution.events:
        first_seen.setdefault(e.state, len(first_seen))
        if e.event == "attempt":
            open_attempt[e.state] = e.time_s
        elif e.event in ("succeeded", "failed") and e.state in open_attempt:
            start = open_attempt.pop(e.state)
            rows.append((e.state, "attempt", start, e.time_s, e.event, e.error))
        elif e.event == "retry_wait":
            rows.append((e.state, "retry_wait", e.time_s, e.time_s + e.duration_s, "waiting",
                         e.error))
    frame = pd.DataFrame(rows, columns=["state", "kind", "start_s", "end_s", "outcome", "error"])
    frame["order"] = frame["state"].map(first_seen)
    return frame
