"""Retry and Catch rules of the States Language.

- :func:`retry_delay`: the wait before the k-th retry of one retrier:
  ``IntervalSeconds × BackoffRate^(k−1)``, capped at ``MaxDelaySeconds``, then full jitter
  (``uniform(0, d)``) if ``JitterStrategy`` is ``FULL``: backoff, then cap, then jitter.
- :func:`find_retrier` / :func:`find_catcher`: the first rule whose ``ErrorEquals`` matches;
  only that retrier applies, even when it is exhausted.
- :data:`RETRIER_DEFAULTS`: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0, no cap, NONE.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from labkit.workflows.errors import InvalidDefinition, error_matches

__all__ = ["RETRIER_DEFAULTS", "delay_before_retry", "find_catcher", "find_retrier",
           "retry_delay"]

RETRIER_DEFAULTS: dict[str, Any] = {
    "IntervalSeconds": 1,
    "MaxAttempts": 3,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": None,
    "JitterStrategy": "NONE",
}


def retry_delay(retrier: dict[str, Any], k: int, rng: np.random.Generator | None = None) -> float:
    """Seconds to wait before retry number ``k`` (1, 2, ...) of ``retrier``.

    >>> [retry_delay({"ErrorEquals": ["X"]}, k) for k in (1, 2, 3)]
    [1.0, 2.0, 4.0]
    >>> [retry_delay({"ErrorEquals": ["X"], "IntervalSeconds": 3, "BackoffRate": 1.5}, k)
    ...  for k in (1, 2)]
    [3.0, 4.5]
    >>> retry_delay({"ErrorEquals": ["X"], "IntervalSeconds": 2, "MaxDelaySeconds": 5}, 4)
    5.0

    The retrier is checked as Step Functions checks it (``IntervalSeconds`` an integer
    >= 1, ``BackoffRate`` a finite number >= 1.0, ...); ``k`` runs from 1 to 99,999,999 (the
    largest ``MaxAttempts``):

    >>> retry_delay({"ErrorEquals": ["X"], "IntervalSeconds": -1}, 1)
    Traceback (most recent call last):
    ...
    labkit.workflows.errors.InvalidDefinition: invalid state machine definition: retrier: \
Retry[0].IntervalSeconds must be an integer in [1, 99999999], got -1
    """
    from labkit.workflows.validate import retrier_problems

    problems = retrier_problems(retrier)
    if problems:
        raise InvalidDefinition(problems)
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"k must be an integer, got {type(k).__name__} {k!r}")
    if not 1 <= k <= 99_999_999:
        raise ValueError(f"k (the retry number) must be in [1, 99999999], got {k}")
    return delay_before_retry(retrier, k, rng)


def delay_before_retry(retrier: dict[str, Any], k: int,
                       rng: np.random.Generator | None = None) -> float:
    """:func:`retry_delay` for a retrier already validated (the executor's fast path)."""
    interval = retrier.get("IntervalSeconds", RETRIER_DEFAULTS["IntervalSeconds"])
    rate = float(retrier.get("BackoffRate", RETRIER_DEFAULTS["BackoffRate"]))
    cap = retrier.get("MaxDelaySeconds")
    log_delay = math.log(interval) + (k - 1) * math.log(rate)
    if log_delay > math.log(1e300):
        if cap is None:
            raise ValueError(f"retry k={k} would wait IntervalSeconds x BackoffRate^(k-1) = "
                             f"about 10^{log_delay / math.log(10):.0f} s, more than a float "
                             "holds; set MaxDelaySeconds or a smaller MaxAttempts")
        delay = float(cap)
    else:
        delay = float(interval) * rate ** (k - 1)
    if cap is not None:
        delay = min(delay, float(cap))
    if retrier.get("JitterStrategy", "NONE") == "FULL":
        if rng is None:
            raise ValueError("JitterStrategy FULL needs an rng (numpy Generator)")
        delay = float(rng.uniform(0.0, delay))
    return delay


def _first(rules: list[dict[str, Any]], error: str) -> int | None:
    for i, rule in enumerate(rules):
        if any(error_matches(name, error) for name in rule["ErrorEquals"]):
            return i
    return None


def find_retrier(retriers: list[dict[str, Any]], error: str) -> int | None:
    """Index of the first retrier matching ``error`` (None if none matches).

    >>> find_retrier([{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 0},
    ...               {"ErrorEquals": ["States.ALL"]}], "States.Timeout")
    0
    """
    return _first(retriers, error)


def find_catcher(catchers: list[dict[str, Any]], error: str) -> int | None:
    """Index of the first catcher matching ``error`` (None if none matches).

    >>> find_catcher([{"ErrorEquals": ["States.TaskFailed"], "Next": "A"}], "States.Timeout")
    """
    return _first(catchers, error)
