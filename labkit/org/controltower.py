"""AWS Control Tower: a landing zone builder with preventive and detective controls.

The landing zone (Control Tower User Guide, "How AWS Control Tower works",
https://docs.aws.amazon.com/controltower/latest/userguide/how-control-tower-works.html): the
management account at the root; a **Security OU** with
the Log Archive and Audit accounts; a **Sandbox OU**; an **Infrastructure OU** (the network
account that owns the Transit Gateway); a **Workloads OU**. Accounts created outside Control
Tower can sit in a registered OU *unenrolled*.

Controls (Control Tower Controls Reference,
https://docs.aws.amazon.com/controltower/latest/controlreference/controls.html):

- **preventive** controls are SCPs, attached to every registered OU on top of ``FullAWSAccess``
  and reaching every account below (enrolled or not); the management account is exempt;
- **detective** controls are AWS Config rules evaluated over a resource inventory in the
  governed Regions of **enrolled** accounts only; they report, they do not block.

The SCP bodies follow the Controls Reference (``GRCLOUDTRAILENABLED``,
``GRAUDITBUCKETDELETIONPROHIBITED``, ``GRLOGGROUPPOLICY``, ``GRRESTRICTROOTUSER``,
``GRRESTRICTROOTUSERACCESSKEYS``, ``GRREGIONDENY``), with the ``NotAction`` list of the Region deny
abridged to the main global services.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from labkit.core.rng import make_rng
from labkit.core.runner import Config, Result
from labkit.core.validation import check_choice, check_int, check_probability
from labkit.org.tree import Organization
from labkit.org.validation import QUOTA_PROFILES

__all__ = [
    "CONTROL_TOWER_EXECUTION_ROLE",
    "DETECTIVE_CONTROLS",
    "GLOBAL_SERVICE_ACTIONS",
    "PREVENTIVE_CONTROLS",
    "ComplianceConfig",
    "ComplianceReport",
    "ComplianceResult",
    "Control",
    "LandingZone",
    "LandingZoneConfig",
    "Resource",
    "build_landing_zone",
    "check_landing_zone",
    "check_regions",
    "draw_inventory",
    "evaluate_detective_controls",
    "region_deny_statement",
    "run_compliance",
    "simulate_inventory",
]

CONTROL_TOWER_EXECUTION_ROLE = "arn:aws:iam::*:role/AWSControlTowerExecution"
_EXEMPT = {"ArnNotLike": {"aws:PrincipalARN": CONTROL_TOWER_EXECUTION_ROLE}}

#: Global-service actions a Region deny must exempt (abridged from GRREGIONDENY).
GLOBAL_SERVICE_ACTIONS: tuple[str, ...] = (
    "iam:*", "organizations:*", "sts:*", "route53:*", "route53domains:*", "cloudfront:*",
    "support:*", "budgets:*", "ce:*", "health:*", "trustedadvisor:*", "waf:*", "shield:*",
    "globalaccelerator:*", "networkmanager:*", "pricing:*", "s3:ListAllMyBuckets",
)


@dataclass(frozen=True)
class Control:
    """One Control Tower control: preventive (an SCP statement) or detective (a Config rule)."""

    identifier: str
    name: str
    behavior: str
    guidance: str
    scope: str
    statement: Mapping | None = None
    resource_type: str | None = None
    property: str | None = None
    compliant_value: bool | None = None


PREVENTIVE_CONTROLS: dict[str, Control] = {c.identifier: c for c in [
    Control("GRCLOUDTRAILENABLED", "Disallow Configuration Changes to CloudTrail", "preventive",
            "mandatory", "all OUs", {
                "Sid": "GRCLOUDTRAILENABLED", "Effect": "Deny",
                "Action": ["cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors",
                           "cloudtrail:StopLogging", "cloudtrail:UpdateTrail"],
                "Resource": ["arn:aws:cloudtrail:*:*:trail/aws-controltower-*"],
                "Condition": _EXEMPT}),
    Control("GRLOGGROUPPOLICY", "Disallow Changes to Control Tower log groups", "preventive",
            "mandatory", "all OUs", {
                "Sid": "GRLOGGROUPPOLICY", "Effect": "Deny",
                "Action": ["logs:DeleteLogGroup", "logs:PutRetentionPolicy"],
                "Resource": ["arn:aws:logs:*:*:log-group:*aws-controltower*"],
                "Condition": _EXEMPT}),
    Control("GRAUDITBUCKETDELETIONPROHIBITED", "Disallow Deletion of Log Archive", "preventive",
            "mandatory", "Security OU", {
                "Sid": "GRAUDITBUCKETDELETIONPROHIBITED", "Effect": "Deny",
                "Action": ["s3:DeleteBucket"], "Resource": ["arn:aws:s3:::aws-controltower*"],
                "Condition": _EXEMPT}),
    Control("LogArchiveBucketChanges",
            "Disallow changes to encryption, logging, policy and lifecycle of the Log Archive "
            "buckets", "preventive", "mandatory", "Security OU", {
                "Sid": "LogArchiveBucketChanges", "Effect": "Deny",
                "Action": ["s3:PutEncryptionConfiguration", "s3:PutBucketLogging",
                           "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
                           "s3:PutLifecycleConfiguration"],
                "Resource": ["arn:aws:s3:::aws-controltower*"], "Condition": _EXEMPT}),
    Control("GRRESTRICTROOTUSERACCESSKEYS", "Disallow Creation of Access Keys for the Root User",
            "preventive", "strongly recommended", "all OUs", {
                "Sid": "GRRESTRICTROOTUSERACCESSKEYS", "Effect": "Deny",
                "Action": "iam:CreateAccessKey", "Resource": ["*"],
                "Condition": {"StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}}}),
    Control("GRRESTRICTROOTUSER", "Disallow Actions as a Root User", "preventive",
            "strongly recommended", "all OUs", {
                "Sid": "GRRESTRICTROOTUSER", "Effect": "Deny", "Action": "*",
                "Resource": ["*"],
                "Condition": {"StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}}}),
]}

DETECTIVE_CONTROLS: dict[str, Control] = {c.identifier: c for c in [
    # Mandatory only for the Log Archive buckets; on every bucket it is a strongly recommended
    # control (Controls Reference, strongly-recommended-controls.html). The lab applies it to
    # every bucket, so it is labelled so.
    Control("S3_BUCKET_PUBLIC_READ_PROHIBITED", "Detect public read access to S3 buckets",
            "detective", "strongly recommended", "all OUs", resource_type="AWS::S3::Bucket",
            property="public_read", compliant_value=False),
    Control("S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "Detect public write access to S3 buckets",
            "detective", "strongly recommended", "all OUs", resource_type="AWS::S3::Bucket",
            property="public_write", compliant_value=False),
    Control("ROOT_ACCOUNT_MFA_ENABLED", "Detect whether MFA for the root user is enabled",
            "detective", "strongly recommended", "all OUs", resource_type="AWS::::Account",
            property="root_mfa", compliant_value=True),
    Control("ENCRYPTED_VOLUMES", "Detect whether EBS volumes attached to instances are encrypted",
            "detective", "strongly recommended", "all OUs", resource_type="AWS::EC2::Volume",
            property="encrypted", compliant_value=True),
    Control("INCOMING_SSH_DISABLED", "Detect whether unrestricted incoming SSH is allowed",
            "detective", "strongly recommended", "all OUs",
            resource_type="AWS::EC2::SecurityGroup", property="ssh_open_to_world",
            compliant_value=False),
    Control("RDS_INSTANCE_PUBLIC_ACCESS_CHECK", "Detect public RDS database instances",
            "detective", "strongly recommended", "all OUs",
            resource_type="AWS::RDS::DBInstance", property="publicly_accessible",
            compliant_value=False),
    Control("RDS_STORAGE_ENCRYPTED", "Detect RDS instances without storage encryption",
            "detective", "strongly recommended", "all OUs", resource_type="AWS::RDS::DBInstance",
            property="storage_encrypted", compliant_value=True),
]}


def region_deny_statement(governed_regions: Sequence[str], *,
                          exempt_actions: Sequence[str] = GLOBAL_SERVICE_ACTIONS,
                          exempt_principals: Sequence[str] = (CONTROL_TOWER_EXECUTION_ROLE,)
                          ) -> dict:
    """The Region-deny SCP statement: Deny everything except ``exempt_actions`` outside the
    governed Regions, unless the caller is one of ``exempt_principals``.

    >>> st = region_deny_statement(["eu-west-1"])
    >>> st["Condition"]["StringNotEquals"]
    {'aws:RequestedRegion': ['eu-west-1']}
    """
    regions = list(governed_regions)
    if not regions:
        raise ValueError("governed_regions must name at least one Region")
    return {"Sid": "GRREGIONDENY", "Effect": "Deny", "NotAction": list(exempt_actions),
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": regions},
                          "ArnNotLike": {"aws:PrincipalARN": list(exempt_principals)}}}


def _policy(*statements: Mapping) -> dict:
    return {"Version": "2012-10-17", "Statement": [dict(s) for s in statements]}


@dataclass(frozen=True)
class LandingZone:
    """A built landing zone: the organization, its enabled controls and governance scope."""

    organization: Organization
    controls: tuple[Control, ...]
    governed_regions: tuple[str, ...]
    enrolled: frozenset[str]
    accounts: Mapping[str, str]  # account name -> id

    def account(self, name: str) -> str:
        """Account id by name (``KeyError`` listing the names)."""
        try:
            return self.accounts[name]
        except KeyError:
            raise KeyError(f"no account named {name!r}; known: {sorted(self.accounts)}") \
                from None

    def controls_frame(self):
        """One row per enabled control: identifier, name, behaviour, guidance, scope."""
        import pandas as pd

        return pd.DataFrame([{"control": c.identifier, "name": c.name, "behavior": c.behavior,
                              "guidance": c.guidance, "scope": c.scope} for c in self.controls])


_DEFAULT_ACCOUNTS = {
    "Management": "111111111111", "Log Archive": "222222222222", "Audit": "333333333333",
    "Sandbox": "444444444444", "Network": "555555555555", "Prod": "666666666666",
    "Dev": "777777777777", "Legacy": "888888888888",
}


def build_landing_zone(*, governed_regions: Sequence[str] = ("us-east-1", "eu-west-1"),
                       region_deny: bool = False, strongly_recommended: bool = False,
                       accounts: Mapping[str, str] | None = None,
                       unenrolled: Iterable[str] = ("Legacy",), org_id: str = "o-landingzone1",
                       quotas: str = "documented") -> LandingZone:
    """Build the landing zone with mandatory controls (and optional ones) attached as SCPs.

    ``accounts`` maps the names Management, Log Archive, Audit, Sandbox, Network, Prod, Dev,
    Legacy to 12-digit ids (defaults are 111111111111, 222222222222, ...). Every registered OU
    gets ``FullAWSAccess`` + ``aws-guardrails-mandatory``; the Security OU also
    ``aws-guardrails-security``; then ``aws-guardrails-strongly-recommended`` and
    ``aws-guardrails-region-deny`` when enabled.

    >>> lz = build_landing_zone(region_deny=True)
    >>> lz.organization.find("Security").scps  # doctest: +NORMALIZE_WHITESPACE
    ['FullAWSAccess', 'aws-guardrails-mandatory', 'aws-guardrails-security',
     'aws-guardrails-region-deny']
    >>> len(lz.enrolled), lz.account("Legacy") in lz.enrolled
    (6, False)
    """
    ids = dict(_DEFAULT_ACCOUNTS)
    if accounts is not None:
        unknown = set(accounts) - set(ids)
        if unknown:
            raise ValueError(f"accounts has unknown name(s) {sorted(unknown)}; "
                             f"known: {sorted(ids)}")
        ids.update(accounts)
    regions = tuple(governed_regions)
    if not regions:
        raise ValueError("governed_regions must name at least one Region")
    unenrolled = set(unenrolled)
    if unenrolled - set(ids):
        raise ValueError(f"unenrolled names unknown account(s) {sorted(unenrolled - set(ids))}")

    mandatory = [c for c in PREVENTIVE_CONTROLS.values() if c.guidance == "mandatory"]
    policies = {
        "aws-guardrails-mandatory": _policy(*(c.statement for c in mandatory
                                              if c.scope == "all OUs")),
        "aws-guardrails-security": _policy(*(c.statement for c in mandatory
                                             if c.scope == "Security OU")),
    }
    enabled = list(mandatory)
    ou_scps = ["FullAWSAccess", "aws-guardrails-mandatory"]
    extra: list[str] = []
    if strongly_recommended:
        sr = [c for c in PREVENTIVE_CONTROLS.values() if c.guidance == "strongly recommended"]
        policies["aws-guardrails-strongly-recommended"] = _policy(*(c.statement for c in sr))
        enabled += sr
        extra.append("aws-guardrails-strongly-recommended")
    if region_deny:
        policies["aws-guardrails-region-deny"] = _policy(region_deny_statement(regions))
        enabled.append(Control("GRREGIONDENY", "Deny access to AWS based on the requested Region",
                               "preventive", "elective", "all OUs",
                               policies["aws-guardrails-region-deny"]["Statement"][0]))
    if region_deny:
        extra.append("aws-guardrails-region-deny")
    enabled += list(DETECTIVE_CONTROLS.values())

    def acct(name: str, **kw) -> dict:
        return {"type": "account", "id": ids[name], "name": name, **kw}

    tree = {"org_id": org_id, "root": {
        "type": "root", "id": "r-lz00", "name": "Root", "children": [
            acct("Management", management=True),
            {"type": "ou", "id": "ou-security", "name": "Security",
             "scps": ou_scps + ["aws-guardrails-security"] + extra,
             "children": [acct("Log Archive"), acct("Audit")]},
            {"type": "ou", "id": "ou-sandbox", "name": "Sandbox", "scps": ou_scps + extra,
             "children": [acct("Sandbox")]},
            {"type": "ou", "id": "ou-infrastructure", "name": "Infrastructure",
             "scps": ou_scps + extra, "children": [acct("Network")]},
            {"type": "ou", "id": "ou-workloads", "name": "Workloads", "scps": ou_scps + extra,
             "children": [acct("Prod"), acct("Dev"), acct("Legacy")]},
        ]}}
    org = Organization.from_dict(tree, policies, quotas=quotas)
    enrolled = frozenset(ids[n] for n in ids if n not in unenrolled and n != "Management")
    return LandingZone(org, tuple(enabled), regions, enrolled, dict(ids))


@dataclass(frozen=True)
class LandingZoneConfig(Config):
    """How to build a landing zone (the arguments of :func:`build_landing_zone`, frozen).

    >>> LandingZoneConfig(region_deny=True).build().organization.find("Workloads").scps[-1]
    'aws-guardrails-region-deny'
    >>> LandingZoneConfig(governed_regions=())
    Traceback (most recent call last):
    ...
    ValueError: governed_regions must name 1 to 20 Regions, got ()
    """

    governed_regions: tuple[str, ...] = ("us-east-1", "eu-west-1")
    region_deny: bool = False
    strongly_recommended: bool = False
    unenrolled: tuple[str, ...] = ("Legacy",)
    org_id: str = "o-landingzone1"
    quotas: str = "documented"

    def validate(self) -> None:
        if not isinstance(self.governed_regions, tuple) or not 1 <= len(self.governed_regions) \
                <= 20 or not all(isinstance(r, str) and r for r in self.governed_regions):
            raise ValueError(f"governed_regions must name 1 to 20 Regions, got "
                             f"{self.governed_regions!r}")
        for name in ("region_deny", "strongly_recommended"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        unknown = set(self.unenrolled) - set(_DEFAULT_ACCOUNTS) | (
            {"Management"} & set(self.unenrolled))
        if not isinstance(self.unenrolled, tuple) or unknown:
            raise ValueError(f"unenrolled must be a tuple of member account names from "
                             f"{sorted(set(_DEFAULT_ACCOUNTS) - {'Management'})}, got "
                             f"{self.unenrolled!r}")
        check_choice("quotas", self.quotas, tuple(QUOTA_PROFILES))

    def build(self) -> LandingZone:
        """The landing zone this configuration describes."""
        return build_landing_zone(governed_regions=self.governed_regions,
                                  region_deny=self.region_deny,
                                  strongly_recommended=self.strongly_recommended,
                                  unenrolled=self.unenrolled, org_id=self.org_id,
                                  quotas=self.quotas)


def check_landing_zone(value: object, name: str = "landing_zone") -> None:
    """``TypeError`` unless ``value`` is a :class:`LandingZoneConfig` or a :class:`LandingZone`."""
    if not isinstance(value, (LandingZoneConfig, LandingZone)):
        raise TypeError(f"{name} must be a LandingZoneConfig or a LandingZone, got "
                        f"{type(value).__name__}")


def check_regions(regions: object, name: str = "regions") -> None:
    """``ValueError`` unless ``regions`` is ``None`` or a tuple of 1 to 30 Region names."""
    if regions is not None and (not isinstance(regions, tuple) or not 1 <= len(regions) <= 30
                                or not all(isinstance(r, str) and r for r in regions)):
        raise ValueError(f"{name} must be None or a tuple of 1 to 30 Regions, got {regions!r}")


def landing_zone_of(value: LandingZoneConfig | LandingZone, name: str = "landing_zone"
                    ) -> LandingZone:
    """A built landing zone from a configuration (built) or a landing zone (as is)."""
    if isinstance(value, LandingZone):
        return value
    check_landing_zone(value, name)
    return value.build()


@dataclass(frozen=True)
class Resource:
    """One configuration item: account, Region, type, id and its properties."""

    account: str
    region: str
    resource_type: str
    resource_id: str
    properties: Mapping[str, bool] = field(default_factory=dict)


_TEMPLATES: tuple[tuple[str, str, dict[str, bool]], ...] = (
    ("AWS::S3::Bucket", "bucket", {"public_read": False, "public_write": False}),
    ("AWS::EC2::Volume", "vol", {"encrypted": True}),
    ("AWS::EC2::SecurityGroup", "sg", {"ssh_open_to_world": False}),
    ("AWS::RDS::DBInstance", "db", {"publicly_accessible": False, "storage_encrypted": True}),
)


def draw_inventory(landing_zone: LandingZone, regions: Sequence[str], resources_per_region: int,
                   drift_probability: float, rng: np.random.Generator) -> list[Resource]:
    """The inventory step: every member account's resources, each property drifting from its
    compliant value with ``drift_probability``; one ``AWS::::Account`` item per account carries
    ``root_mfa``.

    >>> lz = build_landing_zone()
    >>> inv = draw_inventory(lz, ("us-east-1", "eu-west-1", "ap-southeast-2"), 2, 0.1,
    ...                      make_rng(1))
    >>> len(inv) == 7 * (1 + 2 * 3)    # 7 member accounts, 2 per type, 3 Regions
    True
    """
    out: list[Resource] = []
    members = [(name, aid) for name, aid in landing_zone.accounts.items() if name != "Management"]
    for name, aid in members:
        slug = name.lower().replace(" ", "-")
        out.append(Resource(aid, "global", "AWS::::Account", aid,
                            {"root_mfa": bool(rng.random() >= drift_probability)}))
        for region in regions:
            for k in range(resources_per_region):
                rtype, prefix, good = _TEMPLATES[k % len(_TEMPLATES)]
                props = {key: (not val) if rng.random() < drift_probability else val
                         for key, val in good.items()}
                out.append(Resource(aid, region, rtype, f"{slug}-{prefix}-{region}-{k}", props))
    return out


def _inventory_regions(landing_zone: LandingZone, regions: Sequence[str] | None
                       ) -> tuple[str, ...]:
    return tuple(regions) if regions is not None else (*landing_zone.governed_regions,
                                                       "ap-southeast-2")


def simulate_inventory(landing_zone: LandingZone, *, regions: Sequence[str] | None = None,
                       resources_per_region: int = 6, drift_probability: float = 0.1,
                       seed: int | np.random.Generator = 0) -> list[Resource]:
    """Deprecated since labkit 0.2: use :func:`run_compliance` (``.inventory``).

    The inventory alone, as a list (warns ``DeprecationWarning``).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     inv = simulate_inventory(build_landing_zone(), resources_per_region=2, seed=1)
    >>> len(inv)
    49
    """
    warnings.warn("simulate_inventory is deprecated since labkit 0.2 and will be removed in the "
                  "next release; use labkit.org.controltower.run_compliance(ComplianceConfig("
                  "...)).inventory instead", DeprecationWarning, stacklevel=2)
    n = check_int("resources_per_region", resources_per_region, minimum=0, maximum=1000)
    p = check_probability("drift_probability", drift_probability)
    return draw_inventory(landing_zone, _inventory_regions(landing_zone, regions), n, p,
                          make_rng(seed))


@dataclass(frozen=True)
class ComplianceReport:
    """Detective-control results: one evaluation per (rule, resource) in scope."""

    rows: tuple[tuple[str, str, str, str, str, str, str], ...]
    skipped_unenrolled: int
    skipped_ungoverned: int

    def to_frame(self):
        """Columns: control, account, account_name, region, resource_type, resource_id,
        compliance (``COMPLIANT``/``NON_COMPLIANT``)."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=[
            "control", "account", "account_name", "region", "resource_type", "resource_id",
            "compliance"])

    @property
    def non_compliant(self) -> int:
        return sum(1 for r in self.rows if r[-1] == "NON_COMPLIANT")


def evaluate_detective_controls(landing_zone: LandingZone, inventory: Iterable[Resource], *,
                                controls: Iterable[str] | None = None) -> ComplianceReport:
    """Run the detective controls over ``inventory``: enrolled accounts, governed Regions
    (account-level items everywhere) only; resources elsewhere are counted as skipped.

    >>> lz = build_landing_zone()
    >>> bad = Resource(lz.account("Prod"), "us-east-1", "AWS::S3::Bucket", "b",
    ...                {"public_read": True, "public_write": False})
    >>> evaluate_detective_controls(lz, [bad]).non_compliant
    1
    """
    chosen = list(DETECTIVE_CONTROLS) if controls is None else list(controls)
    for c in chosen:
        if c not in DETECTIVE_CONTROLS:
            raise ValueError(f"unknown detective control {c!r}; known: {list(DETECTIVE_CONTROLS)}")
    names = {aid: name for name, aid in landing_zone.accounts.items()}
    rows = []
    unenrolled = ungoverned = 0
    for res in inventory:
        if res.account not in landing_zone.enrolled:
            unenrolled += 1
            continue
        if res.region != "global" and res.region not in landing_zone.governed_regions:
            ungoverned += 1
            continue
        for cid in chosen:
            ctl = DETECTIVE_CONTROLS[cid]
            if ctl.resource_type != res.resource_type or ctl.property not in res.properties:
                continue
            ok = res.properties[ctl.property] == ctl.compliant_value
            rows.append((cid, res.account, names.get(res.account, res.account), res.region,
                         res.resource_type, res.resource_id,
                         "COMPLIANT" if ok else "NON_COMPLIANT"))
    return ComplianceReport(tuple(rows), unenrolled, ungoverned)


@dataclass(frozen=True)
class ComplianceConfig(Config):
    """A seeded resource inventory checked by the detective controls.

    ``landing_zone`` is a :class:`LandingZoneConfig` (or a built :class:`LandingZone`);
    ``regions`` the Regions resources are created in (``None``: the governed Regions plus
    ap-southeast-2, which nobody governs); each resource property drifts from its compliant
    value with ``drift_probability``.
    """

    landing_zone: LandingZoneConfig | LandingZone = LandingZoneConfig()
    regions: tuple[str, ...] | None = None
    resources_per_region: int = 6
    drift_probability: float = 0.1
    seed: int = 0

    def validate(self) -> None:
        check_landing_zone(self.landing_zone)
        check_regions(self.regions)
        check_int("resources_per_region", self.resources_per_region, minimum=0, maximum=1000)
        check_probability("drift_probability", self.drift_probability)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class ComplianceResult(Result):
    """A compliance run: ``records`` has one row per (detective control, resource in scope)
    with ``compliance``; ``inventory`` the resources drawn; ``report`` the raw report."""

    config: ComplianceConfig
    inventory: tuple[Resource, ...]
    report: ComplianceReport
    records: object

    def summary(self) -> dict[str, float | int]:
        """Resources, evaluations, non-compliant ones (count and share) and what was skipped."""
        evaluations = len(self.records)
        bad = self.report.non_compliant
        return {"resources": len(self.inventory), "evaluations": evaluations,
                "non_compliant": bad,
                "non_compliant_share": bad / evaluations if evaluations else 0.0,
                "skipped_unenrolled": self.report.skipped_unenrolled,
                "skipped_ungoverned": self.report.skipped_ungoverned}


def run_compliance(config: ComplianceConfig) -> ComplianceResult:
    """Draw the inventory and run every detective control over it.

    >>> result = run_compliance(ComplianceConfig(resources_per_region=4, seed=2))
    >>> s = result.summary()
    >>> s["resources"], s["skipped_unenrolled"] > 0, s["skipped_ungoverned"] > 0
    (91, True, True)
    """
    if not isinstance(config, ComplianceConfig):
        raise TypeError(f"config must be a ComplianceConfig, got {type(config).__name__}")
    zone = landing_zone_of(config.landing_zone)
    inventory = draw_inventory(zone, _inventory_regions(zone, config.regions),
                               config.resources_per_region, config.drift_probability,
                               make_rng(config.seed))
    report = evaluate_detective_controls(zone, inventory)
    return ComplianceResult(config, tuple(inventory), report, report.to_frame())

