"""Central logging: simulated CloudTrail events from every account, delivered to the Log
Archive account as Parquet and queried with DuckDB (standing in for Athena / CloudTrail Lake).

:func:`simulate_cloudtrail` draws a seeded stream of API calls by the principals of every
account and runs each through :func:`labkit.org.evaluate`, so calls the guardrails block are
logged with ``error_code = 'AccessDenied'`` exactly as CloudTrail records them.
:func:`deliver_to_log_archive` writes one Parquet file per account and day under
``AWSLogs/<org_id>/<account>/CloudTrail/<yyyy>/<mm>/<dd>/``. :class:`CentralLog` queries them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labkit.core.rng import make_rng
from labkit.core.validation import check_int
from labkit.org.controltower import LandingZone
from labkit.org.evaluation import evaluate
from labkit.org.policy import parse_policy
from labkit.org.regions import requested_region

__all__ = ["QUERIES", "CentralLog", "deliver_to_log_archive", "simulate_cloudtrail"]

_ADMIN = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class _Call:
    action: str
    resource: str  # may contain {account} and {region}
    weight: float


_CALLS = (
    _Call("s3:GetObject", "arn:aws:s3:::app-data-{account}/reports/latest.csv", 30),
    _Call("s3:PutObject", "arn:aws:s3:::app-data-{account}/uploads/file.json", 15),
    _Call("ec2:DescribeInstances", "*", 25),
    _Call("ec2:RunInstances", "arn:aws:ec2:{region}:{account}:instance/*", 6),
    _Call("kms:Decrypt", "arn:aws:kms:{region}:{account}:key/app", 10),
    _Call("iam:ListRoles", "*", 5),
    _Call("iam:CreateAccessKey", "arn:aws:iam::{account}:user/ci", 1.5),
    _Call("sts:AssumeRole", "arn:aws:iam::{account}:role/deploy", 5),
    _Call("cloudtrail:StopLogging",
          "arn:aws:cloudtrail:{region}:{account}:trail/aws-controltower-BaselineCloudTrail", 0.6),
    _Call("cloudtrail:DeleteTrail",
          "arn:aws:cloudtrail:{region}:{account}:trail/aws-controltower-BaselineCloudTrail", 0.3),
    _Call("cloudtrail:StopLogging", "arn:aws:cloudtrail:{region}:{account}:trail/team-trail", 0.3),
    _Call("s3:DeleteBucket", "arn:aws:s3:::aws-controltower-logs-{account}-{region}", 0.3),
)

_SOURCES = {"s3": "s3.amazonaws.com", "ec2": "ec2.amazonaws.com", "kms": "kms.amazonaws.com",
            "iam": "iam.amazonaws.com", "sts": "sts.amazonaws.com",
            "cloudtrail": "cloudtrail.amazonaws.com"}

#: The questions the notebook asks of the central log (DuckDB SQL over the ``cloudtrail`` view).
QUERIES: dict[str, str] = {
    "who stopped a trail?": """
        SELECT event_time, account_name, user_identity_arn, event_name, resource,
               coalesce(error_code, 'succeeded') AS result
        FROM cloudtrail
        WHERE event_source = 'cloudtrail.amazonaws.com'
          AND event_name IN ('StopLogging', 'DeleteTrail', 'UpdateTrail')
        ORDER BY event_time""",
    "which principals used the root user?": """
        SELECT user_identity_arn AS principal, account_name, count(*) AS calls,
               count(error_code) AS denied, min(event_time) AS first_seen
        FROM cloudtrail
        WHERE user_identity_type = 'Root'
        GROUP BY ALL
        ORDER BY calls DESC, account_name""",
    "denied calls by account": """
        SELECT account_name, count(*) AS calls, count(error_code) AS denied,
               round(100.0 * count(error_code) / count(*), 1) AS denied_pct
        FROM cloudtrail
        GROUP BY ALL
        ORDER BY denied DESC, account_name""",
}


def simulate_cloudtrail(landing_zone: LandingZone, *, n_events: int = 2000, days: int = 7,
                        start: str = "2026-11-02", regions: Sequence[str] | None = None,
                        root_user_share: float = 0.01, seed: int | np.random.Generator = 0):
    """A seeded CloudTrail event stream for every account of ``landing_zone``.

    Returns a DataFrame, one row per event: ``event_time``, ``event_id``, ``event_source``,
    ``event_name``, ``aws_region``, ``recipient_account_id``, ``account_name``,
    ``user_identity_type`` (``AssumedRole``, ``IAMUser``, ``Root``), ``user_identity_arn``,
    ``resource``, ``source_ip_address``, ``error_code`` (None or ``AccessDenied``) and
    ``reason`` (the evaluator's reason code).
    """
    import pandas as pd

    rng = make_rng(seed)
    n = check_int("n_events", n_events, minimum=1, maximum=200_000)
    d = check_int("days", days, minimum=1, maximum=366)
    if not 0.0 <= root_user_share <= 1.0:
        raise ValueError(f"root_user_share must be a probability in [0, 1], got "
                         f"{root_user_share!r}")
    regs = tuple(regions) if regions is not None else (*landing_zone.governed_regions,
                                                       "ap-southeast-2")
    org = landing_zone.organization
    names = list(landing_zone.accounts)
    ids = [landing_zone.accounts[k] for k in names]
    weights = np.array([0.5 if k in ("Management", "Audit", "Log Archive") else 1.0
                        for k in names])
    acct_idx = rng.choice(len(ids), size=n, p=weights / weights.sum())
    call_w = np.array([c.weight for c in _CALLS])
    call_idx = rng.choice(len(_CALLS), size=n, p=call_w / call_w.sum())
    region_idx = rng.choice(len(regs), size=n, p=_region_weights(len(regs)))
    is_root = rng.random(n) < root_user_share
    who = rng.integers(0, 3, size=n)
    offsets = np.sort(rng.uniform(0, d * 86400.0, size=n))
    ips = rng.integers(1, 255, size=(n, 2))
    t0 = pd.Timestamp(start, tz="UTC")
    admin = [parse_policy(_ADMIN, name="AWSAdministratorAccess")]
    rows = []
    for i in range(n):
        account, name = ids[acct_idx[i]], names[acct_idx[i]]
        call = _CALLS[call_idx[i]]
        region = requested_region(call.action, regs[region_idx[i]])
        if is_root[i]:
            principal = {"arn": f"arn:aws:iam::{account}:root", "type": "root",
                         "account": account}
            kind = "Root"
        elif who[i] == 0:
            principal = {"arn": f"arn:aws:iam::{account}:user/ci", "type": "user",
                         "account": account}
            kind = "IAMUser"
        else:
            role = ("aws-reserved/sso.amazonaws.com/AWSReservedSSO_AWSAdministratorAccess_"
                    "0f1e2d3c4b5a6978" if who[i] == 1 else "app-deploy")
            principal = {"arn": f"arn:aws:iam::{account}:role/{role}", "type": "role",
                         "account": account}
            kind = "AssumedRole"
        resource = call.resource.format(account=account, region=region)
        decision = evaluate(org, principal, call.action, identity_policies=admin,
                            resource=resource, region=region)
        service, event = call.action.split(":", 1)
        rows.append({
            "event_time": t0 + pd.Timedelta(seconds=float(offsets[i])),
            "event_id": f"{i:08d}-{int(rng.integers(0, 2**31)):08x}",
            "event_source": _SOURCES[service], "event_name": event, "aws_region": region,
            "recipient_account_id": account, "account_name": name,
            "user_identity_type": kind, "user_identity_arn": principal["arn"],
            "resource": resource,
            "source_ip_address": f"198.51.{ips[i, 0]}.{ips[i, 1]}",
            "error_code": None if decision.allowed else "AccessDenied",
            "reason": decision.reason,
        })
    frame = pd.DataFrame(rows)
    frame["event_time"] = frame["event_time"].dt.floor("s")
    return frame


def _region_weights(k: int) -> np.ndarray:
    w = np.array([1.0 / (i + 1) for i in range(k)])
    return w / w.sum()


def deliver_to_log_archive(events, directory: str | os.PathLike, *,
                           org_id: str = "o-landingzone1") -> list[Path]:
    """Write ``events`` as Parquet, one file per account and day, the way an organization
    trail lays out its objects; returns the files written (relative to ``directory``).

    Each file is written to a temporary name and renamed, so a reader never sees half a file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = Path(directory)
    written = []
    day = events["event_time"].dt.strftime("%Y/%m/%d")
    for (account, ymd), part in events.groupby([events["recipient_account_id"], day],
                                               sort=True):
        rel = Path("AWSLogs", org_id, account, "CloudTrail", ymd,
                   f"{account}_CloudTrail_{ymd.replace('/', '')}.parquet")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        pq.write_table(pa.Table.from_pandas(part.reset_index(drop=True), preserve_index=False),
                       tmp)
        tmp.replace(path)
        written.append(rel)
    return written


class CentralLog:
    """The Log Archive's CloudTrail objects, queried with DuckDB through a ``cloudtrail`` view.

    Use as a context manager or call :meth:`close`.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        import duckdb

        self.directory = Path(directory)
        files = sorted(self.directory.glob("AWSLogs/*/*/CloudTrail/*/*/*/*.parquet"))
        if not files:
            raise FileNotFoundError("no CloudTrail Parquet files under the given directory "
                                    "(run deliver_to_log_archive first)")
        self.files = files
        self._con = duckdb.connect()
        listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        self._con.execute(f"CREATE VIEW cloudtrail AS SELECT * FROM read_parquet([{listing}])")

    def query(self, sql: str):
        """Run ``sql`` (a question from :data:`QUERIES` or your own) and return a DataFrame."""
        return self._con.execute(QUERIES.get(sql, sql)).df()

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> CentralLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
