"""The pattern document: JSON input, the error EventBridge raises, shared syntax.

:func:`load_json` parses pattern and event text as AWS does (a repeated key keeps its last
value); :class:`InvalidEventPattern` carries AWS's refusal text; the small predicates here
(``$or`` branches, JSON numbers, wildcard tokens) are shared by validation, the complexity
checks and matching.
"""

from __future__ import annotations

import json
from typing import Any

from labkit.core.validation import check_nesting

__all__ = ["MAX_DOCUMENT_CHARS", "MAX_NESTING", "InvalidEventPattern", "load_json"]

#: Bounds on this lab's inputs: nesting of a pattern or event, and length of JSON text
#: (an EventBridge event is at most 256 KB; a pattern's text is far smaller).
MAX_NESTING = 100
MAX_DOCUMENT_CHARS = 1_000_000
#: Simultaneously active wildcard states allowed in one field's matcher (Ruler's complexity check).

_OPERATORS = ("prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric",
              "cidr", "exists")
_MISSING = object()  # sentinel: the field is absent from the event



class InvalidEventPattern(ValueError):
    """A pattern EventBridge would refuse at rule creation; the message is AWS's text, followed
    by where in the pattern the bad element is (``path``, e.g. ``detail.size``)."""

    path: str | None = None


InvalidEventPattern.__module__ = "labkit.messaging.patterns"  # its public home


def load_json(value: Any, name: str = "pattern") -> Any:
    """Return ``value`` parsed from JSON text (a repeated key keeps its last value), or unchanged.

    >>> load_json('{"a": [1], "a": [2]}')
    {'a': [2]}
    """
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    error = InvalidEventPattern if name == "pattern" else ValueError
    if isinstance(value, str):
        if len(value) > MAX_DOCUMENT_CHARS:
            raise error(f"{name} must be at most {MAX_DOCUMENT_CHARS:,} characters on this lab; "
                        f"got {len(value):,}")
        try:
            value = json.loads(value, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise error(f"{name} is not valid JSON: {exc.msg} at position {exc.pos}") from None
        except RecursionError:
            raise error(f"{name} nests deeper than {MAX_NESTING} levels") from None
    try:
        check_nesting(name, value, MAX_NESTING)
    except ValueError as exc:
        raise error(str(exc)) from None
    return value


def _reject_constant(text: str) -> Any:
    raise json.JSONDecodeError(f"{text} is not allowed in JSON", text, 0)


def _is_or(key: str, value: Any) -> bool:
    """Ruler reads ``$or`` as OR only when its value is an array of >= 2 objects."""
    return (key == "$or" and isinstance(value, list) and len(value) >= 2
            and all(isinstance(b, dict) for b in value))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)



_WILDCARD_ESCAPES = ("*", "\\")


def _wildcard_tokens(pattern: str) -> list[str | None]:
    """Split a wildcard pattern into characters, ``None`` standing for ``*``; validate escapes."""
    tokens: list[str | None] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in _WILDCARD_ESCAPES:
                raise InvalidEventPattern(f"Invalid escape character at pos {i}")
            tokens.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            if tokens and tokens[-1] is None:
                raise InvalidEventPattern(
                    f"Consecutive wildcard characters at pos {i} are not allowed")
            tokens.append(None)
        else:
            tokens.append(ch)
        i += 1
    return tokens

