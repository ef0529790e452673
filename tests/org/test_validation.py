"""Policy syntax, SCP language modes, quotas and organization-tree checks (Organizations User Guide:
SCP syntax, quotas)."""

from __future__ import annotations

import json

import pytest

from labkit.org import (
    Organization,
    OrganizationError,
    PolicyError,
    QuotaProfile,
    parse_policy,
    policy_problems,
    validate_policy,
)

from .conftest import LOG, PROD, allow, deny, make_org


def stmt(**kw) -> dict:
    return {"Version": "2012-10-17", "Statement": [kw]}


@pytest.mark.parametrize("doc, message", [
    ("{not json", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ({"Version": "2012-10-17"}, "Statement element is missing"),
    ({"Statement": []}, "non-empty list"),
    ({"Version": "2020-01-01", "Statement": {}}, "Version must be"),
    ({"Statment": []}, "unknown top-level element"),
    (stmt(Effect="allow", Action="*", Resource="*"), "Statement[0]: Effect must be"),
    (stmt(Sid="A", Effect="Allow", Resource="*"), "Sid 'A': exactly one of Action or NotAction"),
    (stmt(Effect="Allow", Action="*", NotAction="s3:*", Resource="*"), "exactly one of Action"),
    (stmt(Effect="Allow", Action="*", Resource="*", NotResource="*"), "cannot both be given"),
    (stmt(Sid="B", Effect="Allow", Action="s3 Get", Resource="*"),
     "Sid 'B' Action: 's3 Get' is not"),
    (stmt(Effect="Allow", Action=[], Resource="*"), "must not be an empty list"),
    (stmt(Effect="Allow", Action="*", Resource="bucket"), "'bucket' is not an ARN"),
    (stmt(Effect="Allow", Action="*", Resource="arn:aws:*:::b"), "service segment"),
    (stmt(Sid="C", Effect="Deny", Action="*", Resource="*", Condition={"StringEqulas": {"k": "v"}}),
     "Sid 'C': unknown condition operator 'StringEqulas'"),
    (stmt(Effect="Allow", Action="*", Resource="*", Actions="x"), "unknown element(s) Actions"),
    ({"Statement": [{"Sid": "D", "Effect": "Allow", "Action": "*"},
                    {"Sid": "D", "Effect": "Deny", "Action": "*"}]}, "duplicate Sid"),
    ({"Statement": ["Allow"]}, "Statement[0] must be an object"),
])
def test_malformed_policies_name_what_is_wrong(doc, message):
    with pytest.raises(PolicyError) as info:
        parse_policy(doc, name="p")
    assert message in str(info.value)
    assert str(info.value).startswith("policy 'p': ")


def test_errors_name_the_later_statement():
    doc = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                         {"Effect": "Deny", "Action": "*", "Resource": "s3"}]}
    with pytest.raises(PolicyError, match=r"Statement\[1\] Resource"):
        parse_policy(doc)


def test_statement_object_form_is_accepted():
    p = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*"}})
    assert len(p.statements) == 1


def test_principal_refused_in_scp_and_identity_policy_allowed_in_rcp():
    doc = stmt(Sid="X", Effect="Deny", Principal="*", Action="s3:*", Resource="*")
    assert policy_problems(doc, kind="scp") == [
        "Sid 'X': Principal/NotPrincipal is not supported in SCPs"]
    assert "identity-based" in policy_problems(doc, kind="identity")[0]
    assert policy_problems(doc, kind="rcp") == []


def test_custom_rcp_cannot_allow():
    assert "custom RCPs can only Deny" in policy_problems(
        stmt(Effect="Allow", Principal="*", Action="s3:*", Resource="*"), kind="rcp")[0]


LEGACY_BAD = [
    (stmt(Sid="L1", Effect="Allow", Action="ec2:*", Resource="*",
          Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
     "Sid 'L1': Condition is allowed only in a Deny"),
    (stmt(Sid="L2", Effect="Allow", NotAction="iam:*", Resource="*"),
     "Sid 'L2': NotAction is allowed only in a Deny"),
    (stmt(Sid="L3", Effect="Allow", Action="s3:*", Resource="arn:aws:s3:::b"),
     "Sid 'L3': an Allow in a legacy SCP must use \"Resource\": \"*\""),
    (stmt(Sid="L4", Effect="Deny", Action="s3:*", NotResource="arn:aws:s3:::b"),
     "Sid 'L4': NotResource is not supported"),
    (stmt(Sid="L5", Effect="Deny", Action="s3:*Object", Resource="*"),
     "Sid 'L5': action 's3:*Object' has a wildcard"),
    (stmt(Sid="L6", Effect="Allow", Action="s3:Get*Acl", Resource="*"),
     "Sid 'L6': action 's3:Get*Acl' has a wildcard"),
]


@pytest.mark.parametrize("doc, message", LEGACY_BAD)
def test_legacy_language_rules(doc, message):
    assert policy_problems(doc, scp_language="full") == []
    problems = policy_problems(doc, scp_language="legacy")
    assert any(message in p for p in problems), problems


def test_legacy_accepts_what_it_always_accepted():
    ok = [stmt(Effect="Allow", Action=["ec2:*", "s3:Get*"], Resource="*"),
          stmt(Effect="Deny", NotAction=["iam:*"], Resource="*",
               Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}),
          stmt(Effect="Deny", Action="s3:DeleteBucket", Resource="arn:aws:s3:::logs*"),
          stmt(Effect="Allow", Action="*", Resource="*")]
    for doc in ok:
        assert policy_problems(doc, scp_language="legacy") == []


def test_size_quota_counts_every_character_and_is_a_parameter():
    big = stmt(Effect="Deny", Action=[f"ec2:Action{i:04d}" for i in range(300)], Resource="*")
    text = json.dumps(big, indent=2)
    assert 5120 < len(text) <= 10240
    problems = policy_problems(text, quotas="before-2026-05")
    assert problems == [f"size {len(text):,} characters exceeds the SCP quota of 5,120 "
                        f"(quota profile 'before-2026-05')"]
    assert policy_problems(text) == [] == policy_problems(text, quotas="2026")  # 10,240 now
    minified = json.dumps(big, separators=(",", ":"))
    assert policy_problems(minified, quotas="before-2026-05") != []  # still too big
    huge = json.dumps(stmt(Effect="Deny", Action=[f"ec2:Action{i:04d}" for i in range(600)],
                           Resource="*"), indent=2)
    assert len(huge) > 10240 and "SCP quota of 10,240" in policy_problems(huge)[0]
    custom = QuotaProfile("tiny", max_scp_chars=50, max_scps_per_node=1)
    assert policy_problems(allow("*"), quotas=custom)


def test_validate_policy_raises_with_every_problem():
    doc = stmt(Sid="Z", Effect="Allow", NotAction="iam:*", Resource="arn:aws:s3:::b",
               Condition={"Bool": {"aws:SecureTransport": True}})
    with pytest.raises(PolicyError) as info:
        validate_policy(doc, scp_language="legacy", name="old")
    assert len(info.value.problems) == 3
    assert info.value.policy == "old"


def test_unknown_mode_is_named():
    with pytest.raises(ValueError, match="scp_language must be one of"):
        policy_problems(allow("*"), scp_language="2025")
    with pytest.raises(ValueError, match="quotas must be one of"):
        policy_problems(allow("*"), quotas="big")


# --- organization tree -------------------------------------------------------------------
def _chain(depth: int) -> dict:
    node = {"type": "account", "id": "555555555555", "name": "deep"}
    for i in range(depth, 0, -1):
        node = {"type": "ou", "id": f"ou-{i}", "name": f"L{i}", "children": [node]}
    return {"type": "root", "id": "r-1", "name": "Root", "children": [node]}


def test_ou_depth_limit():
    Organization.from_dict(_chain(5), {})
    with pytest.raises(OrganizationError, match=r"OU L6 \(ou-6\): OU is 6 levels below"):
        Organization.from_dict(_chain(6), {})


def test_attachment_quota_per_node_depends_on_profile():
    pols = {f"D{i}": deny(f"svc{i}:*") for i in range(9)}
    six = ["FullAWSAccess"] + [f"D{i}" for i in range(5)]
    with pytest.raises(OrganizationError, match="6 SCPs attached directly, the quota is 5"):
        make_org(workloads_scps=six, policies=pols, quotas="before-2026-05")
    assert len(make_org(workloads_scps=six, policies=pols).node("ou-wl").scps) == 6
    eleven = ["FullAWSAccess"] + [f"D{i}" for i in range(9)] + ["D0"]
    with pytest.raises(OrganizationError, match="quota is 10"):
        make_org(workloads_scps=list(dict.fromkeys(eleven)) + ["X"],
                 policies={**pols, "X": deny("x:*")})


def test_attach_and_detach_rules():
    org = make_org(policies={"DenyS3": deny("s3:*")}, quotas="before-2026-05")
    with pytest.raises(OrganizationError, match="cannot detach 'FullAWSAccess'"):
        org.detach_policy(PROD, "FullAWSAccess")
    org.attach_policy(PROD, "DenyS3")
    org.detach_policy(PROD, "FullAWSAccess")         # allowed now: DenyS3 remains
    assert org.node(PROD).scps == ["DenyS3"]
    with pytest.raises(PolicyError, match="not in the policy library"):
        org.attach_policy(PROD, "Nope")
    with pytest.raises(OrganizationError, match="already attached"):
        org.attach_policy(PROD, "DenyS3")
    for i in range(4):
        org.add_policy(f"X{i}", deny(f"x{i}:*"))
        org.attach_policy(LOG, f"X{i}")
    org.add_policy("X9", deny("x9:*"))
    with pytest.raises(OrganizationError, match="quota is 5"):
        org.attach_policy(LOG, "X9")
    with pytest.raises(PolicyError, match="Principal"):
        org.add_policy("Bad", stmt(Effect="Deny", Principal="*", Action="*", Resource="*"))


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t["root"].update(type="ou"), "the top node must be the root"),
    (lambda t: t["root"]["children"][0].update(id="12"), "12 digits"),
    (lambda t: t["root"]["children"][1].update(id="r-root"), "duplicate id"),
    (lambda t: t["root"]["children"][2].update(type="folder"), "type must be one of"),
    (lambda t: t["root"]["children"][2].update(scps=[]), "at least 1 SCP"),
    (lambda t: t["root"]["children"][2].update(scps=["Missing"]), "'Missing' is not in the"),
    (lambda t: t["root"]["children"][1]["children"][0].update(management=True),
     "one management account"),
    (lambda t: t["root"]["children"][0].update(children=[{"type": "account"}]), "cannot have"),
    (lambda t: t["root"].update(colour="red"), "unknown key(s) colour"),
    (lambda t: t.update(org_id="org-1"), "org_id must look like"),
])
def test_bad_trees_name_the_node(mutate, message):
    tree = make_org().to_dict()
    mutate(tree)
    with pytest.raises(OrganizationError) as info:
        Organization.from_dict(tree, {})
    assert message in str(info.value)


def test_bad_policy_in_library_is_named():
    with pytest.raises(PolicyError, match="policy 'Broken': Statement"):
        make_org(policies={"Broken": stmt(Effect="Deny", Action="*", Resource="nope")})
    with pytest.raises(PolicyError, match="policy 'OldStyle'"):
        Organization.from_dict(make_org().to_dict(), {"OldStyle": stmt(
            Effect="Allow", NotAction="iam:*", Resource="*")}, scp_language="legacy")


def test_round_trip_and_mermaid():
    org = make_org()
    again = Organization.from_dict(org.to_dict(), {})
    assert [n.id for n in again.nodes()] == [n.id for n in org.nodes()]
    text = org.to_mermaid()
    assert text.startswith("flowchart TD") and "r_root --> ou_wl" in text
    assert "Management (management)" in text
    assert org.find("Prod").id == PROD and org.management_account.id == "111111111111"
    with pytest.raises(KeyError, match="no node with id"):
        org.node("ou-missing")
