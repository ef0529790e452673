"""EventBridge event patterns: validation and matching.

This module holds the matcher behind every rule on the lab's event bus, written to EventBridge's
semantics (its engine is ``aws/event-ruler``):

* :func:`validate_pattern` refuses the patterns AWS refuses, with AWS's error text, raising
  :class:`InvalidEventPattern`.
* :func:`matches` says whether an event matches a pattern.
* :func:`explain_match` gives the same answer plus one readable line per field, for the pattern
  playground in notebook 03.

The rules, operator by operator:

* A pattern mirrors the event's nesting; every leaf is a non-empty array of matchers. Keys are
  AND-ed, the matchers in one array are OR-ed; ``$or`` ORs whole sub-patterns.
* JSON types are strict: ``"5"`` is not ``5``, ``true`` is not ``1``, ``null`` is neither ``""``
  nor ``"null"``. Numbers compare numerically (``300`` matches ``300.0``).
* A field named in the pattern must exist; only ``{"exists": false}`` matches an absent field.
  ``anything-but`` never matches an absent field but does match ``null``.
* Arrays in the event offer each element separately (any element may match); an empty array is
  like an absent field. Under an array of objects, all pattern fields must be satisfied by one and
  the same element.
* Objects are not leaves: an object-valued field matches no value matcher and counts as absent.

One modelling choice the sources leave open: under an array of objects, ``{"exists": false}`` is
judged per element like every other matcher (an element without the field satisfies it).

One concept per module: :mod:`~labkit.messaging.patterns.syntax` (JSON input, the error),
:mod:`~labkit.messaging.patterns.validation`, :mod:`~labkit.messaging.patterns.complexity`,
:mod:`~labkit.messaging.patterns.matching`, :mod:`~labkit.messaging.patterns.explanation`.
"""

from __future__ import annotations

from labkit.messaging.patterns.complexity import MAX_OR_COMBINATIONS, WILDCARD_COMPLEXITY_LIMIT
from labkit.messaging.patterns.explanation import MatchExplanation, explain_match
from labkit.messaging.patterns.matching import matches
from labkit.messaging.patterns.syntax import (
    MAX_DOCUMENT_CHARS,
    MAX_NESTING,
    InvalidEventPattern,
    load_json,
)
from labkit.messaging.patterns.validation import validate_pattern

__all__ = [
    "MAX_DOCUMENT_CHARS",
    "MAX_NESTING",
    "MAX_OR_COMBINATIONS",
    "WILDCARD_COMPLEXITY_LIMIT",
    "InvalidEventPattern",
    "MatchExplanation",
    "explain_match",
    "load_json",
    "matches",
    "validate_pattern",
]

