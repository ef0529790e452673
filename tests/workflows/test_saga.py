"""The order saga: ledgers stay consistent under injected failures, in both styles."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.core.runner import compare, replicate
from labkit.workflows import validate_definition
from labkit.workflows.choreography import ChoreographedSaga, EventBus
from labkit.workflows.experiments import (
    SagaConfig,
    attempt_spans,
    compare_styles,
    run_sagas,
    simulate_sagas,
)
from labkit.workflows.faults import COMPENSATIONS, FORWARD_STEPS, FaultPlan, ScriptedFaults
from labkit.workflows.saga import (
    needs_attention,
    order_saga_definition,
    repair_order,
    run_orchestrated,
)
from labkit.workflows.services import Order, Shop

ORDER = Order("o1", "customer-0", "sku-0", 2, 40)


def states_run(execution):
    h = execution.history
    return h.loc[h["event"] == "entered", "state"].tolist()


def test_definition_is_valid_json_asl():
    d = order_saga_definition()
    assert validate_definition(json.dumps(d)) == d
    assert d["States"]["RefundPayment"].get("Catch") is None
    assert d["States"]["ReserveInventory"]["Catch"][0]["Next"] == "ReleaseInventory"


def test_happy_path_both_styles():
    shop = Shop.create()
    run, execution = run_orchestrated(shop, ORDER)
    assert run.outcome == "completed" and execution.status == "SUCCEEDED"
    assert run.messages == 8 and run.attempts == 4
    assert shop.payments.net("o1") == 40 and shop.inventory.held("o1") == 2
    assert shop.violations() == []
    shop2 = Shop.create()
    run2 = ChoreographedSaga(shop2).run(ORDER)
    assert run2.outcome == "completed" and run2.messages == 9 and run2.attempts == 4
    assert shop2.violations() == []


@pytest.mark.parametrize("step, expected", [
    ("reserve", ["ReserveInventory", "ReleaseInventory", "CancelOrder", "OrderFailed"]),
    ("charge", ["ReserveInventory", "ChargePayment", "RefundPayment", "ReleaseInventory",
                "CancelOrder", "OrderFailed"]),
    ("fulfil", ["ReserveInventory", "ChargePayment", "FulfilOrder", "CancelFulfilment",
                "RefundPayment", "ReleaseInventory", "CancelOrder", "OrderFailed"]),
    ("complete", ["ReserveInventory", "ChargePayment", "FulfilOrder", "CompleteOrder",
                  "CancelFulfilment", "RefundPayment", "ReleaseInventory", "CancelOrder",
                  "OrderFailed"]),
])
def test_permanent_failure_compensates_backwards(step, expected):
    shop = Shop.create()
    run, execution = run_orchestrated(shop, ORDER, ScriptedFaults({step: ["permanent"]}))
    assert states_run(execution) == expected
    assert run.outcome == "compensated" and run.failed_step == step
    assert execution.error == "OrderFailed" and not needs_attention(execution)
    assert shop.violations() == []
    shop2 = Shop.create()
    run2 = ChoreographedSaga(shop2, ScriptedFaults({step: ["permanent"]})).run(ORDER)
    assert run2.outcome == "compensated" and run2.failed_step == step
    assert shop2.violations() == []


def test_timeout_after_the_charge_is_retried_without_charging_twice():
    shop = Shop.create()
    run, execution = run_orchestrated(shop, ORDER, ScriptedFaults({"charge": ["timeout"]}))
    assert run.outcome == "completed"
    h = execution.history
    failed = h[(h["state"] == "ChargePayment") & (h["event"] == "failed")]
    assert failed["error"].tolist() == ["States.Timeout"]
    assert [e for e in shop.payments.ledger if e[0] == "o1"] == [("o1", "charge", 40)]


def test_timeout_then_exhausted_retries_compensates_the_step_that_timed_out():
    shop = Shop.create()
    run, _ = run_orchestrated(shop, ORDER, ScriptedFaults({"charge": ["timeout"] * 4}))
    assert run.outcome == "compensated" and run.error == "States.Timeout"
    assert shop.payments.net("o1") == 0 and shop.violations() == []


def test_compensation_that_keeps_failing_fails_the_execution_then_repair():
    shop = Shop.create()
    faults = FaultPlan({"fulfil": 1.0}, kinds={"permanent": 1}, broken={"refund"})
    run, execution = run_orchestrated(shop, ORDER, faults)
    assert execution.status == "FAILED" and execution.error == "ServiceUnavailable"
    assert needs_attention(execution) and run.outcome == "stuck"
    refund_attempts = execution.history.query("state == 'RefundPayment' and event == 'attempt'")
    assert len(refund_attempts) == 11  # MaxAttempts 10 -> 11 executions
    assert "ReleaseInventory" not in states_run(execution)  # later compensations never run
    rules = {v.rule for v in shop.violations()}
    assert {"money-taken", "inventory-held", "saga-unfinished"} <= rules
    repair_order(shop, "o1")
    assert shop.violations() == []


def test_choreography_dead_letters_then_redrive():
    shop = Shop.create()
    saga = ChoreographedSaga(shop, FaultPlan({"fulfil": 1.0}, kinds={"permanent": 1},
                                             broken={"refund"}), max_attempts=5)
    run = saga.run(ORDER)
    assert run.outcome == "stuck" and len(saga.bus.dead_letters) == 1
    assert shop.violations()
    saga.faults = FaultPlan()
    assert saga.bus.redrive() == 1
    saga.bus.run()
    assert shop.orders.status["o1"] == "CANCELLED" and shop.violations() == []


def test_bus_retries_with_capped_backoff_and_dead_letters():
    bus = EventBus(seed=1, hop_s=0.0, max_attempts=4, base_delay_s=1.0, max_delay_s=2.0)
    from labkit.workflows import TaskFailed

    def always_fail(detail, now):
        raise TaskFailed("Down")

    bus.subscribe("E", "svc", always_fail)
    bus.publish("E", {"order_id": "x"}, 0.0, source="t")
    bus.run()
    fails = [r for r in bus.log if r.kind == "failed"]
    assert [r.attempt for r in fails] == [1, 2, 3, 4]
    gaps = [b.time_s - a.time_s for a, b in zip(fails, fails[1:], strict=False)]
    assert all(0 <= g <= cap for g, cap in zip(gaps, [1.0, 2.0, 2.0], strict=True))
    assert len(bus.dead_letters) == 1


def test_business_rules_out_of_stock_and_declined_are_compensated():
    shop = Shop.create(stock=3, customers=1, balance_usd=50)
    big = Order("big", "customer-0", "sku-0", 5, 10)
    rich = Order("rich", "customer-0", "sku-1", 1, 80)
    assert run_orchestrated(shop, big)[0].error == "OutOfStock"
    assert run_orchestrated(shop, rich)[0].error == "PaymentDeclined"
    assert shop.violations() == []


def test_shop_detects_broken_invariants():
    shop = Shop.create()
    shop.orders.place(ORDER)
    shop.payments.charge("o1", "customer-0", 40)
    shop.orders.cancel("o1")
    assert {v.rule for v in shop.violations()} == {"money-taken"}
    shop.inventory.on_hand["sku-1"] += 1
    assert "stock-not-conserved" in {v.rule for v in shop.violations()}


def test_random_batches_are_consistent_and_deterministic():
    faults = FaultPlan({"reserve": 0.1, "charge": 0.2, "fulfil": 0.1, "complete": 0.05},
                       compensation_rate=0.3)
    a = run_sagas(300, faults=faults, seed=3)
    b = run_sagas(300, faults=faults, seed=3)
    assert a.violations == [] and a.runs.equals(b.runs)
    c = run_sagas(300, style="choreography", faults=faults, seed=3)
    assert c.violations == []
    table = compare(simulate_sagas, SagaConfig(n_orders=100, faults=faults, seed=1),
                    {"orchestration": {}, "choreography": {"style": "choreography"}})
    assert table["violations"].tolist() == [0, 0]


def test_the_former_compare_styles_warns_and_gives_the_same_table():
    faults = FaultPlan({"charge": 0.3}, compensation_rate=0.3)
    with pytest.warns(DeprecationWarning, match="compare_styles is deprecated"):
        old = compare_styles(60, faults=faults, seed=2)
    new = compare(simulate_sagas, SagaConfig(n_orders=60, faults=faults, seed=2),
                  {"orchestration": {}, "choreography": {"style": "choreography"}})
    assert list(old.index) == ["orchestration", "choreography"]
    for column in old.columns:
        assert old[column].tolist() == new[column].tolist()


def test_saga_config_names_the_field_and_replications_differ():
    with pytest.raises(ValueError, match="style"):
        SagaConfig(style="both")
    with pytest.raises(TypeError, match="faults"):
        SagaConfig(faults={"charge": 0.2})
    with pytest.raises(ValueError, match="n_orders"):
        SagaConfig(n_orders=0)
    runs = replicate(simulate_sagas, SagaConfig(n_orders=40, faults=FaultPlan({"charge": 0.4}),
                                                seed=5), replications=3)
    assert list(runs["seed"]) == [5, 6, 7]
    assert runs["mean_latency_s"].nunique() == 3  # independent seeds, different orders
    assert (runs["completed"] + runs["compensated"] + runs["stuck"] == 40).all()


def test_attempt_spans():
    shop = Shop.create()
    _, execution = run_orchestrated(shop, ORDER, ScriptedFaults({"charge": ["transient"]}))
    spans = attempt_spans(execution)
    charge = spans[spans["state"] == "ChargePayment"]
    assert charge["kind"].tolist() == ["attempt", "retry_wait", "attempt"]
    assert (spans["end_s"] >= spans["start_s"]).all()


FAULT = st.sampled_from([None, "transient", "permanent", "timeout"])
COMP_FAULT = st.sampled_from([None, "transient", "permanent", "timeout"])


@st.composite
def scripts(draw):
    script = {s: draw(st.lists(FAULT, max_size=6)) for s in FORWARD_STEPS}
    # compensations: any faults, but fewer in a row than the retry budget (10 retries)
    script.update({c: draw(st.lists(COMP_FAULT, max_size=10)) for c in COMPENSATIONS})
    return script


@settings(max_examples=150, deadline=None)
@given(st.lists(scripts(), min_size=1, max_size=4), st.integers(0, 2**16))
def test_every_saga_ends_consistent(order_scripts, seed):
    for style in ("orchestration", "choreography"):
        shop = Shop.create(stock=6, skus=1, customers=1, balance_usd=150)
        saga = ChoreographedSaga(shop, seed=seed) if style == "choreography" else None
        for i, script in enumerate(order_scripts):
            order = Order(f"o{i}", "customer-0", "sku-0", 2, 60)
            faults = ScriptedFaults(script)
            if saga is None:
                run, execution = run_orchestrated(shop, order, faults, seed=seed)
                assert execution.status == ("SUCCEEDED" if run.outcome == "completed"
                                            else "FAILED")
                assert not needs_attention(execution)
            else:
                saga.faults = faults
                run = saga.run(order)
            assert run.outcome in ("completed", "compensated")
        assert shop.violations() == []
