"""The front end at the edge: a private S3 origin behind CloudFront, and a WAF rate-based rule.

**Origin access control (OAC).** A single-page app lives in a private S3 bucket (Block Public
Access on); CloudFront reads it by signing its requests as the service principal
``cloudfront.amazonaws.com``, and the bucket policy allows ``s3:GetObject`` to that principal
only when ``AWS:SourceArn`` is the distribution's ARN (CloudFront Developer Guide,
*Restricting access to an Amazon S3 origin*). :func:`oac_bucket_policy` writes that policy and
:func:`s3_get_allowed` evaluates a read against it: a viewer going straight to the bucket, or a
different distribution, is refused.

**WAF rate-based rule.** AWS WAF counts the requests of each client IP over an evaluation
window (60, 120, 300 or 600 s, default 300) and applies the rule action (here Block) to an IP
whose count is over the limit (at least 10); it checks the rate periodically, not on every
request (AWS WAF Developer Guide, *Rate-based rule high-level settings*,
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
:func:`run_waf` replays legitimate clients and one or more flooding IPs through such a rule.
The check interval defaults to the 10 s the WAF API reference gives ("WAF checks the rate about
every 10 seconds", ``RateBasedStatement.EvaluationWindowSec``); it stays a parameter because AWS
states it only approximately. Every request an IP sends, blocked or not, counts toward its rate.

Functions
    oac_bucket_policy, s3_get_allowed, run_waf (configuration WafConfig)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_expected_work, check_int, check_nonnegative, check_positive

__all__ = ["AccessDecision", "WafConfig", "WafResult", "oac_bucket_policy", "run_waf",
           "s3_get_allowed"]

WAF_WINDOWS_S = (60, 120, 300, 600)
WAF_MIN_LIMIT = 10
MAX_WAF_REQUESTS = 2_000_000
CLOUDFRONT_PRINCIPAL = "cloudfront.amazonaws.com"


def oac_bucket_policy(bucket: str, distribution_arn: str) -> dict[str, Any]:
    """The bucket policy that lets one CloudFront distribution (and nothing else) read objects.

    >>> p = oac_bucket_policy("spa-site", "arn:aws:cloudfront::111122223333:distribution/E1")
    >>> p["Statement"][0]["Principal"], p["Statement"][0]["Resource"]
    ({'Service': 'cloudfront.amazonaws.com'}, 'arn:aws:s3:::spa-site/*')
    """
    if not isinstance(bucket, str) or not bucket:
        raise ValueError(f"bucket must be a non-empty bucket name, got {bucket!r}")
    if not isinstance(distribution_arn, str) or not distribution_arn.startswith(
            "arn:aws:cloudfront::"):
        raise ValueError(f"distribution_arn must be a CloudFront distribution ARN "
                         f"(arn:aws:cloudfront::<account>:distribution/<id>), got "
                         f"{distribution_arn!r}")
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowCloudFrontServicePrincipalReadOnly",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDFRONT_PRINCIPAL},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }],
    }


@dataclass(frozen=True)
class AccessDecision:
    """Whether a read of the bucket is allowed, and why (``reason``)."""

    allowed: bool
    status: int
    reason: str


def s3_get_allowed(policy: dict[str, Any], *, principal_service: str | None = None,
                   source_arn: str | None = None) -> AccessDecision:
    """Evaluate one ``s3:GetObject`` against the bucket policy (Block Public Access on).

    ``principal_service`` is the calling service principal (``None`` for an anonymous viewer);
    ``source_arn`` the ARN the request is made on behalf of (the distribution, for CloudFront).
    No statement allows it → implicit deny, 403.

    >>> arn = "arn:aws:cloudfront::111122223333:distribution/E1"
    >>> p = oac_bucket_policy("spa-site", arn)
    >>> s3_get_allowed(p, principal_service="cloudfront.amazonaws.com", source_arn=arn).status
    200
    >>> s3_get_allowed(p).reason
    'implicit deny: no statement allows an anonymous request'
    """
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if not isinstance(statements, list):
        raise ValueError("policy must be a bucket policy with a Statement list")
    if principal_service is None:
        return AccessDecision(False, 403, "implicit deny: no statement allows an anonymous "
                                          "request")
    for st in statements:
        if st.get("Effect") != "Allow" or st.get("Action") not in ("s3:GetObject", "s3:*"):
            continue
        if st.get("Principal", {}).get("Service") != principal_service:
            continue
        wanted = st.get("Condition", {}).get("StringEquals", {}).get("AWS:SourceArn")
        if wanted is not None and wanted != source_arn:
            continue
        return AccessDecision(True, 200, f"allowed by {st.get('Sid', 'a statement')}")
    return AccessDecision(False, 403, f"implicit deny: no statement allows "
                                      f"{principal_service} for {source_arn}")


@dataclass(frozen=True)
class WafConfig(Config):
    """Legitimate viewers plus flooding IPs in front of a WAF rate-based rule.

    ``arrival_rate`` is the legitimate traffic (requests/s, Poisson, spread evenly over
    ``legitimate_clients`` IPs); each of ``attackers`` IPs sends ``attack_rate`` requests/s from
    ``attack_start_s``. ``limit`` (>= 10) requests per ``window_s`` (60, 120, 300 or 600 s) per
    IP; the rule re-evaluates every ``check_interval_s``.
    """

    arrival_rate: float = 20.0
    legitimate_clients: int = 200
    attackers: int = 1
    attack_rate: float = 20.0
    attack_start_s: float = 120.0
    limit: int = 500
    window_s: int = 300
    check_interval_s: float = 10.0
    horizon_s: float = 900.0
    seed: int = 0

    def validate(self) -> None:
        check_positive("arrival_rate", self.arrival_rate)
        check_int("legitimate_clients", self.legitimate_clients, minimum=1, maximum=100_000)
        check_int("attackers", self.attackers, minimum=0, maximum=1_000)
        check_nonnegative("attack_rate", self.attack_rate)
        horizon = check_positive("horizon_s", self.horizon_s)
        start = check_nonnegative("attack_start_s", self.attack_start_s)
        if start >= horizon:
            raise ValueError(f"attack_start_s must be in [0, horizon_s), got {start!r}")
        check_int("limit", self.limit, minimum=WAF_MIN_LIMIT, maximum=2_000_000_000)
        if self.window_s not in WAF_WINDOWS_S:
            raise ValueError(f"window_s must be one of {WAF_WINDOWS_S}, got {self.window_s!r}")
        check_positive("check_interval_s", self.check_interval_s)
        check_int("seed", self.seed, minimum=0)
        check_expected_work(self.arrival_rate + self.attackers * self.attack_rate, horizon,
                            MAX_WAF_REQUESTS, rate_name="(arrival_rate + attackers x attack_rate)")


@dataclass(frozen=True)
class WafResult(Result):
    """``records``: one row per request (``arrival_s``, ``client``, ``attacker``,
    ``blocked``)."""

    config: WafConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Requests, blocked shares of attack and legitimate traffic, what reached the origin."""
        r = self.records
        attack = r[r.attacker]
        legit = r[~r.attacker]
        return {
            "n_requests": len(r),
            "attack_requests": len(attack),
            "attack_blocked_share": float(attack.blocked.mean()) if len(attack) else 0.0,
            "legitimate_blocked_share": float(legit.blocked.mean()) if len(legit) else 0.0,
            "attack_passed": int((~attack.blocked).sum()),
            "origin_rps": float((~r.blocked).sum() / self.config.horizon_s),
        }


def _waf_traffic(config: WafConfig) -> pd.DataFrame:
    """The seeded requests, sorted by time: legitimate IPs 0..n-1, attackers after them."""
    legit_rng, attack_rng = spawn_rngs(config.seed, 2)
    n = int(legit_rng.poisson(config.arrival_rate * config.horizon_s))
    times = [legit_rng.uniform(0.0, config.horizon_s, n)]
    clients = [legit_rng.integers(0, config.legitimate_clients, n)]
    length = config.horizon_s - config.attack_start_s
    for a in range(config.attackers):
        m = int(attack_rng.poisson(config.attack_rate * length))
        times.append(attack_rng.uniform(config.attack_start_s, config.horizon_s, m))
        clients.append(np.full(m, config.legitimate_clients + a))
    t = np.concatenate(times)
    c = np.concatenate(clients)
    order = np.argsort(t, kind="stable")
    return pd.DataFrame({"arrival_s": t[order], "client": c[order],
                         "attacker": c[order] >= config.legitimate_clients})


def _apply_rule(frame: pd.DataFrame, config: WafConfig) -> np.ndarray:
    """Replay the requests: every ``check_interval_s`` the rule blocks the IPs with more than
    ``limit`` requests in the last ``window_s`` and unblocks those back under it."""
    times = frame.arrival_s.to_numpy()
    clients = frame.client.to_numpy()
    seen: dict[int, deque] = {}
    blocked_ips: set[int] = set()
    blocked = np.zeros(len(times), dtype=bool)
    next_check = config.check_interval_s
    for i in range(len(times)):
        t = times[i]
        while next_check <= t:
            cutoff = next_check - config.window_s
            blocked_ips = set()
            for ip, q in seen.items():
                while q and q[0] <= cutoff:
                    q.popleft()
                if len(q) > config.limit:
                    blocked_ips.add(ip)
            next_check += config.check_interval_s
        ip = int(clients[i])
        seen.setdefault(ip, deque()).append(t)
        blocked[i] = ip in blocked_ips
    return blocked


def run_waf(config: WafConfig) -> WafResult:
    """Run the traffic through the rate-based rule.

    >>> r = run_waf(WafConfig(horizon_s=600, seed=1)).summary()
    >>> r["attack_blocked_share"] > 0.5, r["legitimate_blocked_share"]
    (True, 0.0)
    """
    if not isinstance(config, WafConfig):
        raise TypeError(f"config must be a WafConfig, got {type(config).__name__}")
    frame = _waf_traffic(config)
    frame["blocked"] = _apply_rule(frame, config)
    return WafResult(config, frame)
