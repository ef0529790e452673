"""Validation: refuse the patterns EventBridge (or SNS) refuses, with AWS's error text."""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from labkit.messaging.patterns.complexity import (
    MAX_OR_COMBINATIONS,
    WILDCARD_COMPLEXITY_LIMIT,
    _or_combinations,
    _value_combinations,
    _wildcard_complexity,
)
from labkit.messaging.patterns.syntax import (
    _OPERATORS,
    InvalidEventPattern,
    _is_number,
    _is_or,
    _wildcard_tokens,
    load_json,
)

__all__ = ["validate_pattern"]


def validate_pattern(pattern: Any, *, dialect: str = "eventbridge") -> dict:
    """Check ``pattern`` (a dict or JSON text) and return it as a dict.

    Raises :class:`InvalidEventPattern` with EventBridge's message for every shape AWS refuses:
    a leaf that is not an array, an empty array, an unknown or mis-cased operator, a bad numeric
    range, a non-string operand, ``**`` or an over-complex wildcard, ``null``/booleans inside an
    ``anything-but`` list, an empty ``anything-but`` prefix/suffix, a CIDR without ``/`` or with a
    full-length mask, and ``$or`` expansions over 1000 combinations.

    ``dialect="sns"`` applies the SNS filter-policy differences instead (no wildcard, no
    anything-but suffix/ignore-case/wildcard, at most 5 top-level keys and 150 combinations).

    Examples
    --------
    >>> validate_pattern({"source": ["aws.ec2"]})
    {'source': ['aws.ec2']}
    >>> validate_pattern({"source": "aws.ec2"})
    Traceback (most recent call last):
    ...
    labkit.messaging.patterns.InvalidEventPattern: "source" must be an object or an array
    """
    if dialect not in ("eventbridge", "sns"):
        raise ValueError(f"dialect must be one of 'eventbridge', 'sns'; got {dialect!r}")
    pattern = load_json(pattern, "pattern")
    if not isinstance(pattern, dict):
        raise InvalidEventPattern("Event pattern must be a JSON object")
    if not pattern and dialect == "eventbridge":
        raise InvalidEventPattern("Event pattern must name at least one field: EventBridge "
                                  "refuses the empty pattern {}")
    _validate_object(pattern, dialect)
    combos = _or_combinations(pattern)
    if dialect == "eventbridge" and combos > MAX_OR_COMBINATIONS:
        raise InvalidEventPattern(
            f"The rule has {combos} $or combinations; the limit is {MAX_OR_COMBINATIONS}")
    if dialect == "sns":
        if len([k for k in pattern if k != "$or"]) > 5 and "$or" not in pattern:
            raise InvalidEventPattern("Filter policy can not have more than 5 keys")
        total = _value_combinations(pattern)
        if total > 150:
            raise InvalidEventPattern(
                f"Filter policy is too complex: {total} combinations, the limit is 150")
    return pattern


def _validate_object(obj: dict, dialect: str, path: str = "") -> None:
    for key, value in obj.items():
        if not isinstance(key, str):
            raise InvalidEventPattern(f"Field names must be strings, got {key!r}")
        where = f"{path}.{key}" if path else key
        try:
            _validate_field(key, value, dialect, where)
        except InvalidEventPattern as exc:
            if getattr(exc, "path", None) is None:  # add where it happened, once
                nested = where != key
                located = InvalidEventPattern(f"{exc} (at {where})" if nested else str(exc))
                located.path = where
                raise located from None
            raise


def _validate_field(key: str, value: Any, dialect: str, where: str) -> None:
    if _is_or(key, value):
        for i, branch in enumerate(value):
            if not branch:
                raise InvalidEventPattern("Each $or branch must be a non-empty object")
            _validate_object(branch, dialect, f"{where}[{i}]")
    elif isinstance(value, dict):
        if not value:
            raise InvalidEventPattern(f'"{key}" must be a non-empty object')
        _validate_object(value, dialect, where)
    elif isinstance(value, list):
        if not value:
            raise InvalidEventPattern("Empty arrays are not allowed")
        for matcher in value:
            _validate_matcher(matcher, dialect)
    else:
        raise InvalidEventPattern(f'"{key}" must be an object or an array')


def _validate_matcher(matcher: Any, dialect: str) -> None:
    if matcher is None or isinstance(matcher, (str, bool)):
        return
    if isinstance(matcher, (int, float)):
        if not math.isfinite(matcher):
            raise InvalidEventPattern("Match value must be a finite number")
        return
    if isinstance(matcher, list):
        raise InvalidEventPattern("Match value must be String, number, true, false, or null")
    if not isinstance(matcher, dict):
        raise InvalidEventPattern(f"Unsupported match value {matcher!r}")
    if len(matcher) != 1:
        if not matcher:
            raise InvalidEventPattern("Empty objects are not allowed in a match expression")
        raise InvalidEventPattern("Only one key allowed in match expression")
    ((op, operand),) = matcher.items()
    if op not in _OPERATORS:
        raise InvalidEventPattern(f"Unrecognized match type {op}")
    if dialect == "sns" and op == "wildcard":
        raise InvalidEventPattern("Unrecognized match type wildcard")
    if op in ("prefix", "suffix"):
        _validate_affix(op, operand)
    elif op == "equals-ignore-case":
        _need_string("equals-ignore-case", operand)
    elif op == "wildcard":
        _validate_wildcard(operand)
    elif op == "exists":
        if not isinstance(operand, bool):
            raise InvalidEventPattern("exists match pattern must be either true or false.")
    elif op == "numeric":
        _validate_numeric(operand)
    elif op == "cidr":
        _parse_cidr(operand)
    elif op == "anything-but":
        _validate_anything_but(operand, dialect)


def _need_string(op: str, operand: Any) -> str:
    if not isinstance(operand, str):
        raise InvalidEventPattern(f"{op} match pattern must be a string")
    return operand


def _validate_affix(op: str, operand: Any) -> None:
    if isinstance(operand, dict):
        if len(operand) != 1:
            raise InvalidEventPattern(f"{op} match pattern must be a string")
        ((inner, value),) = operand.items()
        if inner != "equals-ignore-case":
            raise InvalidEventPattern(f"Unsupported {op} pattern: {inner}")
        _need_string("equals-ignore-case", value)
        return
    _need_string(op, operand)



def _validate_wildcard(operand: Any) -> None:
    pattern = _need_string("wildcard", operand)
    tokens = _wildcard_tokens(pattern)
    if _wildcard_complexity(tokens) > WILDCARD_COMPLEXITY_LIMIT:
        raise InvalidEventPattern(
            "Rule is too complex - try using fewer wildcard characters or fewer repeating "
            "character sequences after a wildcard character")


_RANGE_OPS = ("=", "<", "<=", ">", ">=")



def _validate_numeric(operand: Any) -> list[tuple[str, float]]:
    if not isinstance(operand, list):
        raise InvalidEventPattern("Value of numeric must be an array.")
    if not operand:
        raise InvalidEventPattern("Empty arrays are not allowed")
    comparisons: list[tuple[str, float]] = []
    i = 0
    while i < len(operand):
        op = operand[i]
        if not isinstance(op, str) or op not in _RANGE_OPS:
            raise InvalidEventPattern(f"Unrecognized numeric range operator: {op}")
        if i + 1 >= len(operand) or not _is_number(operand[i + 1]) \
                or not math.isfinite(operand[i + 1]):
            raise InvalidEventPattern(f"Value of {op} must be numeric")
        comparisons.append((op, float(operand[i + 1])))
        i += 2
    first = comparisons[0][0]
    if first == "=":
        if len(comparisons) > 1:
            raise InvalidEventPattern(f"Bad numeric range operator: {comparisons[1][0]}")
        return comparisons
    if len(comparisons) > 2:
        raise InvalidEventPattern(f"Bad numeric range operator: {comparisons[2][0]}")
    if len(comparisons) == 2:
        (lo_op, lo), (hi_op, hi) = comparisons
        if lo_op not in (">", ">="):
            raise InvalidEventPattern(f"Bad numeric range operator: {hi_op}")
        if hi_op not in ("<", "<="):
            raise InvalidEventPattern(f"Bad numeric range operator: {hi_op}")
        if not lo < hi:
            raise InvalidEventPattern("Bottom must be less than top")
    return comparisons


def _parse_cidr(operand: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(operand, str):
        raise InvalidEventPattern("cidr match pattern must be a string")
    if operand.count("/") != 1:
        raise InvalidEventPattern("Malformed CIDR, one '/' required")
    address, bits = operand.split("/")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise InvalidEventPattern(f"Nonstandard IP address: {address}") from None
    limit = 32 if ip.version == 4 else 128
    if not bits.isdigit() or not 0 <= int(bits) < limit:
        raise InvalidEventPattern(
            f"Malformed CIDR, mask bits must be between 0 and {limit - 1}: {operand}")
    return ipaddress.ip_network(operand, strict=False)  # host bits are floored


def _validate_anything_but(operand: Any, dialect: str) -> None:
    if isinstance(operand, dict):
        if len(operand) != 1:
            raise InvalidEventPattern(
                "Value of anything-but must be an array or single string/number value.")
        ((inner, value),) = operand.items()
        allowed = ("prefix",) if dialect == "sns" else (
            "prefix", "suffix", "equals-ignore-case", "wildcard")
        if inner not in allowed:
            raise InvalidEventPattern(f"Unsupported anything-but pattern: {inner}")
        items = value if isinstance(value, list) else [value]
        if not items:
            raise InvalidEventPattern("Empty arrays are not allowed")
        for item in items:
            if isinstance(item, dict):
                raise InvalidEventPattern(
                    "Value of anything-but must be an array or single string/number value.")
            if inner in ("prefix", "suffix"):
                if not isinstance(item, str):
                    raise InvalidEventPattern(f"{inner} match pattern must be a string")
                if item == "":
                    raise InvalidEventPattern("Null prefix/suffix not allowed")
            elif inner == "wildcard":
                _validate_wildcard(item)
            else:
                _need_string("equals-ignore-case", item)
        return
    if isinstance(operand, list):
        if not operand:
            raise InvalidEventPattern("Empty arrays are not allowed")
        for item in operand:
            if not (isinstance(item, str) or _is_number(item)):
                raise InvalidEventPattern(
                    "Inside anything but list, start|null|boolean is not supported.")
        if len({isinstance(item, str) for item in operand}) > 1:
            raise InvalidEventPattern(
                "Inside anything but list, all values must be strings or all numbers.")
        return
    if isinstance(operand, str) or _is_number(operand):
        return
    raise InvalidEventPattern(
        "Value of anything-but must be an array or single string/number value.")


