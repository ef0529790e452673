"""From requirements to patterns: rank the patterns of the selection table for a set of
requirements, with the reasons each one fits and the trade-offs that apply.

Scoring is deliberately simple and explainable: a pattern earns its weight (1–3) for every
requested requirement it answers, loses one point for every requested requirement one of its
trade-offs works against, and is listed only if it answers at least one. Ties are broken by how
many requirements it covers, then by name.

Contents
    recommend, Recommendation, RequirementsError, EmptyRequirementsError,
    ContradictoryRequirementsError
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from labkit.guide.catalog import Pattern, PatternCatalog, load_catalog

__all__ = ["ContradictoryRequirementsError", "EmptyRequirementsError", "Recommendation",
           "RequirementsError", "recommend"]


class RequirementsError(ValueError):
    """The requirements cannot be ranked (empty, unknown or contradictory)."""


class EmptyRequirementsError(RequirementsError):
    """No requirement was chosen."""


class ContradictoryRequirementsError(RequirementsError):
    """Two chosen requirements cannot both hold."""


@dataclass(frozen=True)
class Recommendation:
    """One ranked pattern: its score, why it fits, and what it costs for these requirements."""

    rank: int
    pattern: Pattern
    score: int
    covers: tuple[str, ...]
    reasons: tuple[str, ...]
    conflicts: tuple[str, ...]
    tradeoffs: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """A flat row (for a DataFrame or a table)."""
        return {"rank": self.rank, "pattern": self.pattern.name, "score": self.score,
                "notebook": self.pattern.notebook, "covers": ", ".join(self.covers),
                "aws_services": "; ".join(self.pattern.aws_services),
                "why": " ".join(self.reasons), "watch_out": " ".join(self.conflicts)}


def _check(requirements: Iterable[str], catalog: PatternCatalog) -> tuple[str, ...]:
    if isinstance(requirements, str):
        raise TypeError("requirements must be a collection of requirement ids, not one string; "
                        f"e.g. [{requirements!r}]")
    chosen = tuple(dict.fromkeys(requirements))
    if not chosen:
        raise EmptyRequirementsError(
            "requirements is empty: choose at least one of "
            f"{', '.join(r.id for r in catalog.requirements)}")
    known = {r.id for r in catalog.requirements}
    unknown = [r for r in chosen if r not in known]
    if unknown:
        raise RequirementsError(f"unknown requirements {unknown}; "
                                f"known: {', '.join(sorted(known))}")
    for c in catalog.contradictions:
        if set(c.requirements) <= set(chosen):
            a, b = (catalog.requirement(x).label for x in c.requirements)
            raise ContradictoryRequirementsError(
                f"requirements {c.requirements[0]!r} ('{a}') and {c.requirements[1]!r} ('{b}') "
                f"contradict each other: {c.reason}")
    return chosen


def recommend(requirements: Iterable[str], *, catalog: PatternCatalog | None = None,
              limit: int | None = None) -> list[Recommendation]:
    """Rank the patterns that answer ``requirements`` (requirement ids from the catalog).

    Raises :class:`EmptyRequirementsError` for no requirements,
    :class:`ContradictoryRequirementsError` for a pair that cannot both hold, and
    :class:`RequirementsError` for unknown ids (all are ``ValueError``).

    >>> top = recommend(["duplicate_delivery"])[0]
    >>> top.pattern.name, top.pattern.notebook
    ('Idempotent consumer (processed-keys table)', '03-event-driven.ipynb')
    >>> recommend([])
    Traceback (most recent call last):
    ...
    labkit.guide.recommend.EmptyRequirementsError: requirements is empty: choose at least one of ...
    """
    catalog = catalog or load_catalog()
    chosen = _check(requirements, catalog)
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
    scored = []
    for p in catalog.patterns:
        covers = [r for r in chosen if p.weight_for(r)]
        if not covers:
            continue
        gain = sum(p.weight_for(r) for r in covers)
        reasons = tuple(f"{catalog.requirement(s.requirement).label}: {s.reason}."
                        for s in p.serves if s.requirement in covers)
        hurt = [(t, [h for h in t.hurts if h in chosen]) for t in p.tradeoffs]
        conflicts = tuple(f"{t.text} (works against: "
                          f"{', '.join(catalog.requirement(h).label.lower() for h in hs)})"
                          for t, hs in hurt if hs)
        penalty = len({h for _, hs in hurt for h in hs})
        scored.append((gain - penalty, len(covers), p, tuple(covers), reasons, conflicts,
                       tuple(t.text for t in p.tradeoffs)))
    scored.sort(key=lambda x: (-x[0], -x[1], x[2].name))
    if limit is not None:
        scored = scored[:limit]
    return [Recommendation(i + 1, p, score, covers, reasons, conflicts, tradeoffs)
            for i, (score, _, p, covers, reasons, conflicts, tradeoffs) in enumerate(scored)]
