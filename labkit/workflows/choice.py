"""Choice state rules: checking (:func:`rule_problems`) and evaluating (:func:`evaluate_rule`).

A rule is a comparison (``Variable`` plus one operator such as ``NumericGreaterThan`` or its
``...Path`` form), a type test (``IsPresent``, ``IsNull``, ...) or a combination (``And``,
``Or``, ``Not``). A type mismatch makes a comparison false; comparing a field that is not there
is an error (guard with ``IsPresent``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from labkit.workflows.paths import PathNotFound, parse_path, read_path

__all__ = ["COMPARISONS", "TYPE_TESTS", "evaluate_rule", "rule_problems"]

_KINDS = {"String": str, "Numeric": (int, float), "Boolean": bool, "Timestamp": str}
_RELATIONS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")

#: comparison operator -> (kind, relation); ``...Path`` forms are added below.
COMPARISONS: dict[str, tuple[str, str]] = {}
for _kind in ("String", "Numeric", "Timestamp"):
    for _rel in _RELATIONS:
        COMPARISONS[_kind + _rel] = (_kind, _rel)
COMPARISONS["BooleanEquals"] = ("Boolean", "Equals")
COMPARISONS["StringMatches"] = ("String", "Matches")
for _op, _spec in list(COMPARISONS.items()):
    if _op != "StringMatches":
        COMPARISONS[_op + "Path"] = _spec

TYPE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _is_kind(value: Any, kind: str) -> bool:
    if kind == "Numeric":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "Timestamp":
        return _parse_timestamp(value) is not None
    return isinstance(value, _KINDS[kind])


def _wildcard_match(pattern: str, text: str) -> bool:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.fullmatch("".join(out), text, flags=re.DOTALL) is not None


def _compare(kind: str, relation: str, left: Any, right: Any) -> bool:
    if relation == "Matches":
        return isinstance(left, str) and _wildcard_match(right, left)
    if not (_is_kind(left, kind) and _is_kind(right, kind)):
        return False
    if kind == "Timestamp":
        left, right = _parse_timestamp(left), _parse_timestamp(right)
    if relation == "Equals":
        return left == right
    if relation == "LessThan":
        return left < right
    if relation == "GreaterThan":
        return left > right
    if relation == "LessThanEquals":
        return left <= right
    return left >= right


def evaluate_rule(rule: dict[str, Any], document: Any, context: Any = None) -> bool:
    """Return whether ``rule`` holds for ``document``.

    Raises :class:`~labkit.workflows.paths.PathNotFound` when a compared field is missing.

    >>> evaluate_rule({"Variable": "$.total", "NumericGreaterThan": 100}, {"total": 120})
    True
    >>> evaluate_rule({"Not": {"Variable": "$.vip", "IsPresent": True}}, {"total": 1})
    True
    """
    if "And" in rule:
        return all(evaluate_rule(r, document, context) for r in rule["And"])
    if "Or" in rule:
        return any(evaluate_rule(r, document, context) for r in rule["Or"])
    if "Not" in rule:
        return not evaluate_rule(rule["Not"], document, context)
    variable = rule["Variable"]
    for test in TYPE_TESTS:
        if test in rule:
            expected = rule[test]
            if test == "IsPresent":
                try:
                    read_path(document, variable, context)
                    present = True
                except PathNotFound:
                    present = False
                return present == expected
            value = read_path(document, variable, context)
            if test == "IsNull":
                actual = value is None
            else:
                actual = _is_kind(value, test[2:])
            return actual == expected
    value = read_path(document, variable, context)
    for op, (kind, relation) in COMPARISONS.items():
        if op in rule:
            operand = rule[op]
            if op.endswith("Path"):
                operand = read_path(document, operand, context)
            return _compare(kind, relation, value, operand)
    raise ValueError(f"choice rule has no operator: {rule!r}")


def rule_problems(rule: Any, where: str, *, top_level: bool) -> list[str]:
    """Return what is wrong with a Choice rule (empty list if nothing).

    >>> rule_problems({"Variable": "$.x", "NumericEquals": "3", "Next": "A"}, "rule 1",
    ...               top_level=True)
    ["rule 1: 'NumericEquals' needs a number, got '3'"]
    """
    if not isinstance(rule, dict):
        return [f"{where}: a rule must be an object"]
    problems: list[str] = []
    keys = set(rule)
    if top_level:
        if "Next" not in rule:
            problems.append(f"{where}: a top-level rule needs 'Next'")
        keys.discard("Next")
    elif "Next" in rule:
        problems.append(f"{where}: 'Next' is only allowed in top-level rules")
        keys.discard("Next")
    keys.discard("Comment")
    combinators = keys & {"And", "Or", "Not"}
    if combinators:
        if len(keys) != 1:
            problems.append(f"{where}: {sorted(combinators)[0]!r} cannot be combined with "
                            f"{sorted(keys - combinators)}")
            return problems
        (op,) = combinators
        if op == "Not":
            problems += rule_problems(rule["Not"], f"{where}.Not", top_level=False)
        elif not isinstance(rule[op], list) or not rule[op]:
            problems.append(f"{where}: {op!r} needs a non-empty array of rules")
        else:
            for i, sub in enumerate(rule[op]):
                problems += rule_problems(sub, f"{where}.{op}[{i}]", top_level=False)
        return problems
    if "Variable" not in keys:
        return problems + [f"{where}: a comparison needs 'Variable'"]
    try:
        parse_path(rule["Variable"])
    except (TypeError, ValueError) as exc:
        problems.append(f"{where}: Variable: {exc}")
    keys.discard("Variable")
    operators = [k for k in keys if k in COMPARISONS or k in TYPE_TESTS]
    unknown = sorted(keys - set(operators))
    if unknown:
        problems.append(f"{where}: unknown field(s) {unknown}")
    if len(operators) != 1:
        problems.append(f"{where}: needs exactly one comparison operator, got {sorted(operators)}")
        return problems
    (op,) = operators
    operand = rule[op]
    if op in TYPE_TESTS:
        if not isinstance(operand, bool):
            problems.append(f"{where}: {op!r} needs true or false, got {operand!r}")
    elif op.endswith("Path"):
        try:
            parse_path(operand)
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: {op}: {exc}")
    else:
        kind = COMPARISONS[op][0]
        ok = _is_kind(operand, kind) if kind != "Timestamp" else _parse_timestamp(operand)
        if op == "StringMatches":
            ok = isinstance(operand, str)
        if not ok:
            need = {"String": "a string", "Numeric": "a number", "Boolean": "true or false",
                    "Timestamp": "an RFC 3339 timestamp (uppercase T and Z)"}[kind]
            problems.append(f"{where}: {op!r} needs {need}, got {operand!r}")
    return problems
