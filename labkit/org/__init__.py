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
    build_landing_zone, LandingZone, LandingZoneConfig, PREVENTIVE_CONTROLS, DETECTIVE_CONTROLS,
    region_deny_statement, evaluate_detective_controls, Resource; the run
    ComplianceConfig -> run_compliance -> ComplianceResult (simulate_inventory: deprecated)
Identity Center (labkit.org.identity_center)
    PermissionSet, Assignment, provision, AWS_ADMINISTRATOR_ACCESS, AWS_POWER_USER_ACCESS,
    AWS_READ_ONLY_ACCESS
Networking (labkit.org.network)
    allocate_cidrs, TransitGateway, build_hub_and_spoke
Central log (labkit.org.central_log; pandas, pyarrow and duckdb imported when used)
    CloudTrailConfig -> run_cloudtrail -> CloudTrailResult, deliver_to_log_archive, CentralLog,
    QUERIES (simulate_cloudtrail: deprecated)
Shared services (labkit.org.shared_services)
    SharedServicesConfig -> run_shared_services -> SharedServicesResult: central VPC Flow
    Logs, shared VPC, shared DNS, security tooling account
Scenarios and figures (labkit.org.scenarios, labkit.org.plots, labkit.org.explorers)
    GuardrailConfig -> run_guardrails -> GuardrailResult, flat_organization, access_request,
    request_table, decision_matrix, allow_list_variant, plot_organization,
    plot_access_decision, plot_decision_matrix, plot_compliance, plot_cidr_plan
"""

from labkit.org.central_log import (
    QUERIES,
    CentralLog,
    CloudTrailConfig,
    CloudTrailResult,
    deliver_to_log_archive,
    run_cloudtrail,
    simulate_cloudtrail,
)
from labkit.org.conditions import CONDITION_OPERATORS
from labkit.org.controltower import (
    DETECTIVE_CONTROLS,
    PREVENTIVE_CONTROLS,
    ComplianceConfig,
    ComplianceResult,
    LandingZone,
    LandingZoneConfig,
    Resource,
    build_landing_zone,
    evaluate_detective_controls,
    region_deny_statement,
    run_compliance,
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
from labkit.org.scenarios import (
    GuardrailConfig,
    GuardrailResult,
    access_request,
    allow_list_variant,
    decision_matrix,
    flat_organization,
    request_table,
    run_guardrails,
)
from labkit.org.shared_services import (
    SharedServicesConfig,
    SharedServicesResult,
    run_shared_services,
)
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
    "build_landing_zone", "LandingZone", "LandingZoneConfig", "PREVENTIVE_CONTROLS",
    "DETECTIVE_CONTROLS", "region_deny_statement", "simulate_inventory",
    "evaluate_detective_controls", "Resource", "ComplianceConfig", "ComplianceResult",
    "run_compliance",
    # identity center
    "PermissionSet", "Assignment", "provision", "AWS_ADMINISTRATOR_ACCESS",
    "AWS_POWER_USER_ACCESS", "AWS_READ_ONLY_ACCESS",
    # networking
    "allocate_cidrs", "TransitGateway", "build_hub_and_spoke",
    # central log
    "simulate_cloudtrail", "deliver_to_log_archive", "CentralLog", "QUERIES", "CloudTrailConfig",
    "CloudTrailResult", "run_cloudtrail",
    # shared services
    "SharedServicesConfig", "SharedServicesResult", "run_shared_services",
    # scenarios and figures
    "access_request", "request_table", "decision_matrix", "allow_list_variant",
    "GuardrailConfig", "GuardrailResult", "run_guardrails", "flat_organization",
    "plot_organization", "plot_access_decision", "plot_decision_matrix", "plot_compliance",
    "plot_cidr_plan",
]
