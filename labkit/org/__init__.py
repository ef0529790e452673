"""Multi-account architecture: the Organizations tree, SCP and IAM policy evaluation, policy
validation, Control Tower guardrails, the central CloudTrail log, the Transit Gateway network
plan and IAM Identity Center permission sets.

Organization tree
    Organization, OrgNode
Policies and matching
    parse_policy, Policy, Statement, FULL_AWS_ACCESS, action_matches, resource_matches,
    arn_like, parse_arn, CONDITION_OPERATORS
Validation
    validate_policy, policy_problems, QuotaProfile, QUOTA_PROFILES, PolicyError,
    OrganizationError
Evaluation
    evaluate, Decision, ScpLevel, REASONS, request_context, scps_apply
"""

from labkit.org.conditions import CONDITION_OPERATORS
from labkit.org.errors import OrganizationError, PolicyError
from labkit.org.evaluation import REASONS, Decision, ScpLevel, evaluate, request_context, scps_apply
from labkit.org.matching import action_matches, arn_like, parse_arn, resource_matches
from labkit.org.policy import FULL_AWS_ACCESS, Policy, Statement, parse_policy
from labkit.org.tree import Organization, OrgNode
from labkit.org.validation import QUOTA_PROFILES, QuotaProfile, policy_problems, validate_policy

__all__ = [
    # organization tree
    "Organization", "OrgNode",
    # policies and matching
    "parse_policy", "Policy", "Statement", "FULL_AWS_ACCESS", "action_matches",
    "resource_matches", "arn_like", "parse_arn", "CONDITION_OPERATORS",
    # validation
    "validate_policy", "policy_problems", "QuotaProfile", "QUOTA_PROFILES", "PolicyError",
    "OrganizationError",
    # evaluation
    "evaluate", "Decision", "ScpLevel", "REASONS", "request_context", "scps_apply",
]
