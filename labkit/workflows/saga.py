"""The order saga run by the States Language executor (orchestration).

Forward steps: ReserveInventory → ChargePayment → FulfilOrder → CompleteOrder. Each forward
step retries transient faults and timeouts (``ServiceUnavailable``, ``States.Timeout``) and
catches everything else into the compensation chain, which runs backwards:
CancelFulfilment → RefundPayment → ReleaseInventory → CancelOrder → ``OrderFailed`` (Fail).
As in the AWS saga sample, the failed step itself is compensated too (its effect may have
happened before a timeout), compensations are idempotent, retried with ``States.ALL`` and have
no Catch: a compensation that keeps failing fails the execution and leaves the order half
undone, which :meth:`~labkit.workflows.services.Shop.violations` reports and
:func:`repair_order` fixes.

- :func:`order_saga_definition`: the Amazon States Language definition.
- :func:`perform_step`: one service call with fault injection (shared with choreography).
- :func:`run_orchestrated`: one order through the executor → :class:`SagaRun` and the
  :class:`~labkit.workflows.asl.Execution`. The run's ``outcome`` is read from the ledgers
  (:meth:`~labkit.workflows.services.Shop.outcome`), not from the last step's status, so a
  refunded order whose ``complete`` step timed out after applying is ``stuck``, not completed.
- :func:`needs_attention` and :func:`repair_order`: the alert rule and the operator's repair.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from labkit.core.validation import check_int, check_nonnegative
from labkit.workflows.asl import Execution, StateMachine, run_state_machine
from labkit.workflows.errors import TaskFailed, TaskOutcome
from labkit.workflows.faults import COMPENSATIONS, FORWARD_STEPS, FaultPlan, ScriptedFaults
from labkit.workflows.services import Order, Shop

__all__ = [
    "ARN_PREFIX",
    "PERMANENT_ERRORS",
    "STATE_OF_STEP",
    "SagaRun",
    "needs_attention",
    "order_saga_definition",
    "perform_step",
    "repair_order",
    "run_orchestrated",
    "run_without_saga",
]

ARN_PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"
#: Task state name for each saga step.
STATE_OF_STEP = {
    "reserve": "ReserveInventory", "charge": "ChargePayment", "fulfil": "FulfilOrder",
    "complete": "CompleteOrder", "release": "ReleaseInventory", "refund": "RefundPayment",
    "cancel_shipment": "CancelFulfilment", "cancel_order": "CancelOrder",
}
STEP_OF_STATE = {v: k for k, v in STATE_OF_STEP.items()}
#: Business error raised by an injected permanent fault in each forward step.
PERMANENT_ERRORS = {"reserve": "OutOfStock", "charge": "PaymentDeclined",
                    "fulfil": "AddressInvalid", "complete": "OrderRejected"}
#: Where each forward step's failure enters the compensation chain (the failed step included).
_CATCH_TARGET = {"reserve": "release", "charge": "refund", "fulfil": "cancel_shipment",
                 "complete": "cancel_shipment"}
_COMPENSATION_NEXT = {"cancel_shipment": "refund", "refund": "release",
                      "release": "cancel_order", "cancel_order": None}


class SagaRun(NamedTuple):
    """One order's saga: how it ended and what it cost."""

    order_id: str
    style: str            # "orchestration" or "choreography"
    outcome: str          # "completed", "compensated", "stuck" (from the ledgers, see
    #                       Shop.outcome) or (no saga) "abandoned"
    latency_s: float      # from order placed to the saga's last step
    messages: int         # commands + replies (orchestration) or events + deliveries
    attempts: int         # service calls, retries included
    failed_step: str | None
    error: str | None
    logs_to_read: int     # places an operator must look to see this order's whole saga


def order_saga_definition(*, timeout_s: int = 3, forward_max_attempts: int = 3,
                          compensation_max_attempts: int = 10,
                          compensation_max_delay_s: int = 20) -> dict[str, Any]:
    """The order saga as Amazon States Language (a dict ready for ``json.dumps``).

    >>> d = order_saga_definition()
    >>> d["StartAt"], d["States"]["ChargePayment"]["Catch"][0]["Next"]
    ('ReserveInventory', 'RefundPayment')
    """
    check_int("timeout_s", timeout_s, minimum=1)
    check_int("forward_max_attempts", forward_max_attempts, minimum=0)
    check_int("compensation_max_attempts", compensation_max_attempts, minimum=0)
    check_int("compensation_max_delay_s", compensation_max_delay_s, minimum=1)
    states: dict[str, Any] = {}
    for i, step in enumerate(FORWARD_STEPS):
        last = i + 1 == len(FORWARD_STEPS)
        nxt = "OrderCompleted" if last else STATE_OF_STEP[FORWARD_STEPS[i + 1]]
        states[STATE_OF_STEP[step]] = {
            "Type": "Task",
            "Resource": ARN_PREFIX + STATE_OF_STEP[step],
            "ResultPath": f"$.{step}",
            "TimeoutSeconds": timeout_s,
            "Retry": [{"ErrorEquals": ["ServiceUnavailable", "States.Timeout"],
                       "IntervalSeconds": 1, "MaxAttempts": forward_max_attempts,
                       "BackoffRate": 2.0, "JitterStrategy": "FULL"}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                       "Next": STATE_OF_STEP[_CATCH_TARGET[step]]}],
            "Next": nxt,
        }
    states["OrderCompleted"] = {"Type": "Succeed"}
    for step in ("cancel_shipment", "refund", "release", "cancel_order"):
        nxt = _COMPENSATION_NEXT[step]
        states[STATE_OF_STEP[step]] = {
            "Type": "Task",
            "Resource": ARN_PREFIX + STATE_OF_STEP[step],
            "ResultPath": None,
            "TimeoutSeconds": timeout_s,
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1,
                       "MaxAttempts": compensation_max_attempts, "BackoffRate": 2.0,
                       "MaxDelaySeconds": compensation_max_delay_s, "JitterStrategy": "FULL"}],
            "Next": STATE_OF_STEP[nxt] if nxt else "OrderFailed",
        }
    states["OrderFailed"] = {"Type": "Fail", "Error": "OrderFailed",
                             "Cause": "a step failed; the order was compensated"}
    return {"Comment": "Order saga: reserve, charge, fulfil, complete; compensate backwards",
            "StartAt": "ReserveInventory", "States": states}


@lru_cache(maxsize=1)
def _default_machine() -> StateMachine:
    return StateMachine(order_saga_definition())


def perform_step(shop: Shop, step: str, order: dict[str, Any],
                 fault: str | None) -> tuple[str, bool]:
    """Call ``step`` on the shop's service under ``fault``; return ``(status, timed_out)``.

    A transient or permanent fault raises :class:`~labkit.workflows.errors.TaskFailed` before
    any effect; a ``"timeout"`` applies the effect and reports ``timed_out=True``; business
    rules (out of stock, insufficient funds) raise as the services do.

    >>> shop = Shop.create(stock=5)
    >>> o = Order("o1", "customer-0", "sku-0", 2, 40); _ = shop.orders.place(o)
    >>> perform_step(shop, "reserve", o.to_dict(), "timeout")
    ('held', True)
    >>> perform_step(shop, "reserve", o.to_dict(), None)   # the retry is a no-op
    ('held', False)
    """
    if fault == "transient":
        raise TaskFailed("ServiceUnavailable", f"{step}: service unavailable")
    if fault == "permanent":
        raise TaskFailed(PERMANENT_ERRORS.get(step, "ServiceError"), f"{step}: refused")
    oid = order["order_id"]
    if step == "reserve":
        status = shop.inventory.reserve(oid, order["sku"], order["qty"])
    elif step == "charge":
        status = shop.payments.charge(oid, order["customer"], order["amount_usd"])
    elif step == "fulfil":
        status = shop.fulfilment.fulfil(oid)
    elif step == "complete":
        status = shop.orders.complete(oid)
    elif step == "release":
        status = shop.inventory.release(oid)
    elif step == "refund":
        status = shop.payments.refund(oid)
    elif step == "cancel_shipment":
        status = shop.fulfilment.cancel(oid)
    elif step == "cancel_order":
        status = shop.orders.cancel(oid)
    else:
        raise ValueError(f"unknown step {step!r}")
    return status, fault == "timeout"


def _make_tasks(shop: Shop, faults: FaultPlan | ScriptedFaults, rng: np.random.Generator,
                service_s: float, hop_s: float, timeout_s: int, calls: list[str]):
    def make(step: str):
        def call(payload: dict[str, Any]) -> TaskOutcome:
            calls.append(step)
            took = 2 * hop_s + float(rng.exponential(service_s)) if service_s else 2 * hop_s
            status, timed_out = perform_step(shop, step, payload["order"],
                                             faults.draw(step, rng))
            if timed_out:
                return TaskOutcome({"status": status}, timeout_s + took)
            return TaskOutcome({"status": status}, took)
        return call

    return {ARN_PREFIX + STATE_OF_STEP[s]: make(s) for s in FORWARD_STEPS + COMPENSATIONS}


def _check_saga_args(shop: object, order: object, faults: object) -> None:
    if not isinstance(shop, Shop):
        raise TypeError(f"shop must be a Shop (Shop.create()), got {type(shop).__name__}")
    if not isinstance(order, Order):
        raise TypeError(f"order must be an Order, got {type(order).__name__}")
    if faults is not None and not isinstance(faults, (FaultPlan, ScriptedFaults)):
        raise TypeError(f"faults must be a FaultPlan, ScriptedFaults or None, got "
                        f"{type(faults).__name__}")


def run_orchestrated(shop: Shop, order: Order, faults: FaultPlan | ScriptedFaults | None = None,
                     *, seed: int | np.random.Generator = 0, service_s: float = 0.05,
                     hop_s: float = 0.02, definition: dict[str, Any] | None = None,
                     ) -> tuple[SagaRun, Execution]:
    """Place ``order`` in ``shop`` and run the saga through the States Language executor.

    ``service_s`` is the mean service time of a call (exponential); ``hop_s`` the one-way
    network/dispatch time of a message (each call is a command and a reply).

    >>> shop = Shop.create()
    >>> run, execution = run_orchestrated(shop, Order("o1", "customer-0", "sku-0", 1, 25),
    ...                                   FaultPlan({"charge": 1.0}, kinds={"permanent": 1}))
    >>> run.outcome, run.failed_step, run.error, execution.error
    ('compensated', 'charge', 'PaymentDeclined', 'OrderFailed')
    >>> shop.violations()
    []
    """
    from labkit.core.rng import make_rng

    rng = make_rng(seed)
    _check_saga_args(shop, order, faults)
    service_s = check_nonnegative("service_s", service_s)
    hop_s = check_nonnegative("hop_s", hop_s)
    machine = StateMachine(definition) if definition is not None else _default_machine()
    definition = machine.definition
    faults = faults if faults is not None else FaultPlan()
    timeout_s = definition["States"]["ReserveInventory"].get("TimeoutSeconds", 3)
    calls: list[str] = []
    shop.orders.place(order)
    tasks = _make_tasks(shop, faults, rng, service_s, hop_s, timeout_s, calls)
    execution = run_state_machine(machine, {"order": order.to_dict()}, tasks, seed=rng)
    outcome = shop.outcome(order.order_id)
    failed_step = error = None
    for event in execution.events:
        if event.event == "caught":
            failed_step, error = STEP_OF_STATE[event.state], event.error
            break
    if outcome == "stuck":
        error = execution.error
    run = SagaRun(order.order_id, "orchestration", outcome, execution.duration_s,
                  2 * len(calls), len(calls), failed_step, error, 1)
    return run, execution


def run_without_saga(shop: Shop, order: Order,
                     faults: FaultPlan | ScriptedFaults | None = None, *,
                     seed: int | np.random.Generator = 0, service_s: float = 0.05,
                     hop_s: float = 0.02, timeout_s: float = 3.0) -> SagaRun:
    """The baseline: call the four steps in order, once each; on any error mark the order
    cancelled and stop, with no retries and no compensation.

    >>> shop = Shop.create()
    >>> run = run_without_saga(shop, Order("o1", "customer-0", "sku-0", 1, 25),
    ...                        ScriptedFaults({"fulfil": ["permanent"]}))
    >>> run.outcome, sorted({v.rule for v in shop.violations()})
    ('abandoned', ['inventory-held', 'money-taken'])
    """
    from labkit.core.rng import make_rng

    rng = make_rng(seed)
    _check_saga_args(shop, order, faults)
    service_s = check_nonnegative("service_s", service_s)
    hop_s = check_nonnegative("hop_s", hop_s)
    timeout_s = check_nonnegative("timeout_s", timeout_s)
    faults = faults if faults is not None else FaultPlan()
    shop.orders.place(order)
    payload = order.to_dict()
    elapsed, calls = 0.0, 0
    for step in FORWARD_STEPS:
        calls += 1
        took = 2 * hop_s + (float(rng.exponential(service_s)) if service_s else 0.0)
        try:
            _, timed_out = perform_step(shop, step, payload, faults.draw(step, rng))
        except TaskFailed as exc:
            elapsed += took
            shop.orders.cancel(order.order_id)
            return SagaRun(order.order_id, "no saga", "abandoned", elapsed, 2 * calls, calls,
                           step, exc.error, calls)
        if timed_out:
            elapsed += timeout_s
            shop.orders.cancel(order.order_id)
            return SagaRun(order.order_id, "no saga", "abandoned", elapsed, 2 * calls, calls,
                           step, "States.Timeout", calls)
        elapsed += took
    return SagaRun(order.order_id, "no saga", "completed", elapsed, 2 * calls, calls, None, None,
                   calls)


def needs_attention(execution: Execution) -> bool:
    """The alert rule: a saga execution that failed for any reason other than ``OrderFailed``.

    ``OrderFailed`` means "compensated as designed"; anything else means a compensation gave up
    and the order's ledgers are half undone (on AWS: an EventBridge rule on Step Functions
    "Execution Status Change" events with status FAILED, routed to SNS).

    >>> from labkit.workflows.asl import Execution
    >>> needs_attention(Execution("FAILED", None, "ServiceUnavailable", "", 0.0, ()))
    True
    """
    return execution.status == "FAILED" and execution.error != "OrderFailed"


def repair_order(shop: Shop, order_id: str) -> list[tuple[str, str]]:
    """Finish a stuck order's compensation by hand (every compensation is idempotent).

    Returns the ``(step, status)`` pairs applied, in compensation order.

    >>> shop = Shop.create(); o = Order("o9", "customer-1", "sku-1", 1, 10)
    >>> _ = shop.orders.place(o); _ = perform_step(shop, "reserve", o.to_dict(), None)
    >>> repair_order(shop, "o9")[-1], shop.violations()
    (('cancel_order', 'CANCELLED'), [])
    """
    if order_id not in shop.orders.orders:
        raise ValueError(f"order_id {order_id!r} is not an order of this shop")
    order = shop.orders.orders[order_id].to_dict()
    return [(step, perform_step(shop, step, order, None)[0])
            for step in ("cancel_shipment", "refund", "release", "cancel_order")]


