"""Choosing by habit vs choosing from requirements: how much of each example system's
requirements a fixed favourite set of patterns covers, against the recommender's top picks.

Contents
    coverage, compare_with_habit, HABIT
"""

from __future__ import annotations

from collections.abc import Sequence

from labkit.core.validation import check_int
from labkit.guide.catalog import PatternCatalog, load_catalog
from labkit.guide.recommend import recommend

__all__ = ["HABIT", "compare_with_habit", "coverage"]

#: The "one design for everything" baseline: a queue between services and a circuit breaker.
HABIT: tuple[str, ...] = ("async_queue", "circuit_breaker")


def coverage(requirements: Sequence[str], pattern_ids: Sequence[str], *,
             catalog: PatternCatalog | None = None) -> tuple[float, tuple[str, ...]]:
    """Share of ``requirements`` answered by at least one of ``pattern_ids``, and the
    requirements those patterns work against (their trade-offs' ``hurts``).

    >>> coverage(["fail_fast", "audit_history"], ["circuit_breaker"])
    (0.5, ())
    """
    catalog = catalog or load_catalog()
    if not requirements:
        raise ValueError("requirements must not be empty")
    patterns = [catalog.pattern(p) for p in pattern_ids]
    served = [r for r in requirements if any(p.weight_for(r) for p in patterns)]
    hurt = tuple(dict.fromkeys(h for p in patterns for t in p.tradeoffs for h in t.hurts
                               if h in requirements))
    return len(served) / len(requirements), hurt


def compare_with_habit(*, habit: Sequence[str] = HABIT, top: int = 4,
                       catalog: PatternCatalog | None = None):
    """One row per example system of the catalog: requirement coverage and conflicts of the
    habitual design and of the recommender's ``top`` patterns.

    Columns: ``system``, ``requirements``, ``habit_coverage``, ``habit_conflicts``,
    ``recommended``, ``recommended_coverage``, ``recommended_conflicts``.
    """
    import pandas as pd

    check_int("top", top, minimum=1)
    catalog = catalog or load_catalog()
    rows = []
    for system, wanted in catalog.examples:
        h_cov, h_hurt = coverage(wanted, habit, catalog=catalog)
        picks = [r.pattern.id for r in recommend(wanted, catalog=catalog, limit=top)]
        r_cov, r_hurt = coverage(wanted, picks, catalog=catalog)
        rows.append({"system": system, "requirements": len(wanted),
                     "habit_coverage": h_cov, "habit_conflicts": len(h_hurt),
                     "recommended": ", ".join(catalog.pattern(p).name for p in picks),
                     "recommended_coverage": r_cov, "recommended_conflicts": len(r_hurt)})
    return pd.DataFrame(rows)
