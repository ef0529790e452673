"""IAM ``Condition`` blocks: parsing, normalisation and evaluation against a request context.

Block logic (IAM UG *Conditions with multiple context keys or values*):

- several operators -> AND; several keys under one operator -> AND;
- several values under a **positive** operator -> OR; under a **negated** operator
  (``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress``, ...) -> NOR: true only when the request
  value equals none of them;
- a key missing from the request: positive operator -> false, negated -> true;
  ``...IfExists`` -> true; ``Null: {"k": "true"}`` -> true when absent, ``"false"`` when present;
- ``ForAnyValue:`` / ``ForAllValues:`` for multi-valued keys (``ForAllValues`` is true for an
  absent or empty key, ``ForAnyValue`` false).

Key names are case-insensitive; values keep their case except under the ``...IgnoreCase``
operators. JSON booleans and numbers in policies and contexts are normalised to the strings IAM
compares (``false`` -> ``"false"``, never Python's ``"False"``).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from labkit.org.matching import arn_like, glob_matches

__all__ = [
    "CONDITION_OPERATORS",
    "ConditionClause",
    "condition_matches",
    "normalize_context",
    "normalize_value",
    "parse_condition",
]

# base operator -> (family, negated)
_BASE: dict[str, tuple[str, bool]] = {
    "StringEquals": ("string", False),
    "StringNotEquals": ("string", True),
    "StringEqualsIgnoreCase": ("string_ic", False),
    "StringNotEqualsIgnoreCase": ("string_ic", True),
    "StringLike": ("string_like", False),
    "StringNotLike": ("string_like", True),
    "NumericEquals": ("num_eq", False),
    "NumericNotEquals": ("num_eq", True),
    "NumericLessThan": ("num_lt", False),
    "NumericLessThanEquals": ("num_le", False),
    "NumericGreaterThan": ("num_gt", False),
    "NumericGreaterThanEquals": ("num_ge", False),
    "DateEquals": ("date_eq", False),
    "DateNotEquals": ("date_eq", True),
    "DateLessThan": ("date_lt", False),
    "DateLessThanEquals": ("date_le", False),
    "DateGreaterThan": ("date_gt", False),
    "DateGreaterThanEquals": ("date_ge", False),
    "Bool": ("bool", False),
    "BinaryEquals": ("string", False),
    "IpAddress": ("ip", False),
    "NotIpAddress": ("ip", True),
    "ArnEquals": ("arn", False),
    "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True),
    "ArnNotLike": ("arn", True),
    "Null": ("null", False),
}

#: Every base operator name IAM accepts (``...IfExists`` and set prefixes are added on top).
CONDITION_OPERATORS: tuple[str, ...] = tuple(sorted(_BASE))


def normalize_value(value: object) -> str:
    """The string IAM compares for a JSON scalar: booleans lower-case, numbers as written.

    >>> normalize_value(False), normalize_value(True), normalize_value(30), normalize_value("x")
    ('false', 'true', '30', 'x')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"condition value must be finite, got {value!r}")
        return repr(value)
    if isinstance(value, str):
        return value
    raise ValueError(f"condition values must be strings, numbers or booleans, got {value!r}")


def normalize_context(context: Mapping[str, object] | None) -> dict[str, tuple[str, ...]]:
    """Request context with lower-cased key names and every value as a tuple of strings.

    >>> normalize_context({"aws:MultiFactorAuthPresent": False, "aws:TagKeys": ["a", "b"]})
    {'aws:multifactorauthpresent': ('false',), 'aws:tagkeys': ('a', 'b')}
    """
    out: dict[str, tuple[str, ...]] = {}
    if context is None:
        return out
    if not isinstance(context, Mapping):
        raise TypeError(f"context must be a dict of condition keys, got {type(context).__name__}")
    for key, value in context.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"context keys must be non-empty strings, got {key!r}")
        if isinstance(value, list | tuple | set | frozenset):
            vals = tuple(normalize_value(v) for v in value)
        else:
            vals = (normalize_value(value),)
        out[key.lower()] = vals
    return out


@dataclass(frozen=True)
class ConditionClause:
    """One ``operator: {key: values}`` test, already checked.

    ``operator`` is the text as written (e.g. ``ForAnyValue:StringLikeIfExists``).
    """

    operator: str
    base: str
    key: str
    values: tuple[str, ...]
    if_exists: bool
    set_operator: str | None  # None, "ForAnyValue" or "ForAllValues"

    @property
    def negated(self) -> bool:
        return _BASE[self.base][1]

    def describe(self) -> str:
        vals = self.values[0] if len(self.values) == 1 else list(self.values)
        return f"{self.operator} {self.key} {vals!r}"


def _split_operator(op: str, where: str) -> tuple[str, bool, str | None]:
    set_op = None
    name = op
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if name.startswith(prefix):
            set_op = prefix[:-1]
            name = name[len(prefix):]
    if_exists = False
    if name.endswith("IfExists") and name != "IfExists":
        if_exists = True
        name = name[: -len("IfExists")]
    if name not in _BASE:
        raise ValueError(f"{where}: unknown condition operator {op!r} "
                         f"(known: {', '.join(CONDITION_OPERATORS)}, with optional IfExists "
                         f"suffix and ForAnyValue:/ForAllValues: prefix)")
    if name == "Null" and if_exists:
        raise ValueError(f"{where}: 'NullIfExists' is not a condition operator")
    return name, if_exists, set_op


def _check_policy_value(base: str, value: str, where: str) -> None:
    family = _BASE[base][0]
    if family in ("bool", "null") and value.lower() not in ("true", "false"):
        raise ValueError(f"{where}: {base} expects 'true' or 'false', got {value!r}")
    if family.startswith("num_"):
        try:
            float(value)
        except ValueError:
            raise ValueError(f"{where}: {base} expects a number, got {value!r}") from None
    if family.startswith("date_") and _parse_date(value) is None:
        raise ValueError(f"{where}: {base} expects an ISO 8601 date or epoch seconds, "
                         f"got {value!r}")
    if family == "ip":
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"{where}: {base} expects an IP address or CIDR, got {value!r}") \
                from None


def parse_condition(block: object, *, where: str) -> tuple[ConditionClause, ...]:
    """Check a ``Condition`` element and return its clauses; errors name ``where``.

    >>> [c.describe() for c in parse_condition({"Bool": {"aws:SecureTransport": False}},
    ...                                          where="Statement[0]")]
    ["Bool aws:SecureTransport 'false'"]
    >>> parse_condition({"StringEqualz": {"k": "v"}}, where="Sid 'X'")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Sid 'X': unknown condition operator 'StringEqualz' (known: ...
    """
    if not isinstance(block, Mapping):
        raise ValueError(f"{where}: Condition must be an object of operators, got {block!r}")
    clauses = []
    for op, keys in block.items():
        base, if_exists, set_op = _split_operator(str(op), where)
        if not isinstance(keys, Mapping) or not keys:
            raise ValueError(f"{where}: Condition operator {op!r} must map condition keys to "
                             f"values, got {keys!r}")
        for key, raw in keys.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"{where}: {op} has an empty or non-string condition key")
            items = raw if isinstance(raw, list) else [raw]
            if not items:
                raise ValueError(f"{where}: {op} {key} has an empty value list")
            try:
                values = tuple(normalize_value(v) for v in items)
            except ValueError as exc:
                raise ValueError(f"{where}: {op} {key}: {exc}") from None
            for v in values:
                _check_policy_value(base, v, f"{where}: {op} {key}")
            clauses.append(ConditionClause(str(op), base, key, values, if_exists, set_op))
    return tuple(clauses)


def _parse_date(text: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except (ValueError, OverflowError):
        pass
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _single_match(base: str, request_value: str, policy_value: str) -> bool:
    """Positive form of ``base`` for one request value against one policy value."""
    family = _BASE[base][0]
    if family == "string":
        return request_value == policy_value
    if family == "string_ic":
        return request_value.casefold() == policy_value.casefold()
    if family == "string_like":
        return glob_matches(policy_value, request_value)
    if family == "arn":
        return arn_like(policy_value, request_value)
    if family == "bool":
        return request_value.lower() == policy_value.lower()
    if family.startswith("num_"):
        try:
            a, b = float(request_value), float(policy_value)
        except ValueError:
            return False
        return {"num_eq": a == b, "num_lt": a < b, "num_le": a <= b, "num_gt": a > b,
                "num_ge": a >= b}[family]
    if family.startswith("date_"):
        a, b = _parse_date(request_value), _parse_date(policy_value)
        if a is None or b is None:
            return False
        return {"date_eq": a == b, "date_lt": a < b, "date_le": a <= b, "date_gt": a > b,
                "date_ge": a >= b}[family]
    if family == "ip":
        try:
            addr = ipaddress.ip_address(request_value)
            net = ipaddress.ip_network(policy_value, strict=False)
        except ValueError:
            return False
        return addr.version == net.version and addr in net
    raise AssertionError(family)  # pragma: no cover


def _value_passes(clause: ConditionClause, request_value: str) -> bool:
    hit = any(_single_match(clause.base, request_value, pv) for pv in clause.values)
    return not hit if clause.negated else hit  # negated + value list = NOR


def clause_matches(clause: ConditionClause, context: Mapping[str, tuple[str, ...]]) -> bool:
    """Evaluate one clause against a normalised context (see :func:`normalize_context`)."""
    present = clause.key.lower() in context
    request_values = context.get(clause.key.lower(), ())
    if clause.base == "Null":
        want_absent = clause.values[0].lower() == "true"
        absent = not present or len(request_values) == 0
        return absent == want_absent
    if clause.set_operator == "ForAllValues":
        if not request_values:
            return True
        return all(_value_passes(clause, v) for v in request_values)
    if clause.set_operator == "ForAnyValue":
        if not request_values:
            return clause.if_exists
        return any(_value_passes(clause, v) for v in request_values)
    if not present or not request_values:
        return clause.if_exists or clause.negated
    if clause.negated:
        return all(_value_passes(clause, v) for v in request_values)
    return any(_value_passes(clause, v) for v in request_values)


def condition_matches(clauses: tuple[ConditionClause, ...],
                      context: Mapping[str, tuple[str, ...]]) -> tuple[bool, str]:
    """AND of all clauses; returns (matched, the first failing clause or "").

    >>> cl = parse_condition({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1",
    ...                       "us-east-1"]}}, where="S")
    >>> condition_matches(cl, normalize_context({"aws:requestedregion": "us-east-1"}))[0]
    False
    >>> condition_matches(cl, normalize_context({"aws:RequestedRegion": "ap-south-1"}))[0]
    True
    """
    for clause in clauses:
        if not clause_matches(clause, context):
            return False, clause.describe()
    return True, ""
