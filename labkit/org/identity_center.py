"""IAM Identity Center: permission sets materialised as roles in member accounts.

An account assignment (user or group + permission set + account) provisions an IAM role
``AWSReservedSSO_<PermissionSetName>_<suffix>`` under the path
``/aws-reserved/sso.amazonaws.com/`` (sometimes with a Region segment) carrying the permission
set's policies. It is an ordinary role, so **SCPs apply** to it; and because
``aws:PrincipalArn`` includes the path, an SCP exemption written as
``arn:aws:iam::*:role/AWSReservedSSO_*`` does not match it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from labkit.org.policy import parse_policy

__all__ = ["AWS_ADMINISTRATOR_ACCESS", "AWS_POWER_USER_ACCESS", "AWS_READ_ONLY_ACCESS",
           "Assignment", "PermissionSet", "ProvisionedRole", "provision"]


@dataclass(frozen=True)
class PermissionSet:
    """A named set of policies (inline or AWS managed, given here as documents)."""

    name: str
    policies: tuple[Mapping, ...]
    session_duration_h: int = 1

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[\w+=,.@-]{1,32}", self.name):
            raise ValueError(f"permission set name must be 1-32 characters [A-Za-z0-9+=,.@_-], "
                             f"got {self.name!r}")
        if not 1 <= self.session_duration_h <= 12:
            raise ValueError(f"session_duration_h must be in [1, 12], "
                             f"got {self.session_duration_h!r}")
        for i, doc in enumerate(self.policies):
            parse_policy(doc, name=f"{self.name}[{i}]")


AWS_ADMINISTRATOR_ACCESS = PermissionSet("AWSAdministratorAccess", ({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},))
AWS_POWER_USER_ACCESS = PermissionSet("AWSPowerUserAccess", ({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                                       "iam:ListRoles", "organizations:DescribeOrganization",
                                       "account:ListRegions"], "Resource": "*"}]},))
AWS_READ_ONLY_ACCESS = PermissionSet("AWSReadOnlyAccess", ({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["*:Describe*", "*:Get*", "*:List*"],
                   "Resource": "*"}]},))


@dataclass(frozen=True)
class Assignment:
    """Who (a user or group name) gets which permission set in which account."""

    principal: str
    permission_set: str
    account: str


@dataclass(frozen=True)
class ProvisionedRole:
    """The IAM role an assignment materialises as."""

    account: str
    permission_set: str
    role_name: str
    arn: str
    policies: tuple[Mapping, ...]
    assigned_to: tuple[str, ...]

    @property
    def principal(self) -> dict:
        """The role as a principal for :func:`labkit.org.evaluate` (SCPs apply)."""
        return {"arn": self.arn, "type": "role", "account": self.account}


def provision(assignments: Iterable[Assignment], permission_sets: Sequence[PermissionSet] |
              Mapping[str, PermissionSet], *, region: str | None = None) -> list[ProvisionedRole]:
    """Materialise assignments as one role per (account, permission set).

    The suffix is a deterministic 16-hex-digit hash of account and permission set (AWS's is
    random, but stable per assignment). ``region`` adds the Region segment some roles carry.

    >>> roles = provision([Assignment("ops-team", "AWSAdministratorAccess", "222222222222")],
    ...                   [AWS_ADMINISTRATOR_ACCESS])
    >>> roles[0].arn  # doctest: +ELLIPSIS
    'arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AWSAdministr...'
    """
    sets = dict(permission_sets) if isinstance(permission_sets, Mapping) else \
        {p.name: p for p in permission_sets}
    grouped: dict[tuple[str, str], list[str]] = {}
    for a in assignments:
        if a.permission_set not in sets:
            raise ValueError(f"assignment for {a.principal!r} names unknown permission set "
                             f"{a.permission_set!r}; known: {sorted(sets)}")
        if not re.fullmatch(r"\d{12}", a.account):
            raise ValueError(f"assignment account must be 12 digits, got {a.account!r}")
        grouped.setdefault((a.account, a.permission_set), []).append(a.principal)
    path = "aws-reserved/sso.amazonaws.com/" + (f"{region}/" if region else "")
    roles = []
    for (account, ps), who in grouped.items():
        suffix = hashlib.sha256(f"{account}/{ps}".encode()).hexdigest()[:16]
        name = f"AWSReservedSSO_{ps}_{suffix}"
        roles.append(ProvisionedRole(account, ps, name, f"arn:aws:iam::{account}:role/{path}{name}",
                                     sets[ps].policies, tuple(who)))
    return roles
