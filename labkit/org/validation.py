"""Policy validation: the rules AWS Organizations and IAM enforce before a policy is accepted.

- Syntax (everything :func:`~labkit.org.policy.parse_policy` checks).
- SCP language: ``scp_language="full"`` (the full IAM language SCPs accept since September
  2025) or ``"legacy"`` (the older rules: in an ``Allow`` only ``Action`` with
  ``"Resource": "*"``; ``Condition`` and ``NotAction`` only in a ``Deny``; no ``NotResource``;
  Action wildcards only alone or at the end). ``Principal``/``NotPrincipal`` are refused in both.
- Quotas, as a parameter: :data:`QUOTA_PROFILES` ``"documented"`` (the current quotas from the
  facts table: 10,240 characters per SCP and 10 SCPs attached per node since AWS doubled both on
  15 May 2026; OUs 5 levels deep), ``"2026"`` (the same, by the date of the change) or
  ``"before-2026-05"`` (5,120 characters and 5 per node, what older material states), or your
  own :class:`QuotaProfile`.
- RCPs: custom RCPs may only ``Deny``.

Every problem names the policy and the statement (``Sid`` or ``Statement[i]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from labkit.core.facts import fact_value
from labkit.core.validation import check_choice
from labkit.org.errors import PolicyError
from labkit.org.policy import Policy, parse_policy

__all__ = ["QUOTA_PROFILES", "QuotaProfile", "get_quota_profile", "policy_problems",
           "validate_policy"]


@dataclass(frozen=True)
class QuotaProfile:
    """Organizations quotas used by validation (never hard-coded in decision logic)."""

    name: str
    max_scp_chars: int
    max_scps_per_node: int
    max_ou_depth: int = 5
    min_scps_per_node: int = 1
    max_rcp_chars: int = 5120


_SCP_CHARS = int(fact_value("org_scp_max_characters"))
_SCPS_PER_NODE = int(fact_value("org_scps_per_node_max"))

#: The documented quotas (from the facts table), the same under the name of the 15 May 2026
#: change, and the quotas before it.
QUOTA_PROFILES: dict[str, QuotaProfile] = {
    "documented": QuotaProfile("documented", max_scp_chars=_SCP_CHARS,
                               max_scps_per_node=_SCPS_PER_NODE),
    "2026": QuotaProfile("2026", max_scp_chars=_SCP_CHARS, max_scps_per_node=_SCPS_PER_NODE),
    "before-2026-05": QuotaProfile("before-2026-05", max_scp_chars=5120, max_scps_per_node=5),
}


def get_quota_profile(quotas: str | QuotaProfile) -> QuotaProfile:
    """Look up a profile by name, or pass a :class:`QuotaProfile` through.

    >>> get_quota_profile("2026").max_scps_per_node
    10
    """
    if isinstance(quotas, QuotaProfile):
        return quotas
    return QUOTA_PROFILES[check_choice("quotas", quotas, tuple(QUOTA_PROFILES))]


def _legacy_wildcard_ok(pattern: str) -> bool:
    if pattern == "*":
        return True
    inner = pattern[:-1]
    return "*" not in inner and "?" not in inner


def policy_problems(document: object, *, kind: str = "scp", scp_language: str = "full",
                    quotas: str | QuotaProfile = "documented", name: str = "policy"
                    ) -> list[str]:
    """Every problem AWS would refuse the policy for (empty list = accepted).

    Syntax errors stop parsing, so they come back as a single problem.

    >>> legacy_allow = {"Version": "2012-10-17", "Statement": [{"Sid": "OnlyEu",
    ...     "Effect": "Allow", "Action": "ec2:*", "Resource": "*",
    ...     "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}
    >>> policy_problems(legacy_allow, scp_language="full")
    []
    >>> policy_problems(legacy_allow, scp_language="legacy")
    ["Sid 'OnlyEu': Condition is allowed only in a Deny statement in legacy SCPs"]
    """
    kind = check_choice("kind", kind, ("scp", "identity", "rcp"))
    scp_language = check_choice("scp_language", scp_language, ("full", "legacy"))
    profile = get_quota_profile(quotas)
    try:
        policy = parse_policy(document, name=name)
    except PolicyError as exc:
        return list(exc.problems)
    problems: list[str] = []
    if kind == "scp" and policy.size_chars > profile.max_scp_chars:
        problems.append(f"size {policy.size_chars:,} characters exceeds the SCP quota of "
                        f"{profile.max_scp_chars:,} (quota profile {profile.name!r})")
    if kind == "rcp" and policy.size_chars > profile.max_rcp_chars:
        problems.append(f"size {policy.size_chars:,} characters exceeds the RCP quota of "
                        f"{profile.max_rcp_chars:,}")
    for st in policy.statements:
        lab = st.label
        if kind in ("scp", "identity") and st.has_principal:
            where = "SCPs" if kind == "scp" else "identity-based policies"
            problems.append(f"{lab}: Principal/NotPrincipal is not supported in {where}")
        if kind == "rcp" and st.effect == "Allow":
            problems.append(f"{lab}: custom RCPs can only Deny (Allow is reserved for "
                            f"RCPFullAWSAccess)")
        if kind != "scp" or scp_language == "full":
            continue
        if st.effect == "Allow":
            if st.conditions:
                problems.append(f"{lab}: Condition is allowed only in a Deny statement in "
                                f"legacy SCPs")
            if st.not_actions is not None:
                problems.append(f"{lab}: NotAction is allowed only in a Deny statement in "
                                f"legacy SCPs")
            if st.resources is not None and st.resources != ("*",):
                problems.append(f"{lab}: an Allow in a legacy SCP must use \"Resource\": \"*\", "
                                f"got {list(st.resources)}")
        if st.not_resources is not None:
            problems.append(f"{lab}: NotResource is not supported in legacy SCPs")
        for pattern in st.actions or st.not_actions or ():
            if not _legacy_wildcard_ok(pattern):
                problems.append(f"{lab}: action {pattern!r} has a wildcard that is not alone or "
                                f"at the end (not allowed in legacy SCPs)")
    return problems


def validate_policy(document: object, *, kind: str = "scp", scp_language: str = "full",
                    quotas: str | QuotaProfile = "documented", name: str = "policy") -> Policy:
    """Return the parsed policy, or raise :class:`PolicyError` listing every problem.

    >>> validate_policy({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*",
    ...                  "Principal": "*"}}, name="bad")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.org.errors.PolicyError: policy 'bad': Statement[0]: Principal/NotPrincipal is not ...
    """
    problems = policy_problems(document, kind=kind, scp_language=scp_language, quotas=quotas,
                               name=name)
    if problems:
        raise PolicyError(problems, policy=name)
    return parse_policy(document, name=name)
