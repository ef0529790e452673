"""A saga's outcome comes from the ledgers, so outcome, stuck, violations and alerts agree."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.core.runner import compare
from labkit.workflows.experiments import SagaConfig, run_sagas, simulate_sagas
from labkit.workflows.faults import (
    COMPENSATIONS,
    FAULT_KINDS,
    FORWARD_STEPS,
    FaultPlan,
    ScriptedFaults,
)
from labkit.workflows.saga import STATE_OF_STEP, needs_attention, repair_order, run_orchestrated
from labkit.workflows.services import Order, Shop

ORDER = Order("o1", "customer-0", "sku-0", 2, 40)
COMPENSATION_STATES = {STATE_OF_STEP[s] for s in COMPENSATIONS}


def test_refunded_order_is_not_reported_completed():
    """``complete`` times out 4 times (its effect applied each time), the saga compensates,
    and ``cancel_order`` fails 11 times: the order is marked COMPLETED but refunded, its
    shipment cancelled and its stock released. That is stuck, not completed."""
    shop = Shop.create()
    faults = ScriptedFaults({"complete": ["timeout"] * 4, "cancel_order": ["transient"] * 11})
    run, execution = run_orchestrated(shop, ORDER, faults)
    assert shop.orders.status["o1"] == "COMPLETED"
    assert shop.payments.net("o1") == 0 and shop.inventory.held("o1") == 0
    assert not shop.fulfilment.active("o1")
    assert run.outcome == "stuck"
    assert run.failed_step == "complete" and run.error == "ServiceUnavailable"
    assert needs_attention(execution)
    assert {v.rule for v in shop.violations()} == {
        "completed-not-reserved", "completed-not-paid", "completed-not-shipped"}
    repair_order(shop, "o1")
    assert shop.violations() == [] and shop.outcome("o1") == "compensated"


def test_outcome_reads_the_ledgers():
    shop = Shop.create()
    shop.orders.place(ORDER)
    assert shop.outcome("o1") == "stuck"  # PENDING: the saga never finished
    with pytest.raises(ValueError, match="order_id"):
        shop.outcome("nope")


def _random_plan(rng: np.random.Generator) -> FaultPlan:
    levels = np.array([0.0, 0.0, 0.3, 0.7, 1.0])
    rates = {s: float(rng.choice(levels)) for s in FORWARD_STEPS}
    weights = rng.integers(0, 3, len(FAULT_KINDS))
    weights[rng.integers(len(FAULT_KINDS))] += 1  # a positive total
    kinds = {k: float(w) for k, w in zip(FAULT_KINDS, weights, strict=True)}
    broken = {s for s in FORWARD_STEPS + COMPENSATIONS if rng.random() < 0.04}
    return FaultPlan(rates, kinds=kinds, compensation_rate=float(rng.choice([0.0, 0.5, 0.9])),
                     broken=broken)


def test_ten_thousand_random_fault_plans_agree_with_the_ledgers():
    """For each of 10,000 random fault plans, one order through the orchestrated saga:
    ``outcome`` is ``stuck`` exactly when the order's ledgers disagree, every stuck order is
    alerted, every alert is a compensation that gave up, an execution without an alert ended
    completed (SUCCEEDED) or compensated (OrderFailed), and the idempotent repair of the
    alerted orders always restores consistency."""
    rng = np.random.default_rng(2026)
    seen = {"completed": 0, "compensated": 0, "stuck": 0, "false_alarm": 0}
    for i in range(10_000):
        shop = Shop.create(stock=10, customers=1, balance_usd=100)
        order = Order(f"o{i}", "customer-0", "sku-0", int(rng.integers(1, 4)),
                      int(rng.integers(10, 50)))
        run, execution = run_orchestrated(shop, order, _random_plan(rng), seed=rng,
                                          service_s=0.0)
        inconsistent = bool(shop.order_violations(order.order_id))
        alerted = needs_attention(execution)
        assert (run.outcome == "stuck") == inconsistent, (i, run, shop.violations())
        if execution.status == "SUCCEEDED":
            assert run.outcome == "completed", (i, run)
        if inconsistent:
            assert alerted, (i, run)
        if alerted:  # a compensation gave up; its order may still be consistent (a false
            # alarm: its reply was lost after it applied, or nothing it undoes had happened)
            last_failed = next(e for e in reversed(execution.events) if e.event == "failed")
            assert last_failed.state in COMPENSATION_STATES, (i, run)
            seen["false_alarm"] += not inconsistent
        else:
            assert run.outcome == ("completed" if execution.status == "SUCCEEDED"
                                   else "compensated"), (i, run)
        seen[run.outcome] += 1
        if alerted:
            repair_order(shop, order.order_id)
        assert shop.violations() == [], (i, shop.violations())
    assert min(seen.values()) > 0, seen  # every case was exercised


@pytest.mark.parametrize("seed", [11, 7])
def test_compare_styles_counts_agree(seed):
    harsh = FaultPlan({"reserve": 0.05, "charge": 0.15, "fulfil": 0.10, "complete": 0.05},
                      compensation_rate=0.7)
    table = compare(simulate_sagas, SagaConfig(n_orders=300, faults=harsh, seed=seed),
                    {"orchestration": {}, "choreography": {"style": "choreography"}})
    for style in ("orchestration", "choreography"):
        batch = run_sagas(300, style=style, faults=harsh, seed=seed)
        inconsistent = {v.order_id for v in batch.violations if v.order_id != "*"}
        stuck = set(batch.runs.loc[batch.runs["outcome"] == "stuck", "order_id"])
        assert stuck == inconsistent
        assert stuck <= batch.alerted
        assert table.loc[style, "stuck"] == len(stuck)
        assert table.loc[style, "alerts"] == len(batch.alerted)
