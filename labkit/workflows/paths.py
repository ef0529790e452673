"""States Language data flow: paths and payload templates.

Step Functions moves JSON between states through ``InputPath`` → ``Parameters`` → task →
``ResultSelector`` → ``ResultPath`` → ``OutputPath``. This module holds the pieces:

- :func:`parse_path`: the JSONPath subset labkit supports (``$``, ``.name``, ``['name']``,
  ``[0]``, and ``[*]`` outside reference paths); ``$$`` starts a context-object path.
- :func:`read_path`: select a sub-tree (raises :class:`PathNotFound` if absent).
- :func:`place_result`: put a result into the state input as ``ResultPath`` does.
- :func:`apply_template`: expand a ``Parameters``/``ResultSelector``/``ItemSelector`` template
  (keys ending in ``.$`` take their value from a path).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "PathNotFound",
    "apply_template",
    "copy_json",
    "parse_path",
    "place_result",
    "read_path",
]

_NAME = re.compile(r"\.([^.\[\]\s]+)")
_QUOTED = re.compile(r"\[(?:'([^']*)'|\"([^\"]*)\")\]")
_INDEX = re.compile(r"\[(\d+)\]")
_WILD = re.compile(r"(?:\[\*\]|\.\*)")

Segment = str | int | None  # None stands for the wildcard ``[*]``


class PathNotFound(LookupError):
    """A path names a field or index the document does not have."""


def parse_path(path: str, *, reference: bool = True) -> tuple[bool, tuple[Segment, ...]]:
    """Parse ``path`` into ``(is_context, segments)``.

    A *reference path* (``InputPath``, ``ResultPath``, ``OutputPath``, Choice ``Variable``)
    names a single node, so the wildcard is refused there.

    >>> parse_path("$.order['id'].items[0]")
    (False, ('order', 'id', 'items', 0))
    >>> parse_path("$$.Map.Item.Value")
    (True, ('Map', 'Item', 'Value'))
    """
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, got {type(path).__name__}")
    if path.startswith("$$"):
        is_context, rest = True, path[2:]
    elif path.startswith("$"):
        is_context, rest = False, path[1:]
    else:
        raise ValueError(f"path {path!r} must start with '$'")
    segments: list[Segment] = []
    pos = 0
    while pos < len(rest):
        for pattern in (_WILD, _NAME, _QUOTED, _INDEX):
            m = pattern.match(rest, pos)
            if m:
                break
        else:
            raise ValueError(f"path {path!r}: cannot parse {rest[pos:]!r} (labkit supports "
                             "$.name, $['name'], $[0] and [*])")
        if pattern is _WILD:
            if reference:
                raise ValueError(f"path {path!r} must be a reference path (no wildcards)")
            segments.append(None)
        elif pattern is _INDEX:
            segments.append(int(m.group(1)))
        elif pattern is _QUOTED:
            segments.append(m.group(1) if m.group(1) is not None else m.group(2))
        else:
            segments.append(m.group(1))
        pos = m.end()
    return is_context, tuple(segments)


def copy_json(value: Any) -> Any:
    """Deep copy of a JSON-like value (dicts, lists and scalars), faster than ``deepcopy``.

    >>> copy_json({"a": [1, {"b": 2}]})
    {'a': [1, {'b': 2}]}
    """
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def _select(node: Any, segments: tuple[Segment, ...], path: str) -> Any:
    for i, seg in enumerate(segments):
        if seg is None:
            if not isinstance(node, list):
                raise PathNotFound(f"path {path!r}: [*] applied to a non-array")
            return [_select(item, segments[i + 1:], path) for item in node]
        if isinstance(seg, int):
            if not isinstance(node, list) or seg >= len(node):
                raise PathNotFound(f"path {path!r}: no index {seg}")
            node = node[seg]
        else:
            if not isinstance(node, dict) or seg not in node:
                raise PathNotFound(f"path {path!r}: no field {seg!r}")
            node = node[seg]
    return node


def read_path(document: Any, path: str, context: Any = None) -> Any:
    """Return the node of ``document`` (or of ``context`` for ``$$`` paths) that ``path`` names.

    >>> read_path({"order": {"id": 7}}, "$.order.id")
    7
    """
    is_context, segments = parse_path(path, reference=False)
    return _select(context if is_context else document, segments, path)


def place_result(state_input: Any, result_path: str | None, result: Any) -> Any:
    """Combine ``state_input`` and ``result`` as ``ResultPath`` does.

    ``"$"`` keeps only the result, ``None`` (JSON null) keeps only the input, ``"$.a.b"``
    writes the result at ``a.b`` inside a copy of the input, creating objects on the way.
    Raises :class:`PathNotFound` when the path runs through a non-object value
    (Step Functions: ``States.ResultPathMatchFailure``).

    >>> place_result({"order": 1}, "$.payment", {"ok": True})
    {'order': 1, 'payment': {'ok': True}}
    >>> place_result({"order": 1}, None, {"ok": True})
    {'order': 1}
    """
    if result_path is None:
        return state_input
    is_context, segments = parse_path(result_path)
    if is_context:
        raise ValueError(f"ResultPath {result_path!r} cannot point into the context object")
    if not segments:
        return result
    doc = copy_json(state_input)
    node = doc
    for seg in segments[:-1]:
        if isinstance(seg, int):
            if not isinstance(node, list) or seg >= len(node):
                raise PathNotFound(f"ResultPath {result_path!r}: no index {seg} in the input")
            node = node[seg]
        else:
            if not isinstance(node, dict):
                raise PathNotFound(f"ResultPath {result_path!r}: {seg!r} is inside a non-object")
            node = node.setdefault(seg, {})
    last = segments[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise PathNotFound(f"ResultPath {result_path!r}: no index {last} in the input")
    elif not isinstance(node, dict):
        raise PathNotFound(f"ResultPath {result_path!r}: cannot add {last!r} to a non-object")
    node[last] = result
    return doc


def apply_template(template: Any, document: Any, context: Any = None) -> Any:
    """Expand a payload template: a key ending in ``.$`` takes the value its path selects.

    >>> apply_template({"id.$": "$.order.id", "kind": "refund"}, {"order": {"id": 7}})
    {'id': 7, 'kind': 'refund'}
    """
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                if not isinstance(value, str) or not value.startswith("$"):
                    raise ValueError(f"template field {key!r} must hold a path starting with "
                                     f"'$' (intrinsic functions are not supported), got {value!r}")
                out[key[:-2]] = copy_json(read_path(document, value, context))
            else:
                out[key] = apply_template(value, document, context)
        return out
    if isinstance(template, list):
        return [apply_template(v, document, context) for v in template]
    return template
