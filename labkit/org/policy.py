"""IAM policy documents: parsing into statements and matching a request against them.

:func:`parse_policy` accepts JSON text or a dict, ``Statement`` as a list **or a single
object** (AWS example SCPs use both), strings or lists for ``Action``/``Resource``, and JSON
booleans in conditions. Malformed documents raise :class:`~labkit.org.errors.PolicyError`
naming the policy and the statement (``Sid`` or ``Statement[i]``).

A statement matches a request when its action test (``Action``: glob, case-insensitive;
``NotAction``: everything except the list), its resource test (``Resource``/``NotResource``:
glob, case-sensitive; missing = ``*``) and its condition block all hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from labkit.core.validation import check_nesting
from labkit.org.conditions import ConditionClause, condition_matches, parse_condition
from labkit.org.errors import PolicyError
from labkit.org.matching import (
    action_matches,
    check_action_pattern,
    check_arn_pattern,
    resource_matches,
)

__all__ = ["FULL_AWS_ACCESS", "Policy", "Request", "Statement", "StatementMatch", "parse_policy"]

_VERSIONS = ("2012-10-17", "2008-10-17")
_POLICY_KEYS = {"Version", "Id", "Statement"}
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                   "Condition", "Principal", "NotPrincipal"}

#: The AWS managed SCP attached automatically to the root, every OU and every account.
FULL_AWS_ACCESS: dict = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True)
class Request:
    """What is being asked: action, resource (ARN or ``*``) and the normalised context."""

    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class StatementMatch:
    """Why a statement did or did not match a request (for explanations)."""

    matched: bool
    detail: str


@dataclass(frozen=True)
class Statement:
    """One checked statement. Exactly one of ``actions``/``not_actions`` is set, and at most one
    of ``resources``/``not_resources`` (neither = ``Resource: "*"``)."""

    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[ConditionClause, ...]
    has_principal: bool = False
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        """``Sid 'X'`` when the statement has a Sid, else ``Statement[i]``."""
        return f"Sid {self.sid!r}" if self.sid else f"Statement[{self.index}]"

    def match(self, request: Request) -> StatementMatch:
        """Test the action, then the resource, then the conditions."""
        if self.actions is not None:
            if not any(action_matches(p, request.action) for p in self.actions):
                return StatementMatch(False, f"Action does not cover {request.action}")
        else:
            assert self.not_actions is not None
            hit = [p for p in self.not_actions if action_matches(p, request.action)]
            if hit:
                return StatementMatch(False, f"{request.action} is exempted by NotAction {hit[0]}")
        if self.resources is not None:
            if not any(resource_matches(p, request.resource) for p in self.resources):
                return StatementMatch(False, f"Resource does not cover {request.resource}")
        elif self.not_resources is not None:
            hit = [p for p in self.not_resources if resource_matches(p, request.resource)]
            if hit:
                return StatementMatch(False, f"{request.resource} is excluded by NotResource "
                                             f"{hit[0]}")
        ok, failing = condition_matches(self.conditions, request.context)
        if not ok:
            return StatementMatch(False, f"condition not met: {failing}")
        cond = f" and its {len(self.conditions)} condition(s) hold" if self.conditions else ""
        return StatementMatch(True, f"action and resource match{cond}")


@dataclass(frozen=True)
class Policy:
    """A parsed policy: its name, statements and the character count of the submitted text."""

    name: str
    statements: tuple[Statement, ...]
    version: str
    size_chars: int
    document: Mapping = field(compare=False, repr=False)

    def first_match(self, effect: str, request: Request) -> Statement | None:
        """The first statement with ``effect`` that matches ``request``, or None."""
        for st in self.statements:
            if st.effect == effect and st.match(request).matched:
                return st
        return None


def _string_list(value: object, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"{where} must not be an empty list")
    for v in items:
        if not isinstance(v, str) or not v:
            raise ValueError(f"{where} entries must be non-empty strings, got {v!r}")
    return tuple(items)


def _parse_statement(i: int, raw: object) -> Statement:
    if not isinstance(raw, Mapping):
        raise ValueError(f"Statement[{i}] must be an object, got {raw!r}")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise ValueError(f"Statement[{i}]: Sid must be a string, got {sid!r}")
    where = f"Sid {sid!r}" if sid else f"Statement[{i}]"
    unknown = sorted(set(raw) - _STATEMENT_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown element(s) {', '.join(unknown)} "
                         f"(allowed: {', '.join(sorted(_STATEMENT_KEYS))})")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ValueError(f"{where}: Effect must be 'Allow' or 'Deny', got {effect!r}")
    if ("Action" in raw) == ("NotAction" in raw):
        raise ValueError(f"{where}: exactly one of Action or NotAction is required")
    if "Resource" in raw and "NotResource" in raw:
        raise ValueError(f"{where}: Resource and NotResource cannot both be given")
    if "Principal" in raw and "NotPrincipal" in raw:
        raise ValueError(f"{where}: Principal and NotPrincipal cannot both be given")
    key = "Action" if "Action" in raw else "NotAction"
    acts = _string_list(raw[key], f"{where} {key}")
    for a in acts:
        check_action_pattern(a, where=f"{where} {key}")
    resources = not_resources = None
    if "Resource" in raw or "NotResource" in raw:
        rkey = "Resource" if "Resource" in raw else "NotResource"
        res = _string_list(raw[rkey], f"{where} {rkey}")
        for r in res:
            check_arn_pattern(r, where=f"{where} {rkey}")
        if rkey == "Resource":
            resources = res
        else:
            not_resources = res
    conditions = parse_condition(raw["Condition"], where=where) if "Condition" in raw else ()
    return Statement(
        index=i, sid=sid, effect=effect,
        actions=acts if key == "Action" else None,
        not_actions=acts if key == "NotAction" else None,
        resources=resources, not_resources=not_resources, conditions=conditions,
        has_principal="Principal" in raw or "NotPrincipal" in raw, raw=raw,
    )


#: Deepest nesting a policy document may have on this lab (a real one needs about 6 levels:
#: Statement, its index, Condition, operator, key, values).
MAX_POLICY_DEPTH = 32


def _check_depth(doc: object, name: str) -> None:
    try:
        check_nesting("the document", doc, MAX_POLICY_DEPTH)
    except ValueError as exc:
        raise PolicyError(str(exc), policy=name) from None


def parse_policy(document: object, *, name: str = "policy") -> Policy:
    """Parse and check a policy document (JSON text or dict).

    ``size_chars`` counts every character of the submitted text (whitespace included); for a
    dict it is the length of ``json.dumps(document)``.

    >>> p = parse_policy('{"Statement": {"Effect": "Deny", "Action": "s3:*", '
    ...                  '"Resource": "*"}}', name="deny-s3")
    >>> len(p.statements), p.statements[0].label, p.size_chars
    (1, 'Statement[0]', 68)
    >>> parse_policy({"Statement": [{"Effect": "Allow", "Action": "*",
    ...               "Resource": "bucket"}]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.org.errors.PolicyError: policy 'policy': Statement[0] Resource: 'bucket' is not an ARN...
    """
    if isinstance(document, Policy):
        return document
    if isinstance(document, str | bytes):
        text = document.decode() if isinstance(document, bytes) else document
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"not valid JSON ({exc.msg} at line {exc.lineno} column "
                              f"{exc.colno})", policy=name) from None
        except RecursionError:
            raise PolicyError(f"nests deeper than {MAX_POLICY_DEPTH} levels",
                              policy=name) from None
        _check_depth(doc, name)
        size = len(text)
    elif isinstance(document, Mapping):
        doc = document
        _check_depth(doc, name)
        try:
            size = len(json.dumps(document))
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"not JSON-serialisable: {exc}", policy=name) from None
    else:
        raise TypeError(f"policy {name!r} must be JSON text or a dict, "
                        f"got {type(document).__name__}")
    if not isinstance(doc, Mapping):
        raise PolicyError("the document must be a JSON object", policy=name)
    unknown = sorted(set(doc) - _POLICY_KEYS)
    if unknown:
        raise PolicyError(f"unknown top-level element(s) {', '.join(unknown)} "
                          f"(allowed: Version, Id, Statement)", policy=name)
    version = doc.get("Version", "2008-10-17")
    if version not in _VERSIONS:
        raise PolicyError(f"Version must be '2012-10-17' or '2008-10-17', got {version!r}",
                          policy=name)
    if "Statement" not in doc:
        raise PolicyError("the Statement element is missing", policy=name)
    raw = doc["Statement"]
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list) or not items:
        raise PolicyError("Statement must be an object or a non-empty list of objects",
                          policy=name)
    statements = []
    for i, st in enumerate(items):
        try:
            statements.append(_parse_statement(i, st))
        except ValueError as exc:
            raise PolicyError(str(exc), policy=name) from None
    sids = [s.sid for s in statements if s.sid]
    dupes = sorted({s for s in sids if sids.count(s) > 1})
    if dupes:
        raise PolicyError(f"duplicate Sid(s) {', '.join(dupes)}", policy=name)
    return Policy(name=name, statements=tuple(statements), version=version, size_chars=size,
                  document=doc)
