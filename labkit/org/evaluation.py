"""Request evaluation across SCPs and IAM policies, with reason codes and an explanation.

The algorithm and its precedence follow the IAM User Guide, "Policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), and
the Organizations User Guide, "SCP evaluation"
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html):

1. explicit denies: SCPs on every node of the principal's path (root first; the first node
   with a matching Deny is reported), then RCPs on the path of the resource's account when
   ``resource_account`` is given, then identity policies, then the permissions boundary and
   session policies when given;
2. SCP allows: **every** node on the path (root, each OU, the account) needs a matching Allow
   among the SCPs attached directly to it (first node lacking one is reported);
3. identity allow (the root user needs none: implicit full access);
4. boundary and session policies, when given, must allow too;
5. otherwise ALLOW.

SCPs are skipped for the management account, service-linked roles (type
``"service-linked-role"`` or ``:role/aws-service-role/`` in the ARN) and accounts outside the
organization. The request context starts from the defaults in :func:`request_context`.

RCPs (custom deny RCPs; ``RCPFullAWSAccess`` is implied) apply to resources in member accounts,
whoever the caller, except for service-linked roles; they do not apply to resources in the
management account.

Not modelled: resource-based policies and cross-account grants, policy variables
(``${aws:username}``), the simulator's extra logic for the resource ``*``, and the root-only
tasks SCPs cannot restrict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from labkit.org.conditions import normalize_context
from labkit.org.matching import parse_arn
from labkit.org.policy import Policy, Request
from labkit.org.tree import Organization
from labkit.org.validation import validate_policy

__all__ = ["REASONS", "Decision", "ScpLevel", "evaluate", "request_context",
           "scps_apply"]

#: Reason codes in precedence order (AWS's simulator: explicitDeny / implicitDeny / allowed).
REASONS = ("EXPLICIT_DENY_SCP", "EXPLICIT_DENY_RCP", "EXPLICIT_DENY_IAM",
           "EXPLICIT_DENY_BOUNDARY",
           "EXPLICIT_DENY_SESSION", "IMPLICIT_DENY_SCP", "IMPLICIT_DENY_IAM",
           "IMPLICIT_DENY_BOUNDARY", "IMPLICIT_DENY_SESSION", "ALLOWED")

_PRINCIPAL_TYPES = ("user", "role", "root", "service-linked-role")
_ACTION_RE = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9]+$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@dataclass(frozen=True)
class ScpLevel:
    """SCP result at one node of the path: the first matching Deny and Allow (policy, label)."""

    node: str
    name: str
    type: str
    scps: tuple[str, ...]
    deny: tuple[str, str] | None
    allow: tuple[str, str] | None
    note: str = ""

    @property
    def outcome(self) -> str:
        """``"explicit deny"``, ``"allow"`` or ``"no allow"`` at this node."""
        if self.deny:
            return "explicit deny"
        return "allow" if self.allow else "no allow"


@dataclass(frozen=True)
class Decision:
    """The result of :func:`evaluate`.

    ``decision`` is ``"ALLOW"``/``"DENY"``; ``reason`` one of :data:`REASONS`; ``node`` the org
    node that decided (SCP reasons only); ``policy`` and ``statement`` the deciding policy and
    statement when one decided; ``levels`` the SCP result at every node of the path (empty when
    SCPs do not apply); ``explanation`` a readable trace.
    """

    decision: str
    reason: str
    node: str | None
    policy: str | None
    statement: str | None
    scp_applies: bool
    levels: tuple[ScpLevel, ...]
    explanation: str

    @property
    def allowed(self) -> bool:
        return self.decision == "ALLOW"

    def to_frame(self):
        """One row per node of the SCP path: node, type, SCPs, matching Deny/Allow, outcome."""
        import pandas as pd

        rows = [{"node": lv.node, "name": lv.name, "type": lv.type, "scps": ", ".join(lv.scps),
                 "deny": "/".join(lv.deny) if lv.deny else "",
                 "allow": "/".join(lv.allow) if lv.allow else "", "outcome": lv.outcome}
                for lv in self.levels]
        return pd.DataFrame(rows, columns=["node", "name", "type", "scps", "deny", "allow",
                                           "outcome"])

    def __str__(self) -> str:
        return self.explanation


def _check_principal(principal: Mapping) -> tuple[str, str, str]:
    if not isinstance(principal, Mapping):
        raise TypeError("principal must be a dict with 'arn', 'type' and 'account'")
    unknown = set(principal) - {"arn", "type", "account", "name"}
    if unknown:
        raise ValueError(f"principal has unknown key(s) {', '.join(sorted(unknown))}")
    arn = principal.get("arn")
    kind = principal.get("type")
    if kind not in _PRINCIPAL_TYPES:
        raise ValueError(f"principal type must be one of {', '.join(_PRINCIPAL_TYPES)}; "
                         f"got {kind!r}")
    parsed = parse_arn(arn, name="principal arn")
    if parsed.service != "iam" or not re.fullmatch(r"\d{12}", parsed.account):
        raise ValueError(f"principal arn must be an IAM ARN with a 12-digit account "
                         f"(arn:aws:iam::<account>:user/... | role/... | root), got {arn!r}")
    res = parsed.resource
    expected = {"user": "user/", "role": "role/", "service-linked-role": "role/"}
    if kind == "root" and res != "root":
        raise ValueError(f"a root principal's arn must be arn:aws:iam::<account>:root, "
                         f"got {arn!r}")
    if kind in expected and not res.startswith(expected[kind]):
        raise ValueError(f"a {kind} principal's arn must have resource {expected[kind]}..., "
                         f"got {arn!r} (use the role ARN with its path, not a session ARN)")
    account = principal.get("account", parsed.account)
    if account != parsed.account:
        raise ValueError(f"principal account {account!r} does not match the account in its "
                         f"arn ({parsed.account})")
    return arn, kind, account


def scps_apply(org: Organization, principal: Mapping) -> tuple[bool, str]:
    """Whether SCPs restrict this principal, and why (management account, service-linked
    role, account outside the organization, or a member-account principal).

    >>> org = Organization.from_dict({"type": "root", "id": "r-1", "name": "Root", "children": [
    ...     {"type": "account", "id": "111111111111", "name": "mgmt", "management": True}]}, {})
    >>> scps_apply(org, {"arn": "arn:aws:iam::111111111111:user/ann", "type": "user"})
    (False, 'account 111111111111 is the management account: SCPs do not apply')
    """
    arn, kind, account = _check_principal(principal)
    if not org.has_account(account):
        return False, f"account {account} is not in the organization: SCPs do not apply"
    if org.node(account).management:
        return False, f"account {account} is the management account: SCPs do not apply"
    if kind == "service-linked-role" or ":role/aws-service-role/" in arn:
        return False, "service-linked role: SCPs do not apply"
    return True, f"account {account} is a member account: SCPs apply"


def request_context(org: Organization, principal: Mapping, region: str,
                    context: Mapping[str, object] | None = None) -> dict[str, object]:
    """Default request context (IAM global condition context keys), then ``context`` on top.

    ``aws:MultiFactorAuthPresent`` is left out unless given: a request signed with long-term
    access keys does not carry it.

    >>> org = Organization.from_dict({"org_id": "o-abcd1234", "root": {"type": "root",
    ...     "id": "r-1", "name": "Root", "children": [
    ...     {"type": "account", "id": "222222222222", "name": "dev"}]}}, {})
    >>> request_context(org, {"arn": "arn:aws:iam::222222222222:user/ann", "type": "user"},
    ...                 "eu-west-1")  # doctest: +NORMALIZE_WHITESPACE
    {'aws:RequestedRegion': 'eu-west-1', 'aws:PrincipalArn': 'arn:aws:iam::222222222222:user/ann',
     'aws:PrincipalAccount': '222222222222', 'aws:PrincipalIsAWSService': 'false',
     'aws:PrincipalOrgID': 'o-abcd1234'}
    """
    arn, _, account = _check_principal(principal)
    ctx: dict[str, object] = {
        "aws:RequestedRegion": region,
        "aws:PrincipalArn": arn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalIsAWSService": "false",
    }
    if org.has_account(account):
        ctx["aws:PrincipalOrgID"] = org.org_id
    if context:
        lower = {k.lower(): k for k in ctx}
        for key, value in context.items():
            if not isinstance(key, str):
                raise ValueError(f"context keys must be strings, got {key!r}")
            ctx.pop(lower.get(key.lower(), key), None)
            ctx[key] = value
    return ctx


def _as_policies(docs: object, label: str) -> list[Policy]:
    """Parse and check IAM policies (identity, boundary, session): no Principal allowed."""
    if docs is None:
        return []
    if isinstance(docs, Mapping) and not {"Statement", "Version", "Id"} & set(docs):
        named = [(str(n), d) for n, d in docs.items()]
    else:
        if isinstance(docs, Mapping | str | Policy):
            docs = [docs]
        if not isinstance(docs, Sequence):
            raise TypeError(f"{label} must be a list of policy documents")
        named = [(getattr(d, "name", f"{label}[{i}]"), d) for i, d in enumerate(docs)]
    return [validate_policy(d, kind="identity", name=n) for n, d in named]


def _first(policies: list[Policy], effect: str, request: Request) -> tuple[str, str] | None:
    for p in policies:
        st = p.first_match(effect, request)
        if st is not None:
            return p.name, st.label
    return None


def _principal_listed(value: object, arn: str, account: str) -> bool:
    if value == "*":
        return True
    if isinstance(value, Mapping):
        entries = value.get("AWS", [])
        entries = [entries] if isinstance(entries, str) else list(entries)
        return any(e in ("*", arn, account, f"arn:aws:iam::{account}:root") for e in entries)
    return False


def _first_rcp(policies: list[Policy], request: Request, arn: str, account: str
               ) -> tuple[str, str] | None:
    """First RCP Deny statement that matches the request and names the caller in Principal
    (``"*"``, ``{"AWS": "*"}``, the caller's ARN or account) or not in NotPrincipal."""
    for p in policies:
        for st in p.statements:
            if st.effect != "Deny" or not st.match(request).matched:
                continue
            if "NotPrincipal" in st.raw:
                if _principal_listed(st.raw["NotPrincipal"], arn, account):
                    continue
            elif not _principal_listed(st.raw.get("Principal", "*"), arn, account):
                continue
            return p.name, st.label
    return None


def _why_no_deny(org: Organization, names: Sequence[str], request: Request) -> str:
    for name in names:
        for st in org.policies[name].statements:
            if st.effect == "Deny":
                return f"{name}/{st.label}: {st.match(request).detail}"
    return ""


def evaluate(org: Organization, principal: Mapping, action: str, *,
             identity_policies: object, resource: str = "*", region: str = "us-east-1",
             context: Mapping[str, object] | None = None,
             permissions_boundary: object = None, session_policies: object = None,
             resource_account: str | None = None) -> Decision:
    """Decide whether ``principal`` may call ``action`` on ``resource`` in ``region``.

    Parameters
    ----------
    org : Organization
    principal : dict
        ``{"arn", "type": "user"|"role"|"root"|"service-linked-role", "account"}``; for a
        role, the role ARN with its path.
    action : str
        ``service:Action`` (no wildcards).
    identity_policies : list
        Policy documents (JSON text or dicts), or a dict name -> document.
    resource : str
        An ARN or ``"*"`` (actions without resource-level permissions).
    region : str
        Becomes ``aws:RequestedRegion``.
    context : dict, optional
        Extra condition keys (e.g. ``{"aws:MultiFactorAuthPresent": True}``); they override
        the defaults.
    permissions_boundary, session_policies : optional
        When given, they must allow too (and their Deny statements deny).
    resource_account : str, optional
        The 12-digit account that owns the resource; when it is a member account of ``org``,
        the RCPs on its path apply (reason ``EXPLICIT_DENY_RCP``).

    Examples
    --------
    >>> org = Organization.from_dict({"type": "root", "id": "r-1", "name": "Root", "children": [
    ...     {"type": "ou", "id": "ou-w", "name": "Workloads", "scps": ["FullAWSAccess", "NoS3"],
    ...      "children": [{"type": "account", "id": "222222222222", "name": "prod"}]}]},
    ...     {"NoS3": {"Statement": {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}}})
    >>> admin = [{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}]
    >>> ann = {"arn": "arn:aws:iam::222222222222:user/ann", "type": "user",
    ...        "account": "222222222222"}
    >>> d = evaluate(org, ann, "s3:ListBucket", identity_policies=admin,
    ...              resource="arn:aws:s3:::data")
    >>> d.decision, d.reason, d.node
    ('DENY', 'EXPLICIT_DENY_SCP', 'ou-w')
    >>> evaluate(org, ann, "ec2:RunInstances", identity_policies=admin).reason
    'ALLOWED'
    """
    if not isinstance(org, Organization):
        raise TypeError(f"org must be an Organization, got {type(org).__name__}")
    arn, kind, account = _check_principal(principal)
    _check_request(action, resource, region, resource_account)
    policies = _Policies(_as_policies(identity_policies, "identity"),
                         _as_policies(permissions_boundary, "boundary"),
                         _as_policies(session_policies, "session"),
                         permissions_boundary is not None, session_policies is not None)
    ctx = request_context(org, principal, region, context)
    request = Request(action=action, resource=resource, context=normalize_context(ctx))
    applies, why = scps_apply(org, principal)
    levels = _scp_levels(org, account, request) if applies else []
    lines = [f"Request: {arn} calls {action} on {resource} in {region}.",
             f"Exemption check: {why}."]
    if applies:
        lines += _explain_levels(org, levels)
    slr = kind == "service-linked-role" or ":role/aws-service-role/" in arn
    rcp_hit = None
    if resource_account is not None:
        rcp_hit, line = _rcp_step(org, resource_account, slr, request, arn, account)
        lines.append(line)
    verdict = _decide(org, levels, rcp_hit, policies, request, kind, applies)
    decision, reason, node, policy, statement, because = verdict
    lines.append(f"Decision: {decision} ({reason}): {because}")
    return Decision(decision, reason, node, policy, statement, applies, tuple(levels),
                    "\n".join(lines))


@dataclass(frozen=True)
class _Policies:
    """The caller's identity, boundary and session policies (and whether the last two were
    given: an absent boundary or session policy does not restrict)."""

    identity: list[Policy]
    boundary: list[Policy]
    session: list[Policy]
    has_boundary: bool
    has_session: bool


def _check_request(action: object, resource: object, region: object,
                   resource_account: object) -> None:
    if not isinstance(action, str) or not _ACTION_RE.fullmatch(action):
        raise ValueError(f"action must look like 'service:ActionName' without wildcards, "
                         f"got {action!r}")
    if resource != "*":
        parse_arn(resource, name="resource")
    if not isinstance(region, str) or not _REGION_RE.fullmatch(region):
        raise ValueError(f"region must be a Region code like 'us-east-1', got {region!r}")
    if resource_account is not None and (not isinstance(resource_account, str)
                                         or not re.fullmatch(r"\d{12}", resource_account)):
        raise ValueError(f"resource_account must be a 12-digit account id, "
                         f"got {resource_account!r}")


def _scp_levels(org: Organization, account: str, request: Request) -> list[ScpLevel]:
    """Step 1: the first matching Deny and Allow of the SCPs on each node, root first."""
    levels = []
    for node in org.path_to(account):
        pols = [org.policies[n] for n in node.scps]
        deny = _first(pols, "Deny", request)
        allow = _first(pols, "Allow", request)
        note = "" if deny else _why_no_deny(org, node.scps, request)
        levels.append(ScpLevel(node.id, node.name, node.type, tuple(node.scps), deny, allow,
                               note))
    return levels


def _explain_levels(org: Organization, levels: Sequence[ScpLevel]) -> list[str]:
    lines = ["SCPs on the path (root first):"]
    for lv in levels:
        if lv.deny:
            state = f"Deny {lv.deny[0]}/{lv.deny[1]} matches"
        else:
            state = "no Deny matches" + (f" ({lv.note})" if lv.note else "")
        allow = f"Allow from {lv.allow[0]}/{lv.allow[1]}" if lv.allow else "no Allow matches"
        lines.append(f"  - {org.node(lv.node).label} [{', '.join(lv.scps)}]: {state}; "
                     f"{allow}.")
    return lines


def _rcp_step(org: Organization, resource_account: str, slr: bool, request: Request, arn: str,
              account: str) -> tuple[tuple[str, str, str] | None, str]:
    """Step 2: the first RCP Deny on the resource account's path, and the explanation line."""
    if not org.has_account(resource_account):
        return None, (f"RCPs: resource account {resource_account} is not in the "
                      f"organization: RCPs do not apply.")
    if org.node(resource_account).management:
        return None, "RCPs: the resource is in the management account: RCPs do not apply."
    if slr:
        return None, "RCPs: service-linked role: RCPs do not apply."
    rcp_hit = None
    for node in org.path_to(resource_account):
        hit = _first_rcp([org.policies[n] for n in node.rcps], request, arn, account)
        if hit and rcp_hit is None:
            rcp_hit = (node.id, *hit)
    return rcp_hit, "RCPs on the resource account's path: " + (
        f"Deny {rcp_hit[1]}/{rcp_hit[2]} at {org.node(rcp_hit[0]).label} matches."
        if rcp_hit else "no Deny matches.")


def _decide(org: Organization, levels: Sequence[ScpLevel], rcp_hit: tuple[str, str, str] | None,
            policies: _Policies, request: Request, kind: str, applies: bool
            ) -> tuple[str, str, str | None, str | None, str | None, str]:
    """Step 3: the verdict in the documented order, as (decision, reason, node, policy,
    statement, because)."""
    # 1. explicit denies
    for lv in levels:
        if lv.deny:
            return ("DENY", "EXPLICIT_DENY_SCP", lv.node, *lv.deny,
                    f"an SCP on {org.node(lv.node).label} explicitly denies; nothing below "
                    f"can re-allow it.")
    if rcp_hit is not None:
        return ("DENY", "EXPLICIT_DENY_RCP", rcp_hit[0], rcp_hit[1], rcp_hit[2],
                f"an RCP on {org.node(rcp_hit[0]).label} (the resource's side) explicitly "
                f"denies, whoever the caller.")
    for pols, reason, what in ((policies.identity, "EXPLICIT_DENY_IAM", "an identity policy"),
                               (policies.boundary, "EXPLICIT_DENY_BOUNDARY",
                                "the permissions boundary"),
                               (policies.session, "EXPLICIT_DENY_SESSION", "a session policy")):
        hit = _first(pols, "Deny", request)
        if hit:
            return ("DENY", reason, None, *hit,
                    f"{what} ({hit[0]}/{hit[1]}) explicitly denies; an explicit Deny beats "
                    f"every Allow.")
    # 2. SCP allow needed at every level
    for lv in levels:
        if not lv.allow:
            return ("DENY", "IMPLICIT_DENY_SCP", lv.node, None, None,
                    f"no SCP attached directly to {org.node(lv.node).label} allows it; an "
                    f"Allow is needed at every level and one higher up does not compensate.")
    # 3. identity allow
    if kind == "root":
        id_allow: tuple[str, str] | None = ("(root user)", "implicit full access")
    else:
        id_allow = _first(policies.identity, "Allow", request)
        if id_allow is None:
            return ("DENY", "IMPLICIT_DENY_IAM", None, None, None,
                    "no identity policy allows it (implicit deny).")
    # 4-5. boundary and session
    if policies.has_boundary and _first(policies.boundary, "Allow", request) is None:
        return ("DENY", "IMPLICIT_DENY_BOUNDARY", None, None, None,
                "the permissions boundary does not allow it.")
    if policies.has_session and _first(policies.session, "Allow", request) is None:
        return ("DENY", "IMPLICIT_DENY_SESSION", None, None, None,
                "the session policies do not allow it.")
    scp_part = "every SCP level allows it and " if applies else ""
    return ("ALLOW", "ALLOWED", None, *id_allow,
            f"{scp_part}{id_allow[0]}/{id_allow[1]} allows it; no Deny matches.")

