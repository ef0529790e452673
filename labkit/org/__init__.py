"""Multi-account architecture: the Organizations tree, SCP and IAM policy evaluation, policy
validation, Control Tower guardrails, the central CloudTrail log, the Transit Gateway network
plan and IAM Identity Center permission sets.

Organization tree
    Organization, OrgNode
Policies and matching
    parse_policy, Policy, Statement, FULL_AWS_ACCESS, action_matches, resource_matches,
    arn_like, parse_arn, CONDITION_OPERATORS, requested_region
Validation
    validate_policy, policy_problems, QuotaProfile, QUOTA_PROFILES, PolicyError,
    OrganizationError
Evaluation
    evaluate, Decision, ScpLevel, REASONS, request_context, scps_apply
Control Tower (labkit.org.controltower)
    build_landing_zone, LandingZone, PREVENTIVE_CONTROLS, DETECTIVE_CONTROLS,
    region_deny_statement, simulate_inventory, evaluate_detective_controls, Resource
Identity Center (labkit.org.identity_center)
    PermissionSet, Assignment, provision, AWS_ADMINISTRATOR_ACCESS, AWS_POWER_USER_ACCESS,
    AWS_READ_ONLY_ACCESS
Networking (labkit.org.network)
    allocate_cidrs, TransitGateway, build_hub_and_spoke
Central log (labkit.org.central_log; pandas, pyarrow and duckdb imported when used)
    simulate_cloudtrail, deliver_to_log_archive, CentralLog, QUERIES
Scenarios and figures (labkit.org.scenarios, labkit.org.plots)
    access_request, request_table, decision_matrix, allow_list_variant, plot_organization,
    plot_access_decision, plot_decision_matrix, plot_compliance, plot_cidr_plan
"""

from labkit.org.central_log import QUERIES, CentralLog, deliver_to_log_archive, simulate_cloudtrail
from labkit.org.conditions import CONDITION_OPERATORS
from labkit.org.controltower import (
    DETECTIVE_CONTROLS,
    PREVENTIVE_CONTROLS,
    LandingZone,
    Resource,
    build_landing_zone,
    evaluate_detective_controls,
    region_deny_statement,
    simulate_inventory,
)
from labkit.org.errors import OrganizationError, PolicyError
from labkit.org.evaluation import REASONS, Decision, ScpLevel, evaluate, request_context, scps_apply
from labkit.org.identity_center import (
    AWS_ADMINISTRATOR_ACCESS,
    AWS_POWER_USER_ACCESS,
    AWS_READ_ONLY_ACCESS,
    Assignment,
    PermissionSet,
    provision,
)
from labkit.org.matching import action_matches, arn_like, parse_arn, resource_matches
from labkit.org.network import TransitGateway, allocate_cidrs, build_hub_and_spoke
from labkit.org.plots import (
    plot_access_decision,
    plot_cidr_plan,
    plot_compliance,
    plot_decision_matrix,
    plot_organization,
)
from labkit.org.policy import FULL_AWS_ACCESS, Policy, Statement, parse_policy
from labkit.org.regions import requested_region
from labkit.org.scenarios import access_request, allow_list_variant, decision_matrix, request_table
from labkit.org.tree import Organization, OrgNode
from labkit.org.validation import QUOTA_PROFILES, QuotaProfile, policy_problems, validate_policy

__all__ = [
    # organization tree
    "Organization", "OrgNode",
    # policies and matching
    "parse_policy", "Policy", "Statement", "FULL_AWS_ACCESS", "action_matches",
    "resource_matches", "arn_like", "parse_arn", "CONDITION_OPERATORS", "requested_region",
    # validation
    "validate_policy", "policy_problems", "QuotaProfile", "QUOTA_PROFILES", "PolicyError",
    "OrganizationError",
    # evaluation
    "evaluate", "Decision", "ScpLevel", "REASONS", "request_context", "scps_apply",
    # control tower
    "build_landing_zone", "LandingZone", "PREVENTIVE_CONTROLS", "DETECTIVE_CONTROLS",
    "region_deny_statement", "simulate_inventory", "evaluate_detective_controls", "Resource",
    # identity center
    "PermissionSet", "Assignment", "provision", "AWS_ADMINISTRATOR_ACCESS",
    "AWS_POWER_USER_ACCESS", "AWS_READ_ONLY_ACCESS",
    # networking
    "allocate_cidrs", "TransitGateway", "build_hub_and_spoke",
    # central log
    "simulate_cloudtrail", "deliver_to_log_archive", "CentralLog", "QUERIES",
    # scenarios and figures
    "access_request", "request_table", "decision_matrix", "allow_list_variant",
    "plot_organization", "plot_access_decision", "plot_decision_matrix", "plot_compliance",
    "plot_cidr_plan",
]
