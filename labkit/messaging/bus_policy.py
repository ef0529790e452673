"""Cross-account event buses: may this account put these events on that bus?

A custom bus accepts ``PutEvents`` from another account only when the bus's **resource-based
policy** allows it: a statement whose principal is the sending account (or ``*`` with an
``aws:PrincipalOrgID`` condition for a whole organization), whose action covers
``events:PutEvents`` and whose resource is the bus, with optional conditions on the event's
``events:source`` and ``events:detail-type``. An explicit ``Deny`` wins over any ``Allow``; no
matching ``Allow`` means the event is refused. The bus's own account needs no resource policy
(its IAM policies decide), and the sending rule in the other account also needs an IAM role
that may call ``events:PutEvents`` on the bus (not modelled here).

Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html (and its
example policies), IAM policy evaluation:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["BusDecision", "bus_accepts"]

#: Condition operators this evaluator understands; any other is refused, never ignored.
OPERATORS = ("StringEquals", "StringLike", "ForAllValues:StringEquals",
             "ForAnyValue:StringEquals")


@dataclass(frozen=True)
class BusDecision:
    """``allowed`` and the reason: ``SAME_ACCOUNT``, ``ALLOWED``, ``EXPLICIT_DENY``,
    ``IMPLICIT_DENY``; ``statement`` is the Sid (or index) that decided, if any."""

    allowed: bool
    reason: str
    statement: str | None = None


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, account: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict) or set(principal) - {"AWS"}:
        raise ValueError(f"Principal must be '*' or {{'AWS': ...}}, got {principal!r}")
    for p in _as_list(principal["AWS"]):
        if p == "*" or p == account or p == f"arn:aws:iam::{account}:root":
            return True
    return False


def _condition_holds(condition: dict, context: dict[str, str]) -> bool:
    for operator, tests in condition.items():
        if operator not in OPERATORS:
            raise ValueError(f"condition operator {operator!r} is not supported here; use one "
                             f"of {', '.join(OPERATORS)}")
        for key, expected in tests.items():
            value = context.get(key)
            wanted = [str(x) for x in _as_list(expected)]
            if value is None:
                if operator == "ForAllValues:StringEquals":
                    continue  # an absent key is an empty set: ForAllValues holds
                return False
            if operator == "StringLike":
                ok = any(fnmatch.fnmatchcase(value, w) for w in wanted)
            else:
                ok = value in wanted
            if not ok:
                return False
    return True


def bus_accepts(policy: Any, *, bus_arn: str, account: str, source: str, detail_type: str,
                org_id: str | None = None) -> BusDecision:
    """Does the bus's resource ``policy`` let ``account`` put an event with this source and
    detail type on ``bus_arn``?

    Examples
    --------
    >>> arn = "arn:aws:events:us-east-1:123456789012:event-bus/central-event-bus"
    >>> policy = {"Version": "2012-10-17", "Statement": [{
    ...     "Sid": "WebStoreCrossAccountPublish", "Effect": "Allow",
    ...     "Action": ["events:PutEvents"],
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Resource": arn,
    ...     "Condition": {"ForAllValues:StringEquals": {
    ...         "events:source": "com.exampleCorp.webStore",
    ...         "events:detail-type": "newOrderCreated"}}}]}
    >>> bus_accepts(policy, bus_arn=arn, account="111122223333",
    ...             source="com.exampleCorp.webStore", detail_type="newOrderCreated").allowed
    True
    >>> bus_accepts(policy, bus_arn=arn, account="111122223333", source="com.other",
    ...             detail_type="newOrderCreated").reason
    'IMPLICIT_DENY'
    """
    if isinstance(policy, str):
        policy = json.loads(policy)
    if not isinstance(policy, dict) or "Statement" not in policy:
        raise ValueError("policy must be a policy document with a Statement")
    parts = bus_arn.split(":")
    if len(parts) != 6 or parts[2] != "events" or not parts[5].startswith("event-bus/"):
        raise ValueError(f"bus_arn must be an event bus ARN, got {bus_arn!r}")
    for name, value in (("account", account), ("source", source), ("detail_type", detail_type)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if account == parts[4]:
        return BusDecision(True, "SAME_ACCOUNT")
    context = {"aws:PrincipalAccount": account, "events:source": source,
               "events:detail-type": detail_type}
    if org_id is not None:
        context["aws:PrincipalOrgID"] = org_id
    allowed_by = None
    for k, st in enumerate(_as_list(policy["Statement"])):
        actions = _as_list(st.get("Action", []))
        if not any(fnmatch.fnmatchcase("events:PutEvents", a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(bus_arn, r) for r in _as_list(st.get("Resource", "*"))):
            continue
        if not _principal_matches(st.get("Principal"), account):
            continue
        if not _condition_holds(st.get("Condition", {}), context):
            continue
        sid = st.get("Sid", str(k))
        if st.get("Effect") == "Deny":
            return BusDecision(False, "EXPLICIT_DENY", sid)
        if st.get("Effect") == "Allow" and allowed_by is None:
            allowed_by = sid
    if allowed_by is not None:
        return BusDecision(True, "ALLOWED", allowed_by)
    return BusDecision(False, "IMPLICIT_DENY")
