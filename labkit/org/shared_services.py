"""Shared services of a landing zone: central VPC Flow Logs, a shared VPC, shared DNS and a
security tooling account, with what each lets a member account do and what it makes visible.

- **Central VPC Flow Logs**: every member VPC publishes its flow log to one S3 bucket in the Log
  Archive account (the creating principal needs ``logs:CreateLogDelivery``; the bucket policy
  lets ``delivery.logs.amazonaws.com`` write: VPC User Guide, "Create a flow log that publishes
  to Amazon S3",
  https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-create-flow-log.html). An SCP
  (:data:`SHARED_SERVICES_GUARDRAILS`) stops member accounts from deleting it.
- **Shared VPC**: the Network account owns one VPC and shares its subnets with workload
  accounts through AWS RAM (VPC User Guide, "Share your VPC with other accounts",
  https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html): a participant launches
  its own resources into a subnet shared with it; the VPC, subnets, route tables and network
  ACLs stay the owner's, and a participant cannot change them or another participant's
  resources.
- **Shared DNS**: Route 53 Resolver forwarding rules created in the Network account and shared
  through AWS RAM. An account the rule is shared with may get, list, associate and disassociate
  it (the operations ``PutResolverRulePolicy`` can grant,
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_PutResolverRulePolicy.html);
  only the owner updates or deletes it. A query matching several rules uses the one with the
  most specific domain name.
- **Security tooling account**: the management account designates the Audit account as the
  delegated administrator of GuardDuty and Security Hub (only the management account can:
  https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DisableOrganizationAdminAccount.html);
  the administrator sees the findings of every member account. With auto-enable set to ``ALL``
  a member that tries to disable GuardDuty gets an error
  (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DisassociateFromAdministratorAccount.html).

:func:`run_shared_services` measures it: a seeded week of flow records, findings and DNS
queries in every member account while some member administrators try to switch the central
services off, and a fixed list of requests (:data:`SHARED_SERVICE_REQUESTS`) that says what a
member account can and cannot do, and which layer decided (SCP, resource owner, service).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labkit.core.rng import make_rng
from labkit.core.runner import Config, Result
from labkit.core.validation import check_int, check_positive, check_probability
from labkit.org.controltower import (
    CONTROL_TOWER_EXECUTION_ROLE,
    LandingZone,
    LandingZoneConfig,
    check_landing_zone,
    landing_zone_of,
)
from labkit.org.evaluation import evaluate
from labkit.org.policy import parse_policy
from labkit.org.tree import Organization

__all__ = [
    "DNS_RULES",
    "SHARED_SERVICES_GUARDRAILS",
    "SHARED_SERVICE_REQUESTS",
    "SHARED_SUBNETS",
    "SharedServicesConfig",
    "SharedServicesResult",
    "decide_request",
    "resolve_query",
    "run_shared_services",
    "with_shared_services_guardrails",
]

#: The SCP attached at the root: member accounts may not delete flow logs or switch off the
#: security tooling (the Control Tower execution role is exempt, as in Control Tower's own).
SHARED_SERVICES_GUARDRAILS: dict = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ProtectCentralFlowLogs", "Effect": "Deny",
     "Action": ["ec2:DeleteFlowLogs", "logs:DeleteLogDelivery"], "Resource": "*",
     "Condition": {"ArnNotLike": {"aws:PrincipalARN": CONTROL_TOWER_EXECUTION_ROLE}}},
    {"Sid": "ProtectSecurityTooling", "Effect": "Deny",
     "Action": ["guardduty:DeleteDetector", "guardduty:UpdateDetector",
                "guardduty:DisassociateFromAdministratorAccount",
                "securityhub:DisableSecurityHub",
                "securityhub:DisassociateFromAdministratorAccount"], "Resource": "*",
     "Condition": {"ArnNotLike": {"aws:PrincipalARN": CONTROL_TOWER_EXECUTION_ROLE}}},
]}

#: Subnets of the Network account's shared VPC and the accounts each is shared with.
SHARED_SUBNETS: dict[str, tuple[str, ...]] = {
    "workloads-prod-a": ("Prod",), "workloads-prod-b": ("Prod",), "workloads-dev-a": ("Dev",),
}
#: Resolver forwarding rules in the Network account: domain -> target (shared with members).
DNS_RULES: dict[str, str] = {"corp.example.com": "on-premises resolver 10.0.0.2",
                             "lab.corp.example.com": "lab resolver 10.0.64.2"}
_OWNER_ONLY = {"ec2:DeleteSubnet", "ec2:ModifySubnetAttribute", "ec2:CreateRoute",
               "ec2:ReplaceNetworkAclEntry", "ec2:DeleteVpc",
               "route53resolver:UpdateResolverRule", "route53resolver:DeleteResolverRule"}
_SHARED_USE = {"route53resolver:GetResolverRule", "route53resolver:AssociateResolverRule",
               "route53resolver:DisassociateResolverRule", "route53resolver:ListResolverRules"}
_MANAGEMENT_ONLY = {"guardduty:EnableOrganizationAdminAccount",
                    "securityhub:EnableOrganizationAdminAccount"}
_ADMIN = [parse_policy({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}, name="AdministratorAccess")]

#: (component, account, action, target) of each request the run answers.
SHARED_SERVICE_REQUESTS: tuple[tuple[str, str, str, str], ...] = (
    ("central flow logs", "Prod", "ec2:DeleteFlowLogs", "the Prod VPC's flow log"),
    ("central flow logs", "Prod", "logs:DeleteLogDelivery", "the Prod VPC's flow log"),
    ("shared VPC", "Prod", "ec2:RunInstances", "workloads-prod-a"),
    ("shared VPC", "Dev", "ec2:RunInstances", "workloads-prod-a"),
    ("shared VPC", "Prod", "ec2:CreateRoute", "the shared VPC's route table"),
    ("shared VPC", "Prod", "ec2:DeleteSubnet", "workloads-prod-a"),
    ("shared VPC", "Network", "ec2:CreateRoute", "the shared VPC's route table"),
    ("shared DNS", "Prod", "route53resolver:AssociateResolverRule", "corp.example.com"),
    ("shared DNS", "Prod", "route53resolver:UpdateResolverRule", "corp.example.com"),
    ("shared DNS", "Network", "route53resolver:UpdateResolverRule", "corp.example.com"),
    ("security tooling", "Prod", "guardduty:DeleteDetector", "the Prod detector"),
    ("security tooling", "Prod", "securityhub:DisableSecurityHub", "Security Hub in Prod"),
    ("security tooling", "Prod", "guardduty:EnableOrganizationAdminAccount", "Audit"),
    ("security tooling", "Management", "guardduty:EnableOrganizationAdminAccount", "Audit"),
)
_COMPONENT_FIELD = {"central flow logs": "central_flow_logs", "shared VPC": "shared_vpc",
                    "shared DNS": "shared_dns", "security tooling": "security_tooling"}
_PUBLIC_NAMES = ("www.example.org", "api.example.net", "s3.amazonaws.com")
_CORP_NAMES = ("git.corp.example.com", "ldap.corp.example.com", "ci.lab.corp.example.com")


def with_shared_services_guardrails(org: Organization) -> Organization:
    """A copy of ``org`` with :data:`SHARED_SERVICES_GUARDRAILS` attached at the root.

    >>> from labkit.org.controltower import build_landing_zone
    >>> with_shared_services_guardrails(build_landing_zone().organization).root.scps
    ['FullAWSAccess', 'SharedServicesGuardrails']
    """
    copy = org.copy()
    copy.add_policy("SharedServicesGuardrails", SHARED_SERVICES_GUARDRAILS)
    copy.attach_policy(copy.root.id, "SharedServicesGuardrails")
    return copy


def resolve_query(name: str, rules: dict[str, str] | None) -> str:
    """Where Route 53 Resolver sends ``name``: the forwarding rule with the most specific
    matching domain, else the Resolver's own (public and VPC) answer.

    >>> resolve_query("ci.lab.corp.example.com", DNS_RULES)
    'lab resolver 10.0.64.2'
    >>> resolve_query("www.example.org", DNS_RULES)
    'Route 53 Resolver'
    """
    labels = name.lower().rstrip(".").split(".")
    for i in range(len(labels)):
        domain = ".".join(labels[i:])
        if rules and domain in rules:
            return rules[domain]
    return "Route 53 Resolver"


@dataclass(frozen=True)
class SharedServicesConfig(Config):
    """Which shared services the landing zone runs, and the week of activity to measure.

    ``guardrails`` attaches :data:`SHARED_SERVICES_GUARDRAILS` at the root. Each member
    account's administrator tries, with ``tamper_probability``, to delete its flow log and to
    disable GuardDuty at a uniform time in ``horizon_s``. Each member account sends
    ``flows_per_account`` flow records and ``dns_queries_per_account`` queries (a third for
    on-premises names) and raises findings at ``findings_per_day``.
    """

    landing_zone: LandingZoneConfig | LandingZone = LandingZoneConfig(
        region_deny=True, strongly_recommended=True)
    central_flow_logs: bool = True
    shared_vpc: bool = True
    shared_dns: bool = True
    security_tooling: bool = True
    guardrails: bool = True
    tamper_probability: float = 0.3
    flows_per_account: int = 200
    dns_queries_per_account: int = 60
    findings_per_day: float = 2.0
    horizon_s: float = 7 * 86400.0
    seed: int = 0

    def validate(self) -> None:
        check_landing_zone(self.landing_zone)
        for name in ("central_flow_logs", "shared_vpc", "shared_dns", "security_tooling",
                     "guardrails"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        check_probability("tamper_probability", self.tamper_probability)
        check_int("flows_per_account", self.flows_per_account, minimum=0, maximum=100_000)
        check_int("dns_queries_per_account", self.dns_queries_per_account, minimum=0,
                  maximum=100_000)
        check_positive("findings_per_day", self.findings_per_day)
        if check_positive("horizon_s", self.horizon_s) > 366 * 86400.0:
            raise ValueError(f"horizon_s must be in (0, 31622400] (a year), got "
                             f"{self.horizon_s!r}")
        check_int("seed", self.seed, minimum=0)


def decide_request(config: SharedServicesConfig, org: Organization, zone: LandingZone,
                   account: str, action: str, target: str) -> tuple[str, str, str]:
    """Decide one request by the account's administrator: ``(decision, decided_by, why)``.

    The layers in the order AWS applies them: the SCPs (policy evaluation), then the resource's
    owner (RAM sharing), then the service's own rule.
    """
    account_id = zone.account(account)
    principal = {"arn": f"arn:aws:iam::{account_id}:role/admin", "type": "role",
                 "account": account_id}
    d = evaluate(org, principal, action, identity_policies=_ADMIN)
    if not d.allowed:
        return "DENY", "SCP", f"{d.reason} ({d.policy or 'no Allow'} at " \
                              f"{org.node(d.node).name if d.node else '-'})"
    if action in _OWNER_ONLY and account != "Network":
        return "DENY", "resource owner", "owned by the Network account; shared, not handed over"
    if action == "ec2:RunInstances" and account not in SHARED_SUBNETS.get(target, ()):
        return "DENY", "resource owner", f"subnet {target} is not shared with {account}"
    if action in _MANAGEMENT_ONLY and account != "Management":
        return "DENY", "service", "only the management account designates the delegated admin"
    if action == "guardduty:DeleteDetector" and config.security_tooling:
        return "DENY", "service", "member of an organization with auto-enable ALL"
    if action in _SHARED_USE:
        return "ALLOW", "resource owner", "rule shared with the account through AWS RAM"
    return "ALLOW", "-", "allowed"


def _requests_frame(config: SharedServicesConfig, org: Organization, zone: LandingZone):
    import pandas as pd

    rows = []
    for component, account, action, target in SHARED_SERVICE_REQUESTS:
        if not getattr(config, _COMPONENT_FIELD[component]):
            continue
        decision, layer, why = decide_request(config, org, zone, account, action, target)
        rows.append({"component": component, "account_name": account, "action": action,
                     "target": target, "decision": decision, "decided_by": layer, "why": why})
    return pd.DataFrame(rows, columns=["component", "account_name", "action", "target",
                                       "decision", "decided_by", "why"])


def _tamper(config: SharedServicesConfig, org: Organization, zone: LandingZone, name: str,
            rng: np.random.Generator) -> dict[str, float]:
    """The times (s) at which ``name``'s administrator switched its flow log and GuardDuty off
    (``inf``: never, or refused)."""
    off = {"flow log": np.inf, "guardduty": np.inf}
    for what, action in (("flow log", "ec2:DeleteFlowLogs"),
                         ("guardduty", "guardduty:DeleteDetector")):
        tries, at = rng.random() < config.tamper_probability, rng.uniform(0, config.horizon_s)
        if tries and decide_request(config, org, zone, name, action, "")[0] == "ALLOW":
            off[what] = float(at)
    return off


def _account_events(config: SharedServicesConfig, name: str, off: dict[str, float],
                    rng: np.random.Generator) -> list[dict]:
    """One member account's week: flow records, findings, DNS queries (and their visibility)."""
    rows = []
    for t in np.sort(rng.uniform(0, config.horizon_s, config.flows_per_account)):
        central = config.central_flow_logs and t < off["flow log"]
        rows.append({"time_s": float(t), "account_name": name, "kind": "flow record",
                     "detail": "VPC flow", "outcome": "logged" if t < off["flow log"] or
                     not config.central_flow_logs else "not logged", "central": central})
    n_findings = rng.poisson(config.findings_per_day * config.horizon_s / 86400.0)
    for t in np.sort(rng.uniform(0, config.horizon_s, n_findings)):
        raised = t < off["guardduty"]
        rows.append({"time_s": float(t), "account_name": name, "kind": "finding",
                     "detail": "GuardDuty finding", "outcome": "raised" if raised else
                     "missed (detector off)", "central": bool(raised and
                                                              config.security_tooling)})
    rules = DNS_RULES if config.shared_dns else None
    for t, corp, k in zip(np.sort(rng.uniform(0, config.horizon_s,
                                              config.dns_queries_per_account)),
                          rng.random(config.dns_queries_per_account) < 1 / 3,
                          rng.integers(0, 3, config.dns_queries_per_account), strict=True):
        query = (_CORP_NAMES if corp else _PUBLIC_NAMES)[k]
        where = resolve_query(query, rules)
        answered = not (corp and where == "Route 53 Resolver")
        rows.append({"time_s": float(t), "account_name": name, "kind": "dns query",
                     "detail": query, "outcome": f"{where}" if answered else "NXDOMAIN",
                     "central": bool(corp and answered)})
    return rows


@dataclass(frozen=True)
class SharedServicesResult(Result):
    """``records``: one row per event (``time_s``, ``account_name``, ``kind`` = flow record,
    finding or dns query, ``detail``, ``outcome``, ``central``: whether it reached the central
    service: the Log Archive bucket, the Audit account's findings, or, for an on-premises name,
    the on-premises resolver); ``requests``: one row per request of
    :data:`SHARED_SERVICE_REQUESTS` whose component is on; ``tampered``: per member account,
    whether its flow log and detector were switched off."""

    config: SharedServicesConfig
    records: object
    requests: object
    tampered: object

    def summary(self) -> dict[str, float | int]:
        """Central shares of flow records and findings, on-premises names answered, and
        requests allowed and denied."""
        r = self.records

        def share(kind: str, mask=None) -> float:
            rows = r[r["kind"] == kind] if mask is None else r[(r["kind"] == kind) & mask]
            return float(rows["central"].mean()) if len(rows) else float("nan")

        corp = r["detail"].str.endswith("corp.example.com")
        return {"flow_records_central_share": share("flow record"),
                "findings_central_share": share("finding"),
                "findings_missed": int((r["outcome"] == "missed (detector off)").sum()),
                "onprem_names_answered_share": share("dns query", corp),
                "flow_logs_switched_off": int(self.tampered["flow_log_off"].sum()),
                "detectors_switched_off": int(self.tampered["guardduty_off"].sum()),
                "requests_allowed": int((self.requests["decision"] == "ALLOW").sum()),
                "requests_denied": int((self.requests["decision"] == "DENY").sum())}


def run_shared_services(config: SharedServicesConfig) -> SharedServicesResult:
    """Run the week and answer the requests.

    >>> on = run_shared_services(SharedServicesConfig(seed=3)).summary()
    >>> off = run_shared_services(SharedServicesConfig(guardrails=False, seed=3)).summary()
    >>> on["flow_records_central_share"], on["flow_logs_switched_off"]
    (1.0, 0)
    >>> off["flow_logs_switched_off"] > 0 and off["flow_records_central_share"] < 1.0
    True
    """
    import pandas as pd

    if not isinstance(config, SharedServicesConfig):
        raise TypeError(f"config must be a SharedServicesConfig, got {type(config).__name__}")
    zone = landing_zone_of(config.landing_zone)
    org = with_shared_services_guardrails(zone.organization) if config.guardrails \
        else zone.organization
    rng = make_rng(config.seed)
    rows, tampered = [], []
    for name in zone.accounts:
        if name in ("Management", "Log Archive", "Audit", "Network"):
            continue
        off = _tamper(config, org, zone, name, rng)
        tampered.append({"account_name": name, "flow_log_off": bool(np.isfinite(off["flow log"])),
                         "guardduty_off": bool(np.isfinite(off["guardduty"]))})
        rows += _account_events(config, name, off, rng)
    records = pd.DataFrame(rows).sort_values(["time_s", "account_name"], kind="stable")
    return SharedServicesResult(config, records.reset_index(drop=True),
                                _requests_frame(config, org, zone), pd.DataFrame(tampered))
