"""Central CloudTrail log: simulated events, Parquet delivery, DuckDB questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from labkit.org.central_log import (
    CentralLog,
    CloudTrailConfig,
    deliver_to_log_archive,
    run_cloudtrail,
)
from labkit.org.controltower import build_landing_zone


@pytest.fixture(scope="module")
def events():
    lz = build_landing_zone(strongly_recommended=True)
    return lz, run_cloudtrail(CloudTrailConfig(landing_zone=lz, n_events=600, seed=4,
                                             root_user_share=0.05)).records


def test_events_are_seeded_and_evaluated(events):
    lz, ev = events
    again = run_cloudtrail(CloudTrailConfig(landing_zone=lz, n_events=600, seed=4,
                                             root_user_share=0.05)).records
    assert ev.equals(again)
    assert ev["event_time"].is_monotonic_increasing
    denied = ev[ev["error_code"] == "AccessDenied"]
    assert len(denied) > 0 and set(denied["reason"]) <= {"EXPLICIT_DENY_SCP",
                                                         "IMPLICIT_DENY_SCP"}
    mgmt = ev[ev["account_name"] == "Management"]
    assert mgmt["error_code"].isna().all()                        # management account exempt
    root_member = ev[(ev["user_identity_type"] == "Root") & (ev["account_name"] != "Management")]
    assert (root_member["error_code"] == "AccessDenied").all()    # GRRESTRICTROOTUSER
    iam = ev[ev["event_source"] == "iam.amazonaws.com"]
    assert set(iam["aws_region"]) == {"us-east-1"}                # global service endpoint


def test_delivery_and_queries(events, tmp_path):
    lz, ev = events
    files = deliver_to_log_archive(ev, tmp_path, org_id=lz.organization.org_id)
    assert all(str(f).startswith(f"AWSLogs/{lz.organization.org_id}/") for f in files)
    assert not list(tmp_path.rglob("*.tmp"))
    with CentralLog(tmp_path) as log:
        total = log.query("SELECT count(*) AS n FROM cloudtrail")["n"][0]
        assert total == len(ev)
        stops = log.query("who stopped a trail?")
        expected = ev[ev["event_name"].isin(["StopLogging", "DeleteTrail", "UpdateTrail"])]
        assert len(stops) == len(expected)
        protected = stops[stops["resource"].str.contains("trail/aws-controltower-")]
        succeeded = protected[protected["result"] == "succeeded"]
        assert set(succeeded["account_name"]) <= {"Management"}
        roots = log.query("which principals used the root user?")
        assert roots["calls"].sum() == (ev["user_identity_type"] == "Root").sum()
        assert all(p.endswith(":root") for p in roots["principal"])


def test_delivery_follows_the_trail_layout(events, tmp_path):
    """An organization trail writes under AWSLogs/<org id>/<account>/CloudTrail/<region>/<date>/
    and names each file <account>_CloudTrail_<region>_...
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html)."""
    lz, ev = events
    files = deliver_to_log_archive(ev, tmp_path, org_id=lz.organization.org_id)
    for f in files:
        _, org, account, service, region, yyyy, mm, dd, name = Path(f).parts
        assert (org, service) == (lz.organization.org_id, "CloudTrail")
        assert name == f"{account}_CloudTrail_{region}_{yyyy}{mm}{dd}.parquet"
    per_file = set(zip(ev["recipient_account_id"], ev["aws_region"],
                       ev["event_time"].dt.strftime("%Y/%m/%d"), strict=True))
    assert len(files) == len(per_file)          # one file per account, Region and day
    assert {Path(f).parts[4] for f in files} == set(ev["aws_region"])


def test_missing_log_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no CloudTrail Parquet files"):
        CentralLog(tmp_path)
    with pytest.raises(ValueError, match="n_events"):
        CloudTrailConfig(landing_zone=build_landing_zone(), n_events=0)
