"""Ready-made access scenarios on a landing zone: named principals, actions and resources for
the explorer, the allow-list variant of a deny-list organization, and decision matrices.

- :func:`access_request` turns menu choices (principal kind, account, action, resource kind,
  Region) into a call to :func:`labkit.org.evaluate` and returns its :class:`Decision`.
- :func:`allow_list_variant` replaces ``FullAWSAccess`` on one OU by an SCP allowing chosen
  services (the allow-list strategy).
- :func:`decision_matrix` evaluates many requests against several organizations and returns a
  tidy DataFrame (one row per request and organization).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from labkit.core.runner import Config, Result
from labkit.org.controltower import (
    LandingZone,
    LandingZoneConfig,
    check_landing_zone,
    landing_zone_of,
)
from labkit.org.evaluation import Decision, evaluate
from labkit.org.identity_center import (
    AWS_ADMINISTRATOR_ACCESS,
    AWS_POWER_USER_ACCESS,
    AWS_READ_ONLY_ACCESS,
    Assignment,
    provision,
)
from labkit.org.policy import parse_policy
from labkit.org.regions import requested_region
from labkit.org.tree import Organization

__all__ = ["ACTIONS", "GUARDRAIL_REQUESTS", "PRINCIPAL_KINDS", "REGIONS", "RESOURCE_KINDS",
           "GuardrailConfig", "GuardrailResult", "access_request", "allow_list_variant",
           "decision_matrix", "flat_organization", "principal_for", "request_table",
           "run_guardrails"]

#: Principal menu: label -> how to build it in an account.
PRINCIPAL_KINDS: tuple[str, ...] = (
    "Administrator (Identity Center role)", "Power user (Identity Center role)",
    "Read-only (Identity Center role)", "Root user", "Service-linked role",
    "Control Tower execution role",
)
ACTIONS: tuple[str, ...] = (
    "ec2:RunInstances", "s3:GetObject", "s3:DeleteBucket", "cloudtrail:StopLogging",
    "iam:CreateRole", "iam:CreateAccessKey", "kms:Decrypt", "organizations:LeaveOrganization",
)
#: Resource menu: label -> ARN template ({account}, {region}).
RESOURCE_KINDS: dict[str, str] = {
    "matching resource for the action": "",
    "* (no resource-level permissions)": "*",
    "Control Tower trail": "arn:aws:cloudtrail:{region}:{account}:trail/"
                           "aws-controltower-BaselineCloudTrail",
    "team trail": "arn:aws:cloudtrail:{region}:{account}:trail/team-trail",
    "Log Archive bucket": "arn:aws:s3:::aws-controltower-logs-{account}-{region}",
    "application bucket object": "arn:aws:s3:::app-data-{account}/reports/latest.csv",
}
_DEFAULT_RESOURCE = {
    "ec2": "arn:aws:ec2:{region}:{account}:instance/*",
    "s3:GetObject": "arn:aws:s3:::app-data-{account}/reports/latest.csv",
    "s3:DeleteBucket": "arn:aws:s3:::aws-controltower-logs-{account}-{region}",
    "cloudtrail": RESOURCE_KINDS["Control Tower trail"],
    "iam:CreateRole": "arn:aws:iam::{account}:role/new-role",
    "iam:CreateAccessKey": "arn:aws:iam::{account}:user/ci",
    "kms": "arn:aws:kms:{region}:{account}:key/app",
}
REGIONS: tuple[str, ...] = ("us-east-1", "eu-west-1", "ap-southeast-2")

_SETS = {"Administrator (Identity Center role)": AWS_ADMINISTRATOR_ACCESS,
         "Power user (Identity Center role)": AWS_POWER_USER_ACCESS,
         "Read-only (Identity Center role)": AWS_READ_ONLY_ACCESS}
_ADMIN = [parse_policy(AWS_ADMINISTRATOR_ACCESS.policies[0], name="AdministratorAccess")]
_SHORT = {"Administrator (Identity Center role)": "admin", "Power user (Identity Center role)":
          "power user", "Read-only (Identity Center role)": "read-only", "Root user": "root user",
          "Service-linked role": "service-linked role",
          "Control Tower execution role": "CT execution role"}


def principal_for(kind: str, account: str) -> tuple[dict, list]:
    """The principal dict and its identity policies for a menu choice in ``account``.

    >>> p, pols = principal_for("Root user", "222222222222")
    >>> p["arn"], pols
    ('arn:aws:iam::222222222222:root', [])
    """
    if kind in _SETS:
        ps = _SETS[kind]
        role = provision([Assignment("team", ps.name, account)], [ps])[0]
        return role.principal, [parse_policy(d, name=ps.name) for d in role.policies]
    if kind == "Root user":
        return {"arn": f"arn:aws:iam::{account}:root", "type": "root", "account": account}, []
    if kind == "Service-linked role":
        arn = (f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/"
               "AWSServiceRoleForConfig")
        return {"arn": arn, "type": "service-linked-role", "account": account}, list(_ADMIN)
    if kind == "Control Tower execution role":
        arn = f"arn:aws:iam::{account}:role/AWSControlTowerExecution"
        return {"arn": arn, "type": "role", "account": account}, list(_ADMIN)
    raise ValueError(f"principal kind must be one of {list(PRINCIPAL_KINDS)}; got {kind!r}")


def _resource_for(action: str, resource_kind: str) -> str:
    if resource_kind not in RESOURCE_KINDS:
        raise ValueError(f"resource kind must be one of {list(RESOURCE_KINDS)}; "
                         f"got {resource_kind!r}")
    template = RESOURCE_KINDS[resource_kind]
    if template:
        return template
    return _DEFAULT_RESOURCE.get(action, _DEFAULT_RESOURCE.get(action.split(":")[0], "*"))


def access_request(org: Organization | LandingZone, principal: str, account: str, action: str,
                   resource: str = "matching resource for the action",
                   region: str = "eu-west-1") -> Decision:
    """Evaluate a menu-built request; ``account`` is an account name (or 12-digit id).

    The Region is the one the caller works in; global services are sent to their endpoint's
    Region (``iam:*`` to us-east-1), as ``aws:RequestedRegion`` would record.

    >>> from labkit.org.controltower import build_landing_zone
    >>> lz = build_landing_zone(region_deny=True)
    >>> access_request(lz, "Administrator (Identity Center role)", "Prod", "ec2:RunInstances",
    ...                region="ap-southeast-2").reason
    'EXPLICIT_DENY_SCP'
    """
    org_ = org.organization if isinstance(org, LandingZone) else org
    account_id = account if account.isdigit() else org_.find(account).id
    who, policies = principal_for(principal, account_id)
    arn = _resource_for(action, resource)
    region_used = requested_region(action, region)
    return evaluate(org_, who, action, identity_policies=policies,
                    resource=arn.format(account=account_id, region=region_used),
                    region=region_used)


def allow_list_variant(org: Organization, ou_name: str, services: Sequence[str]
                       ) -> Organization:
    """A copy of ``org`` whose OU ``ou_name`` has ``FullAWSAccess`` replaced by an SCP that
    allows only ``services`` (``"ec2"`` -> ``ec2:*``).

    >>> from labkit.org.controltower import build_landing_zone
    >>> org = allow_list_variant(build_landing_zone().organization, "Workloads", ["ec2", "s3"])
    >>> org.find("Workloads").scps
    ['AllowListWorkloads', 'aws-guardrails-mandatory']
    """
    if not services:
        raise ValueError("services must name at least one service prefix")
    copy = org.copy()
    name = "AllowList" + ou_name.replace(" ", "")
    copy.add_policy(name, {"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowListedServices", "Effect": "Allow",
         "Action": [f"{s}:*" for s in services], "Resource": "*"}]})
    node = copy.find(ou_name)
    if node.type != "ou":
        raise ValueError(f"{ou_name!r} is not an OU")
    if "FullAWSAccess" in node.scps:
        node.scps[node.scps.index("FullAWSAccess")] = name
    else:
        copy.attach_policy(node.id, name)
    copy.check()
    return copy


def request_table(orgs: Mapping[str, Organization | LandingZone],
                  requests: Sequence[Mapping[str, str]]):
    """Evaluate each request in each organization; one row per (organization, request).

    Each request is a dict with ``principal`` (a :data:`PRINCIPAL_KINDS` entry), ``account``
    (name), ``action`` and optionally ``resource`` (a :data:`RESOURCE_KINDS` label) and
    ``region``. Columns: ``strategy``, ``request`` (a short label), ``principal``, ``account``,
    ``action``, ``region``, ``decision``, ``reason``, ``node``, ``policy``, ``statement``.
    """
    import pandas as pd

    rows = []
    for label, org in orgs.items():
        org_ = org.organization if isinstance(org, LandingZone) else org
        for req in requests:
            unknown = set(req) - {"principal", "account", "action", "resource", "region"}
            if unknown:
                raise ValueError(f"request has unknown key(s) {sorted(unknown)}")
            region = req.get("region", "eu-west-1")
            d = access_request(org_, req["principal"], req["account"], req["action"],
                               req.get("resource", "matching resource for the action"), region)
            who = _SHORT.get(req["principal"], req["principal"])
            rows.append({"strategy": label,
                         "request": f"{who} in {req['account']}: {req['action']} ({region})",
                         "principal": req["principal"], "account": req["account"],
                         "action": req["action"], "region": region, "decision": d.decision,
                         "reason": d.reason, "node": org_.node(d.node).name if d.node else "",
                         "policy": d.policy or "", "statement": d.statement or ""})
    return pd.DataFrame(rows)


def decision_matrix(orgs: Mapping[str, Organization | LandingZone], principal: str,
                    account: str, actions: Sequence[str], *, region: str = "eu-west-1"):
    """Evaluate each action for one principal kind and account in each organization; one row
    per (organization, action) with ``decision``, ``reason``, ``node`` and ``policy``."""
    frame = request_table(orgs, [{"principal": principal, "account": account, "action": a,
                                  "region": region} for a in actions])
    return frame[["strategy", "action", "decision", "reason", "node", "policy"]]


_ADMIN_KIND = "Administrator (Identity Center role)"
#: The requests the notebook replays without and with the landing zone: four risky ones
#: (stop the Control Tower trail, delete the log bucket, root access keys, an ungoverned
#: Region), two ordinary ones and one in the management account.
GUARDRAIL_REQUESTS: tuple[tuple[tuple[str, str], ...], ...] = tuple(
    tuple(sorted(r.items())) for r in (
        {"principal": _ADMIN_KIND, "account": "Prod", "action": "cloudtrail:StopLogging"},
        {"principal": _ADMIN_KIND, "account": "Log Archive", "action": "s3:DeleteBucket"},
        {"principal": "Root user", "account": "Prod", "action": "iam:CreateAccessKey"},
        {"principal": _ADMIN_KIND, "account": "Dev", "action": "ec2:RunInstances",
         "region": "ap-southeast-2"},
        {"principal": _ADMIN_KIND, "account": "Prod", "action": "ec2:RunInstances"},
        {"principal": _ADMIN_KIND, "account": "Prod", "action": "iam:CreateRole",
         "region": "ap-southeast-2"},
        {"principal": _ADMIN_KIND, "account": "Management", "action": "cloudtrail:StopLogging"},
    ))


def flat_organization(landing_zone: LandingZone, *, org_id: str = "o-flatorg1") -> Organization:
    """The baseline: the landing zone's accounts all at the root, ``FullAWSAccess`` only.

    >>> from labkit.org.controltower import build_landing_zone
    >>> flat = flat_organization(build_landing_zone())
    >>> [n.type for n in flat.root.children][:2], flat.root.scps
    (['account', 'account'], ['FullAWSAccess'])
    """
    tree = {"org_id": org_id, "root": {"type": "root", "id": "r-flat", "name": "Root",
            "children": [{"type": "account", "id": account_id, "name": name,
                          "management": name == "Management"}
                         for name, account_id in landing_zone.accounts.items()]}}
    return Organization.from_dict(tree, {})


@dataclass(frozen=True)
class GuardrailConfig(Config):
    """The same requests against the flat baseline organization and the landing zone.

    ``requests`` holds each request as a tuple of ``(key, value)`` pairs (keys as in
    :func:`request_table`); the default is :data:`GUARDRAIL_REQUESTS`. Policy evaluation is
    deterministic: there is no seed, and replications would all give the same table.
    """

    landing_zone: LandingZoneConfig | LandingZone = LandingZoneConfig(
        region_deny=True, strongly_recommended=True)
    requests: tuple[tuple[tuple[str, str], ...], ...] = GUARDRAIL_REQUESTS

    def validate(self) -> None:
        check_landing_zone(self.landing_zone)
        if not isinstance(self.requests, tuple) or not 1 <= len(self.requests) <= 1000:
            raise ValueError(f"requests must be a tuple of 1 to 1000 requests, got "
                             f"{self.requests!r}")
        for i, req in enumerate(self.requests):
            keys = {k for k, _ in req} if isinstance(req, tuple) else set()
            if not {"principal", "account", "action"} <= keys:
                raise ValueError(f"requests[{i}] must be a tuple of (key, value) pairs with "
                                 f"principal, account and action, got {req!r}")


@dataclass(frozen=True)
class GuardrailResult(Result):
    """``records``: one row per (organization, request) as :func:`request_table` gives."""

    config: GuardrailConfig
    records: object

    def summary(self) -> dict[str, int]:
        """Requests, and how many each organization allowed."""
        r = self.records
        allowed = r[r["decision"] == "ALLOW"].groupby("strategy").size()
        return {"n_requests": len(self.config.requests),
                "allowed_flat": int(allowed.get("flat organization", 0)),
                "allowed_landing_zone": int(allowed.get("landing zone", 0))}


def run_guardrails(config: GuardrailConfig) -> GuardrailResult:
    """Replay the requests without (flat organization) and with the landing zone.

    >>> run_guardrails(GuardrailConfig()).summary()
    {'n_requests': 7, 'allowed_flat': 7, 'allowed_landing_zone': 3}
    """
    if not isinstance(config, GuardrailConfig):
        raise TypeError(f"config must be a GuardrailConfig, got {type(config).__name__}")
    zone = landing_zone_of(config.landing_zone)
    frame = request_table({"flat organization": flat_organization(zone), "landing zone": zone},
                          [dict(r) for r in config.requests])
    return GuardrailResult(config, frame)

