"""Bounded work: every serverless model refuses a run that would draw too many events.

A run's size is its rate times its horizon; :func:`check_expected_work` refuses one above the
model's limit with a ``ValueError`` naming the fields and the limit.
"""

from __future__ import annotations

__all__ = ["check_expected_work"]


def check_expected_work(rate: float, horizon_s: float, limit: int, *,
                        rate_name: str = "arrival_rate", what: str = "requests") -> None:
    """Refuse ``rate x horizon_s`` above ``limit`` expected ``what``.

    >>> check_expected_work(10.0, 60.0, 1_000)
    >>> check_expected_work(10.0, 600.0, 1_000)
    Traceback (most recent call last):
    ...
    ValueError: arrival_rate x horizon_s must be <= 1,000 requests, got 6,000
    """
    total = float(rate) * float(horizon_s)
    if total > limit:
        raise ValueError(f"{rate_name} x horizon_s must be <= {limit:,} {what}, got {total:,.0f}")
