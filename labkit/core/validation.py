"""Argument checks shared by every public function.

Each helper returns the checked value (converted to ``float`` or ``int``) or raises
``ValueError``/``TypeError`` naming the parameter and the accepted range, so bad input never
turns into a silent wrong answer deep inside a simulation.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = [
    "check_choice",
    "check_finite",
    "check_int",
    "check_limit",
    "check_nesting",
    "check_nonnegative",
    "check_percent",
    "check_positive",
    "check_probability",
    "check_time",
    "check_window",
]


def _as_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def check_finite(name: str, value: object) -> float:
    """Return ``value`` as a float; reject NaN and infinities.

    >>> check_finite("now", 2)
    2.0
    """
    x = _as_real(name, value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x!r}")
    return x


def check_positive(name: str, value: object, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float if it is > 0 (and finite unless ``allow_inf``).

    >>> check_positive("arrival_rate", 5)
    5.0
    """
    x = _as_real(name, value)
    if math.isnan(x) or x <= 0 or (math.isinf(x) and not allow_inf):
        bound = "(0, inf]" if allow_inf else "(0, inf)"
        raise ValueError(f"{name} must be in {bound}, got {x!r}")
    return x


def check_nonnegative(name: str, value: object, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float if it is >= 0 (and finite unless ``allow_inf``).

    >>> check_nonnegative("duration_s", 0)
    0.0
    """
    x = _as_real(name, value)
    if math.isnan(x) or x < 0 or (math.isinf(x) and not allow_inf):
        bound = "[0, inf]" if allow_inf else "[0, inf)"
        raise ValueError(f"{name} must be in {bound}, got {x!r}")
    return x


def check_probability(name: str, value: object) -> float:
    """Return ``value`` as a float if it lies in [0, 1].

    >>> check_probability("failure_probability", 0.25)
    0.25
    """
    x = _as_real(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {x!r}")
    return x


def check_percent(name: str, value: object) -> float:
    """Return ``value`` as a float if it lies in (0, 100] (a resilience4j-style threshold).

    >>> check_percent("failure_rate_threshold", 50)
    50.0
    """
    x = _as_real(name, value)
    if not 0.0 < x <= 100.0:
        raise ValueError(f"{name} must be a percentage in (0, 100], got {x!r}")
    return x


def check_int(name: str, value: object, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is integral and within [minimum, maximum].

    >>> check_int("servers", 3, minimum=1)
    3
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    x = int(value)
    if (minimum is not None and x < minimum) or (maximum is not None and x > maximum):
        lo = "-inf" if minimum is None else str(minimum)
        hi = "inf" if maximum is None else str(maximum)
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {x}")
    return x


def check_choice(name: str, value: object, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``.

    >>> check_choice("window_type", "count", ("count", "time"))
    'count'
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return str(value)


def check_time(name: str, now: object, last: float | None) -> float:
    """Return ``now`` as a float if it is finite and not earlier than ``last``.

    Clock-injected logic calls this so time never runs backwards.

    >>> check_time("now", 3.0, 2.5)
    3.0
    """
    t = check_finite(name, now)
    if last is not None and t < last:
        raise ValueError(f"{name} must not go backwards: got {t!r} after {last!r}")
    return t


def check_limit(name: str, value: object, limit: int, *, minimum: int = 0,
                why: str = "on this lab") -> int:
    """Return ``value`` as an int if it lies in [minimum, limit]; the error states the bound.

    Used for sizes, counts and horizons a notebook could push past what a laptop can run.

    >>> check_limit("rows", 1_000, 50_000_000)
    1000
    >>> check_limit("rows", 10**10, 50_000_000)
    Traceback (most recent call last):
    ...
    ValueError: rows must be <= 50,000,000 on this lab; got 10,000,000,000
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    x = int(value)
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum:,}; got {x:,}")
    if x > limit:
        raise ValueError(f"{name} must be <= {limit:,} {why}; got {x:,}")
    return x


def check_nesting(name: str, document: object, max_depth: int) -> None:
    """Raise ``ValueError`` if dicts and lists in ``document`` nest deeper than ``max_depth``.

    Walks the document with an explicit stack, so a pathological document cannot exhaust
    Python's recursion limit before it is refused.

    >>> check_nesting("pattern", {"a": {"b": [1]}}, 3)
    >>> check_nesting("pattern", {"a": {"b": {"c": [1]}}}, 3)
    Traceback (most recent call last):
    ...
    ValueError: pattern nests deeper than 3 levels at $.a.b.c; simplify it
    """
    # Each entry: (node, depth, link) where link = (parent link, key) rebuilds the path only
    # when it is needed for the error message.
    stack: list[tuple[object, int, tuple | None]] = [(document, 0, None)]
    while stack:
        node, depth, link = stack.pop()
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, (list, tuple)):
            items = enumerate(node)
        else:
            continue
        if depth >= max_depth:
            raise ValueError(f"{name} nests deeper than {max_depth} levels at {_path(link)}; "
                             "simplify it")
        for key, child in items:
            if isinstance(child, (dict, list, tuple)):
                stack.append((child, depth + 1, (link, key)))


def _path(link: tuple | None) -> str:
    keys = []
    while link is not None:
        link, key = link
        keys.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    path = "$" + "".join(reversed(keys))
    return path if len(path) <= 60 else path[:28] + "..." + path[-28:]


def check_window(name: str, start_s: object, end_s: object,
                 horizon_s: float) -> tuple[float, float]:
    """Return ``(start_s, end_s)`` as floats if ``0 <= start_s < end_s <= horizon_s``.

    For a time window inside a run, such as an incident; the error names the fields
    ``<name>_start_s`` and ``<name>_end_s``.

    >>> check_window("incident", 10, 20, 60)
    (10.0, 20.0)
    >>> check_window("incident", 30, 20, 60)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: the incident must satisfy 0 <= incident_start_s < incident_end_s <= ... (30, 20)
    """
    start = check_nonnegative(f"{name}_start_s", start_s)
    end = check_nonnegative(f"{name}_end_s", end_s)
    if not start < end <= horizon_s:
        raise ValueError(f"the {name} must satisfy 0 <= {name}_start_s < {name}_end_s "
                         f"<= horizon_s ({horizon_s:g}), got ({start:g}, {end:g})")
    return start, end


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
