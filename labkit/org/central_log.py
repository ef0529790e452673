"""Central logging: simulated CloudTrail events from every account, delivered to the Log
Archive account as Parquet and queried with DuckDB (standing in for Athena / CloudTrail Lake).

:func:`run_cloudtrail` draws a seeded stream of API calls by the principals of every
account and runs each through :func:`labkit.org.evaluate`, so calls the guardrails block are
logged with ``error_code = 'AccessDenied'`` exactly as CloudTrail records them.
:func:`deliver_to_log_archive` writes one Parquet file per account, Region and day under
``AWSLogs/<org_id>/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/``, the prefix an organization
trail writes to. :class:`CentralLog` queries them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labkit.core.rng import make_rng
from labkit.core.runner import Config, Result
from labkit.core.validation import check_int, check_probability
from labkit.org.controltower import (
    LandingZone,
    LandingZoneConfig,
    check_landing_zone,
    check_regions,
    landing_zone_of,
)
from labkit.org.evaluation import evaluate
from labkit.org.policy import parse_policy
from labkit.org.regions import requested_region

__all__ = ["QUERIES", "CentralLog", "CloudTrailConfig", "CloudTrailResult",
           "deliver_to_log_archive", "draw_calls", "log_events", "run_cloudtrail",
           "simulate_cloudtrail"]

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


@dataclass(frozen=True)
class CloudTrailConfig(Config):
    """A week (by default) of API calls by every account's principals, as CloudTrail logs them.

    ``landing_zone`` is a :class:`~labkit.org.controltower.LandingZoneConfig` (or a built
    landing zone); ``n_events`` calls (1 to 200,000) over ``days`` days from ``start`` (UTC
    date); ``regions`` the Regions callers work in (``None``: the governed Regions plus
    ap-southeast-2); ``root_user_share`` the probability a call is made as the root user.
    """

    landing_zone: LandingZoneConfig | LandingZone = LandingZoneConfig(
        region_deny=True, strongly_recommended=True)
    n_events: int = 2000
    days: int = 7
    start: str = "2026-11-02"
    regions: tuple[str, ...] | None = None
    root_user_share: float = 0.01
    seed: int = 0

    def validate(self) -> None:
        check_landing_zone(self.landing_zone)
        check_int("n_events", self.n_events, minimum=1, maximum=200_000)
        check_int("days", self.days, minimum=1, maximum=366)
        check_probability("root_user_share", self.root_user_share)
        check_regions(self.regions)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class CloudTrailResult(Result):
    """The event stream: ``records`` has one row per CloudTrail event (see
    :func:`run_cloudtrail`)."""

    config: CloudTrailConfig
    records: object

    def summary(self) -> dict[str, float | int]:
        """Events, denied events (count and share), root-user calls and denied trail stops."""
        r = self.records
        denied = r["error_code"].notna()
        stops = r["event_name"].isin(["StopLogging", "DeleteTrail"])
        return {"events": len(r), "denied": int(denied.sum()),
                "denied_share": float(denied.mean()),
                "root_calls": int((r["user_identity_type"] == "Root").sum()),
                "trail_stops_attempted": int(stops.sum()),
                "trail_stops_denied": int((stops & denied).sum())}


@dataclass(frozen=True)
class _Draws:
    """The random choices behind the events, one array per column."""

    account: np.ndarray
    call: np.ndarray
    region: np.ndarray
    is_root: np.ndarray
    who: np.ndarray
    offset_s: np.ndarray
    ip: np.ndarray
    event_id: np.ndarray


def draw_calls(landing_zone: LandingZone, n: int, days: int, regions: Sequence[str],
               root_user_share: float, rng: np.random.Generator) -> _Draws:
    """The sampling step: which account, call, Region and principal each event has, and when.

    Management, Audit and Log Archive make half as many calls as the other accounts; Regions
    are used with weights 1, 1/2, 1/3, ...
    """
    names = list(landing_zone.accounts)
    weights = np.array([0.5 if k in ("Management", "Audit", "Log Archive") else 1.0
                        for k in names])
    call_w = np.array([c.weight for c in _CALLS])
    return _Draws(
        account=rng.choice(len(names), size=n, p=weights / weights.sum()),
        call=rng.choice(len(_CALLS), size=n, p=call_w / call_w.sum()),
        region=rng.choice(len(regions), size=n, p=_region_weights(len(regions))),
        is_root=rng.random(n) < root_user_share,
        who=rng.integers(0, 3, size=n),
        offset_s=np.sort(rng.uniform(0, days * 86400.0, size=n)),
        ip=rng.integers(1, 255, size=(n, 2)),
        event_id=rng.integers(0, 2**31, size=n))


def _principal(kind: int, is_root: bool, account: str) -> tuple[dict, str]:
    if is_root:
        return ({"arn": f"arn:aws:iam::{account}:root", "type": "root", "account": account},
                "Root")
    if kind == 0:
        return ({"arn": f"arn:aws:iam::{account}:user/ci", "type": "user",
                 "account": account}, "IAMUser")
    role = ("aws-reserved/sso.amazonaws.com/AWSReservedSSO_AWSAdministratorAccess_"
            "0f1e2d3c4b5a6978" if kind == 1 else "app-deploy")
    return ({"arn": f"arn:aws:iam::{account}:role/{role}", "type": "role", "account": account},
            "AssumedRole")


def log_events(landing_zone: LandingZone, draws: _Draws, regions: Sequence[str], start: str):
    """The logging step: evaluate every drawn call against the landing zone and write the
    CloudTrail row (``error_code = 'AccessDenied'`` when the guardrails refuse it)."""
    import pandas as pd

    org = landing_zone.organization
    names = list(landing_zone.accounts)
    t0 = pd.Timestamp(start, tz="UTC")
    admin = [parse_policy(_ADMIN, name="AWSAdministratorAccess")]
    rows = []
    for i in range(len(draws.account)):
        name = names[draws.account[i]]
        account = landing_zone.accounts[name]
        call = _CALLS[draws.call[i]]
        region = requested_region(call.action, regions[draws.region[i]])
        principal, kind = _principal(int(draws.who[i]), bool(draws.is_root[i]), account)
        resource = call.resource.format(account=account, region=region)
        decision = evaluate(org, principal, call.action, identity_policies=admin,
                            resource=resource, region=region)
        service, event = call.action.split(":", 1)
        rows.append({
            "event_time": t0 + pd.Timedelta(seconds=float(draws.offset_s[i])),
            "event_id": f"{i:08d}-{int(draws.event_id[i]):08x}",
            "event_source": _SOURCES[service], "event_name": event, "aws_region": region,
            "recipient_account_id": account, "account_name": name,
            "user_identity_type": kind, "user_identity_arn": principal["arn"],
            "resource": resource,
            "source_ip_address": f"198.51.{draws.ip[i, 0]}.{draws.ip[i, 1]}",
            "error_code": None if decision.allowed else "AccessDenied",
            "reason": decision.reason,
        })
    frame = pd.DataFrame(rows)
    frame["event_time"] = frame["event_time"].dt.floor("s")
    return frame


def run_cloudtrail(config: CloudTrailConfig) -> CloudTrailResult:
    """A seeded CloudTrail event stream for every account of the landing zone.

    ``records`` has one row per event: ``event_time``, ``event_id``, ``event_source``,
    ``event_name``, ``aws_region``, ``recipient_account_id``, ``account_name``,
    ``user_identity_type`` (``AssumedRole``, ``IAMUser``, ``Root``), ``user_identity_arn``,
    ``resource``, ``source_ip_address``, ``error_code`` (None or ``AccessDenied``) and
    ``reason`` (the evaluator's reason code).

    >>> result = run_cloudtrail(CloudTrailConfig(n_events=300, seed=4))
    >>> s = result.summary()
    >>> s["events"], s["trail_stops_denied"] <= s["trail_stops_attempted"]
    (300, True)
    """
    if not isinstance(config, CloudTrailConfig):
        raise TypeError(f"config must be a CloudTrailConfig, got {type(config).__name__}")
    zone = landing_zone_of(config.landing_zone)
    regions = config.regions if config.regions is not None else (*zone.governed_regions,
                                                                  "ap-southeast-2")
    draws = draw_calls(zone, config.n_events, config.days, regions, config.root_user_share,
                       make_rng(config.seed))
    return CloudTrailResult(config, log_events(zone, draws, regions, config.start))


def simulate_cloudtrail(landing_zone: LandingZone, *, n_events: int = 2000, days: int = 7,
                        start: str = "2026-11-02", regions: Sequence[str] | None = None,
                        root_user_share: float = 0.01, seed: int = 0):
    """Deprecated since labkit 0.2: use ``run_cloudtrail(CloudTrailConfig(...)).records``.

    Same events as :func:`run_cloudtrail` for the same arguments (warns
    ``DeprecationWarning``).
    """
    warnings.warn("simulate_cloudtrail is deprecated since labkit 0.2 and will be removed in the "
                  "next release; use labkit.org.central_log.run_cloudtrail(CloudTrailConfig("
                  "...)).records instead", DeprecationWarning, stacklevel=2)
    config = CloudTrailConfig(landing_zone=landing_zone, n_events=n_events, days=days,
                              start=start, regions=None if regions is None else tuple(regions),
                              root_user_share=root_user_share, seed=seed)
    return run_cloudtrail(config).records


def _region_weights(k: int) -> np.ndarray:
    w = np.array([1.0 / (i + 1) for i in range(k)])
    return w / w.sum()


def deliver_to_log_archive(events, directory: str | os.PathLike, *,
                           org_id: str = "o-landingzone1") -> list[Path]:
    """Write ``events`` as Parquet, one file per account, Region and day, under the prefixes an
    organization trail uses (``AWSLogs/<org_id>/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/``,
    file names ``<account>_CloudTrail_<region>_<yyyymmdd>``: CloudTrail's own names carry the
    delivery minute and a unique string, see
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html);
    returns the files written (relative to ``directory``).

    Each file is written to a temporary name and renamed, so a reader never sees half a file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = Path(directory)
    written = []
    day = events["event_time"].dt.strftime("%Y/%m/%d")
    keys = [events["recipient_account_id"], events["aws_region"], day]
    for (account, region, ymd), part in events.groupby(keys, sort=True):
        rel = Path("AWSLogs", org_id, account, "CloudTrail", region, ymd,
                   f"{account}_CloudTrail_{region}_{ymd.replace('/', '')}.parquet")
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
        files = sorted(self.directory.glob("AWSLogs/*/*/CloudTrail/*/*/*/*/*.parquet"))
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
