"""Shared pieces for the property-based fuzz tests (hypothesis).

Every public entry point promises one thing about bad input: it either does its work within a
stated bound or refuses with a documented error (``ValueError``/``TypeError`` or a subclass
such as ``InvalidEventPattern``) whose message says what is wrong. :func:`runs_or_refuses`
checks exactly that for one call; the strategies generate the junk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Settings for the fuzz tests: few examples (CI time) and no per-example deadline (the
#: budget is checked by :func:`runs_or_refuses` instead).
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: The errors public functions document for bad input.
DOCUMENTED = (ValueError, TypeError)

#: Anything a caller might pass where a number is expected.
junk_numbers = st.one_of(
    st.none(), st.booleans(), st.text(max_size=4),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
)

_leaves = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**6, max_value=10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=32),
                    st.text(max_size=6))

#: JSON-like documents: nested dicts and lists of short strings, numbers, booleans and null.
json_documents = st.recursive(
    _leaves,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=6), children, max_size=4)),
    max_leaves=24,
)


def deeply_nested(depth: int, *, leaf: Any = None, key: str = "a") -> dict:
    """``{"a": {"a": ... leaf}}``, ``depth`` levels deep, built without recursion."""
    doc: Any = leaf
    for _ in range(depth):
        doc = {key: doc}
    return doc


def runs_or_refuses(fn: Callable[..., Any], *args: Any,
                    errors: tuple[type[BaseException], ...] = DOCUMENTED,
                    budget_s: float = 2.0, **kwargs: Any) -> tuple[bool, Any]:
    """Call ``fn``; return ``(True, result)`` or ``(False, error)`` for a documented refusal.

    Fails the test on any other exception (``RecursionError``, ``OverflowError``,
    ``AttributeError``, ``KeyError``, ...), on a refusal with an empty message and on a call
    that uses more than ``budget_s`` of CPU time (CPU, not wall time, so a busy CI machine does
    not make the test flaky).
    """
    start = time.process_time()
    try:
        result = fn(*args, **kwargs)
        ok = True
    except errors as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message from {fn.__name__}"
        result, ok = exc, False
    elapsed = time.process_time() - start
    assert elapsed < budget_s, f"{fn.__name__} took {elapsed:.2f} s (budget {budget_s} s)"
    return ok, result
