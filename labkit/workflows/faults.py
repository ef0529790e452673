"""Fault injection for the order saga's service calls.

Each call to a saga step asks a fault source what happens to it: nothing (``None``),
``"transient"`` (the service is briefly unavailable; nothing happened; worth retrying),
``"permanent"`` (a business refusal such as ``PaymentDeclined``; nothing happened; retrying
will not help) or ``"timeout"`` (the work *was done* but the reply came too late, so the caller
sees ``States.Timeout``).

- :class:`FaultPlan`: random faults with a probability per forward step, a mix of kinds, a
  transient-fault probability for compensations and a set of *broken* steps that always fail.
- :class:`ScriptedFaults`: an explicit list of outcomes per step (for tests and hypothesis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from labkit.core.validation import check_choice, check_nonnegative, check_probability

__all__ = ["COMPENSATIONS", "FAULT_KINDS", "FORWARD_STEPS", "FaultPlan", "ScriptedFaults"]

#: Forward steps of the order saga and the compensation that undoes each (in that order).
FORWARD_STEPS = ("reserve", "charge", "fulfil", "complete")
COMPENSATIONS = ("release", "refund", "cancel_shipment", "cancel_order")
FAULT_KINDS = ("transient", "permanent", "timeout")


@dataclass(frozen=True)
class FaultPlan:
    """Random faults for saga steps.

    Parameters
    ----------
    rates
        Failure probability per call of each forward step (missing steps never fail).
    kinds
        Relative weights of ``transient``, ``permanent`` and ``timeout`` for forward faults.
    compensation_rate
        Probability that a compensation call fails transiently (a fifth of these are
        timeouts: the compensation was applied but the reply was lost).
    broken
        Steps that fail on every call, e.g. ``{"refund"}`` for a payment provider that is down.

    >>> plan = FaultPlan({"charge": 1.0}, kinds={"permanent": 1.0})
    >>> plan.draw("charge", np.random.default_rng(0)), plan.draw("reserve", None)
    ('permanent', None)
    """

    rates: Mapping[str, float] = field(default_factory=dict)
    kinds: Mapping[str, float] = field(
        default_factory=lambda: {"transient": 0.6, "permanent": 0.3, "timeout": 0.1})
    compensation_rate: float = 0.0
    broken: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for step, p in self.rates.items():
            check_choice("rates key", step, FORWARD_STEPS)
            check_probability(f"rates[{step!r}]", p)
        for kind, w in self.kinds.items():
            check_choice("kinds key", kind, FAULT_KINDS)
            check_nonnegative(f"kinds[{kind!r}]", w)
        if sum(self.kinds.values()) <= 0:
            raise ValueError("kinds must have a positive total weight")
        check_probability("compensation_rate", self.compensation_rate)
        for step in self.broken:
            check_choice("broken step", step, FORWARD_STEPS + COMPENSATIONS)
        object.__setattr__(self, "broken", frozenset(self.broken))
        weights = np.array([self.kinds.get(k, 0.0) for k in FAULT_KINDS], dtype=float)
        object.__setattr__(self, "_cumulative", np.cumsum(weights / weights.sum()))

    def draw(self, step: str, rng: np.random.Generator | None) -> str | None:
        """What happens to this call of ``step``: None or a fault kind."""
        if step in self.broken:
            return "transient"
        if step in COMPENSATIONS:
            if self.compensation_rate and rng.random() < self.compensation_rate:
                return "timeout" if rng.random() < 0.2 else "transient"
            return None
        p = self.rates.get(step, 0.0)
        if p and rng.random() < p:
            u = rng.random()
            return FAULT_KINDS[int(np.searchsorted(self._cumulative, u, side="right"))]
        return None


@dataclass
class ScriptedFaults:
    """Outcomes played back per step, one per call; after the script runs out, calls succeed.

    >>> s = ScriptedFaults({"charge": ["transient", None, "permanent"]})
    >>> [s.draw("charge", None) for _ in range(4)]
    ['transient', None, 'permanent', None]
    """

    script: Mapping[str, Sequence[str | None]]

    def __post_init__(self) -> None:
        self._left = {}
        for step, outcomes in self.script.items():
            check_choice("script key", step, FORWARD_STEPS + COMPENSATIONS)
            for kind in outcomes:
                if kind is not None:
                    check_choice(f"script[{step!r}] entry", kind, FAULT_KINDS)
            self._left[step] = list(outcomes)

    def draw(self, step: str, rng: np.random.Generator | None) -> str | None:
        left = self._left.get(step)
        return left.pop(0) if left else None
