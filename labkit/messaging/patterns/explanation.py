"""Explanation: the match result with one readable line per field (the playground's text)."""

from __future__ import annotations

from typing import Any

from labkit.messaging.patterns.matching import _match_object, _prepare

__all__ = ["MatchExplanation", "explain_match"]


class MatchExplanation:
    """The result of :func:`explain_match`: ``.matched`` and one ``.reasons`` line per field."""

    def __init__(self, matched: bool, reasons: list[str]):
        self.matched = matched
        self.reasons = reasons

    def __bool__(self) -> bool:
        return self.matched

    def __repr__(self) -> str:
        head = "MATCH" if self.matched else "NO MATCH"
        return "\n".join([head, *("  " + r for r in self.reasons)])

    __str__ = __repr__


def explain_match(pattern: Any, event: Any) -> MatchExplanation:
    """Match like :func:`matches` and say why, field by field.

    Examples
    --------
    >>> print(explain_match({"source": ["shop"]}, {"source": "shop"}))
    MATCH
      source: "shop" matches "shop"
    """
    prepared, event = _prepare(pattern, event, "eventbridge")
    reasons: list[str] = []
    matched = _match_object(prepared, event, "", reasons)
    return MatchExplanation(matched, reasons)
