"""Self-checks for exercises: feedback a learner can act on, not a bare assert."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["self_check"]


def _close(answer: Any, expected: Any, tolerance: float) -> bool:
    if isinstance(expected, bool) or isinstance(answer, bool):
        return answer is expected
    if isinstance(expected, int | float) and isinstance(answer, int | float):
        return math.isclose(float(answer), float(expected), rel_tol=tolerance, abs_tol=tolerance)
    return answer == expected


def self_check(exercise: str, answer: Any, expected: Any, *, tolerance: float = 0.0,
               hint: str = "") -> None:
    """Print whether ``answer`` matches ``expected`` (within ``tolerance``, relative or absolute).

    ``answer`` of ``None`` means "not answered yet"; the message says so instead of failing.

    >>> self_check("Exercise 1.1", 0.5, 0.5)
    ✅ Exercise 1.1: correct (0.5).
    >>> self_check("Exercise 1.1", None, 0.5, hint="Divide failures by calls.")
    ✏️ Exercise 1.1: not answered yet. Replace None with your answer. Hint: Divide failures by calls.
    >>> self_check("Exercise 1.1", 0.4, 0.5, tolerance=0.01, hint="Count only recorded calls.")
    ❌ Exercise 1.1: not yet (you have 0.4). Hint: Count only recorded calls.
    """
    if tolerance < 0 or not math.isfinite(tolerance):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    hint_text = f" Hint: {hint}" if hint else ""
    if answer is None:
        print(f"✏️ {exercise}: not answered yet. Replace None with your answer.{hint_text}")
    elif _close(answer, expected, tolerance):
        print(f"✅ {exercise}: correct ({answer!r}).")
    else:
        print(f"❌ {exercise}: not yet (you have {answer!r}).{hint_text}")
