"""Matching: does an event match a (validated) EventBridge pattern, and why."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from labkit.messaging.patterns.syntax import (
    _MISSING,
    _is_number,
    _is_or,
    _wildcard_tokens,
    load_json,
)
from labkit.messaging.patterns.validation import _parse_cidr, validate_pattern

__all__ = ["matches"]


def _flatten(values: list) -> Iterator[Any]:
    for v in values:
        if isinstance(v, list):
            yield from _flatten(v)
        else:
            yield v


def _split_dotted(obj: dict) -> dict:
    """Ruler joins path segments with '.', so ``{"a.b": [..]}`` is the path ``a`` -> ``b``."""
    out: dict = {}
    for key, value in obj.items():
        if _is_or(key, value):
            out[key] = [_split_dotted(branch) for branch in value]
            continue
        if isinstance(value, dict):
            value = _split_dotted(value)
        parts = key.split(".") if "." in key and key != "$or" else [key]
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        last = parts[-1]
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            node[last] = {**node[last], **value}
        else:
            node[last] = value
    return out


def _as_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _literal_equal(literal: Any, value: Any) -> bool:
    """JSON equality with EventBridge's type strictness (never Python's ``True == 1``)."""
    if literal is None:
        return value is None
    if isinstance(literal, bool):
        return isinstance(value, bool) and value is literal
    if _is_number(literal):
        return _is_number(value) and value == literal
    if isinstance(literal, str):
        if not isinstance(value, str):
            return False
        if value == literal:
            return True
        a, b = _as_ip(literal), _as_ip(value)
        return a is not None and a == b
    return False


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    parts = ["^"]
    for tok in _wildcard_tokens(pattern):
        parts.append(".*" if tok is None else re.escape(tok))
    parts.append("$")
    return re.compile("".join(parts), re.DOTALL)


def _lower(s: str) -> str:
    return s.lower()


def _affix_match(op: str, operand: Any, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(operand, dict):
        needle = _lower(operand["equals-ignore-case"])
        hay = _lower(value)
    else:
        needle, hay = operand, value
    return hay.startswith(needle) if op == "prefix" else hay.endswith(needle)


def _numeric_match(operand: list, value: Any) -> bool:
    if not _is_number(value):
        return False
    x = value
    for i in range(0, len(operand), 2):
        op, bound = operand[i], operand[i + 1]
        ok = {"=": x == bound, "<": x < bound, "<=": x <= bound,
              ">": x > bound, ">=": x >= bound}[op]
        if not ok:
            return False
    return True


def _cidr_match(operand: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    ip = _as_ip(value)
    if ip is None:
        return False
    network = _parse_cidr(operand)
    return ip.version == network.version and ip in network


def _anything_but_match(operand: Any, value: Any) -> bool:
    """True when ``value`` (present; may be null) is none of the excluded ones."""
    if isinstance(operand, dict):
        ((inner, spec),) = operand.items()
        items = spec if isinstance(spec, list) else [spec]
        if not isinstance(value, str):
            return True  # a number, null or boolean neither starts, ends nor equals a string
        if inner == "prefix":
            return not any(value.startswith(p) for p in items)
        if inner == "suffix":
            return not any(value.endswith(p) for p in items)
        if inner == "equals-ignore-case":
            return not any(_lower(value) == _lower(p) for p in items)
        return not any(_wildcard_regex(p).match(value) for p in items)
    items = operand if isinstance(operand, list) else [operand]
    return not any(_literal_equal(item, value) for item in items)


def _matcher_match(matcher: Any, value: Any) -> bool:
    """One matcher against one present leaf value (exists is handled by the caller)."""
    if not isinstance(matcher, dict):
        return _literal_equal(matcher, value)
    ((op, operand),) = matcher.items()
    if op in ("prefix", "suffix"):
        return _affix_match(op, operand, value)
    if op == "equals-ignore-case":
        return isinstance(value, str) and _lower(value) == _lower(operand)
    if op == "wildcard":
        return isinstance(value, str) and _wildcard_regex(operand).match(value) is not None
    if op == "anything-but":
        return _anything_but_match(operand, value)
    if op == "numeric":
        return _numeric_match(operand, value)
    if op == "cidr":
        return _cidr_match(operand, value)
    return False  # pragma: no cover - validation rejects everything else


def _leaf_values(value: Any) -> list[Any]:
    """The scalar values a leaf offers: [] means 'absent' (missing, object, empty array)."""
    if value is _MISSING or isinstance(value, dict):
        return []
    if isinstance(value, list):
        return [v for v in _flatten(value) if not isinstance(v, dict)]
    return [value]


def _match_leaf(matchers: list, value: Any, path: str, trace: list[str] | None) -> bool:
    values = _leaf_values(value)
    for matcher in matchers:
        if isinstance(matcher, dict) and "exists" in matcher:
            ok = bool(values) if matcher["exists"] else not values
        else:
            ok = any(_matcher_match(matcher, v) for v in values)
        if ok:
            if trace is not None:
                shown = "absent" if not values else json.dumps(
                    values[0] if not isinstance(value, list) else values)
                trace.append(f"{path}: {shown} matches {json.dumps(matcher)}")
            return True
    if trace is not None:
        shown = "absent" if not values else json.dumps(
            values[0] if not isinstance(value, list) else values)
        trace.append(f"{path}: {shown} matches none of {json.dumps(matchers)}")
    return False


def _match_object(pattern: dict, value: Any, path: str, trace: list[str] | None) -> bool:
    if isinstance(value, list):
        elements = [e for e in _flatten(value) if isinstance(e, dict)]
        if not elements:
            return _match_object(pattern, _MISSING, path, trace)
        for index, element in enumerate(elements):
            sub: list[str] | None = [] if trace is not None else None
            if _match_object(pattern, element, f"{path}[{index}]", sub):
                if trace is not None:
                    trace.extend(sub or [])
                return True
        if trace is not None:
            trace.append(f"{path}: no single array element satisfies all of its fields")
        return False
    ok_all = True
    for key, sub in pattern.items():
        child_path = f"{path}.{key}" if path else key
        if _is_or(key, sub):
            branch_ok = False
            for n, branch in enumerate(sub, start=1):
                btrace: list[str] | None = [] if trace is not None else None
                if _match_object(branch, value, path, btrace):
                    branch_ok = True
                    if trace is not None:
                        trace.append(f"$or branch {n} matches")
                        trace.extend(btrace or [])
                    break
            if not branch_ok:
                if trace is not None:
                    trace.append(f"{child_path}: no $or branch matches")
                ok_all = False
        else:
            child = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
            if isinstance(sub, dict):
                ok = _match_object(sub, child, child_path, trace)
            else:
                ok = _match_leaf(sub, child, child_path, trace)
            ok_all = ok_all and ok
        if not ok_all and trace is None:
            return False
    return ok_all


def _prepare(pattern: Any, event: Any, dialect: str) -> tuple[dict, Any]:
    checked = validate_pattern(pattern, dialect=dialect)
    event = load_json(event, "event")
    if not isinstance(event, Mapping):
        raise TypeError(f"event must be a JSON object (dict), got {type(event).__name__}")
    return _split_dotted(checked), event


def matches(pattern: Any, event: Any) -> bool:
    """Return True when ``event`` matches the EventBridge ``pattern``.

    Both may be dicts or JSON text (JSON text is parsed as AWS parses it: a repeated key keeps its
    last value). The pattern is validated first (:func:`validate_pattern`).

    Examples
    --------
    >>> matches({"detail": {"size": [5]}}, {"detail": {"size": 5.0}})
    True
    >>> matches({"detail": {"size": [5]}}, {"detail": {"size": "5"}})
    False
    >>> matches({"detail": {"ok": [True]}}, {"detail": {"ok": 1}})
    False
    >>> matches({"detail": {"x": [{"anything-but": "a"}]}}, {"detail": {}})
    False
    >>> matches({"detail": {"x": [{"anything-but": "a"}]}}, {"detail": {"x": None}})
    True
    """
    prepared, event = _prepare(pattern, event, "eventbridge")
    return _match_object(prepared, event, "", None)


def _matches_prepared(prepared: dict, event: Mapping) -> bool:
    """Match an already validated and dot-split pattern (used by the bus and topics)."""
    return _match_object(prepared, event, "", None)

