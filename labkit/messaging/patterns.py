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
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from labkit.core.validation import check_nesting

__all__ = [
    "InvalidEventPattern",
    "MatchExplanation",
    "explain_match",
    "load_json",
    "matches",
    "validate_pattern",
]

#: ``$or`` expansions above this many combinations are refused (EventBridge docs, Ruler README).
MAX_OR_COMBINATIONS = 1000
#: Bounds on this lab's inputs: nesting of a pattern or event, and length of JSON text
#: (an EventBridge event is at most 256 KB; a pattern's text is far smaller).
MAX_NESTING = 100
MAX_DOCUMENT_CHARS = 1_000_000
#: Simultaneously active wildcard states allowed in one field's matcher (Ruler's complexity check).
WILDCARD_COMPLEXITY_LIMIT = 10

_OPERATORS = ("prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric",
              "cidr", "exists")
_MISSING = object()  # sentinel: the field is absent from the event


class InvalidEventPattern(ValueError):
    """A pattern EventBridge would refuse at rule creation; the message is AWS's text, followed
    by where in the pattern the bad element is (``path``, e.g. ``detail.size``)."""

    path: str | None = None


# --------------------------------------------------------------------------------------------
# JSON input
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

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


def _is_or(key: str, value: Any) -> bool:
    """Ruler reads ``$or`` as OR only when its value is an array of >= 2 objects."""
    return (key == "$or" and isinstance(value, list) and len(value) >= 2
            and all(isinstance(b, dict) for b in value))


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


def _validate_wildcard(operand: Any) -> None:
    pattern = _need_string("wildcard", operand)
    tokens = _wildcard_tokens(pattern)
    if _wildcard_complexity(tokens) > WILDCARD_COMPLEXITY_LIMIT:
        raise InvalidEventPattern(
            "Rule is too complex - try using fewer wildcard characters or fewer repeating "
            "character sequences after a wildcard character")


def _wildcard_complexity(tokens: list[str | None]) -> int:
    """Most NFA states active at once past the first ``*``, over every possible input.

    A stand-in for Ruler's machine-complexity check: the value is enclosed in quotes (as Ruler
    sees it) and every reachable set of states is explored over the pattern's own characters plus
    one "other" character.
    """
    toks: list[str | None] = ['"', *tokens, '"']
    if None not in toks:
        return 0
    first_star = toks.index(None)

    def closure(states: set[int]) -> frozenset[int]:
        out = set(states)
        stack = list(states)
        while stack:
            s = stack.pop()
            if s < len(toks) and toks[s] is None and s + 1 not in out:
                out.add(s + 1)
                stack.append(s + 1)
        return frozenset(out)

    alphabet = {t for t in toks if t is not None} | {"\x00other"}
    start = closure({0})
    seen = {start}
    pending = [start]
    worst = 0
    while pending:
        active = pending.pop()
        for ch in alphabet:
            nxt = set()
            for s in active:
                if s >= len(toks):
                    continue
                if toks[s] is None:
                    nxt.add(s)
                elif toks[s] == ch:
                    nxt.add(s + 1)
            if not nxt:
                continue
            state = closure(nxt)
            worst = max(worst, sum(1 for s in state if s >= first_star))
            if worst > WILDCARD_COMPLEXITY_LIMIT:
                return worst
            if state not in seen:
                seen.add(state)
                pending.append(state)
    return worst


_RANGE_OPS = ("=", "<", "<=", ">", ">=")


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


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


def _or_combinations(obj: dict) -> int:
    total = 1
    for key, value in obj.items():
        if _is_or(key, value):
            total *= sum(_or_combinations(branch) for branch in value)
        elif isinstance(value, dict):
            total *= _or_combinations(value)
    return total


def _value_combinations(obj: dict) -> int:
    """SNS's complexity: product of the value-array sizes, summed over ``$or`` branches."""
    total = 1
    for key, value in obj.items():
        if _is_or(key, value):
            total *= sum(_value_combinations(branch) for branch in value)
        elif isinstance(value, dict):
            total *= _value_combinations(value)
        elif isinstance(value, list):
            total *= len(value)
    return total


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------

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
