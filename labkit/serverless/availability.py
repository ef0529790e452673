"""What "high availability built in" means: an Availability Zone outage, multi-AZ against one AZ.

Lambda runs a function in several Availability Zones of its Region, and API Gateway and DynamoDB
are Regional services in the same way (Lambda Developer Guide, *Resilience in AWS Lambda*,
https://docs.aws.amazon.com/lambda/latest/dg/security-resilience.html): the customer deploys no
standby. A web server on one EC2 instance lives in one zone.

The model: requests arrive as a Poisson stream of ``arrival_rate`` per second and are spread
evenly over ``zones`` zones. Zone 0 fails for ``outage_length_s`` from a seeded random start.

- With ``zones = 1`` (one EC2 server) every request during the outage fails.
- With ``zones >= 2`` (the managed services) requests routed to the failed zone fail only until
  the service stops sending traffic there, an exponential delay of mean ``detection_mean_s``
  (a model parameter: AWS publishes no number); after that they go to the healthy zones, which
  the service scales as needed.

Functions
    run_az_outage (configuration AzOutageConfig)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_expected_work, check_int, check_nonnegative, check_positive

__all__ = ["AzOutageConfig", "AzOutageResult", "run_az_outage"]

MAX_OUTAGE_REQUESTS = 2_000_000


@dataclass(frozen=True)
class AzOutageConfig(Config):
    """One deployment (``zones`` Availability Zones) through one zone outage.

    >>> AzOutageConfig(zones=0)
    Traceback (most recent call last):
    ...
    ValueError: zones must be an integer in [1, 6], got 0
    """

    arrival_rate: float = 20.0
    zones: int = 3
    outage_length_s: float = 600.0
    detection_mean_s: float = 5.0
    horizon_s: float = 3600.0
    seed: int = 0

    def validate(self) -> None:
        check_positive("arrival_rate", self.arrival_rate)
        check_int("zones", self.zones, minimum=1, maximum=6)
        horizon = check_positive("horizon_s", self.horizon_s)
        length = check_positive("outage_length_s", self.outage_length_s)
        if length > horizon / 2:
            raise ValueError(f"outage_length_s must be <= horizon_s / 2 ({horizon / 2:g}), got "
                             f"{length!r}")
        check_nonnegative("detection_mean_s", self.detection_mean_s)
        check_int("seed", self.seed, minimum=0)
        check_expected_work(self.arrival_rate, horizon, MAX_OUTAGE_REQUESTS)


@dataclass(frozen=True)
class AzOutageResult(Result):
    """``records``: one row per request (``arrival_s``, ``zone`` it was served in or sent to,
    ``ok``); ``outage_start_s`` and ``detected_s`` (when traffic left the failed zone)."""

    config: AzOutageConfig
    records: pd.DataFrame
    outage_start_s: float
    detected_s: float

    def summary(self) -> dict[str, Any]:
        """Availability over the run and during the outage, failed requests."""
        r = self.records
        end = self.outage_start_s + self.config.outage_length_s
        during = r[(r.arrival_s >= self.outage_start_s) & (r.arrival_s < end)]
        return {
            "n_requests": len(r),
            "failed_requests": int((~r.ok).sum()),
            "availability": float(r.ok.mean()) if len(r) else float("nan"),
            "outage_availability": float(during.ok.mean()) if len(during) else float("nan"),
            "outage_start_s": self.outage_start_s,
        }


def run_az_outage(config: AzOutageConfig) -> AzOutageResult:
    """Run the workload through one zone outage.

    >>> one = run_az_outage(AzOutageConfig(zones=1, seed=2)).summary()
    >>> three = run_az_outage(AzOutageConfig(zones=3, seed=2)).summary()
    >>> one["outage_availability"], three["outage_availability"] > 0.98
    (0.0, True)
    """
    if not isinstance(config, AzOutageConfig):
        raise TypeError(f"config must be an AzOutageConfig, got {type(config).__name__}")
    arrival_rng, zone_rng, outage_rng = spawn_rngs(config.seed, 3)
    horizon = config.horizon_s
    n = int(arrival_rng.poisson(config.arrival_rate * horizon))
    arrivals = np.sort(arrival_rng.uniform(0.0, horizon, n))
    zones = zone_rng.integers(0, config.zones, n)
    start = float(outage_rng.uniform(0.1 * horizon, horizon - config.outage_length_s))
    end = start + config.outage_length_s
    in_outage = (arrivals >= start) & (arrivals < end)
    if config.zones == 1:
        detected = end          # nowhere else to go: the outage lasts its whole length
        ok = ~in_outage
    else:
        detected = start + float(outage_rng.exponential(config.detection_mean_s)) \
            if config.detection_mean_s > 0 else start
        failed_zone = in_outage & (zones == 0)
        ok = ~(failed_zone & (arrivals < detected))
        moved = failed_zone & (arrivals >= detected)
        zones = zones.copy()
        zones[moved] = 1 + zone_rng.integers(0, config.zones - 1, int(moved.sum()))
    records = pd.DataFrame({"arrival_s": arrivals, "zone": zones, "ok": ok})
    return AzOutageResult(config, records, start, min(detected, end))
