"""The published SimFaaS validation data (20 AWS Lambda experiments) and the model against it.

``labkit/data/simfaas-exp.csv`` is ``examples/exp.csv`` of github.com/pacslab/simfaas (MIT licence):
Poisson arrivals at 0.0019–1.0 requests per second to a 128 MB python3.6 function in
``us-east-1`` (2020), idle timeout 10 minutes, with measured warm and cold response times (ms),
cold-start probability (and its standard error), average instance count, utilisation and
running / idle instance counts.

As in the SimFaaS notebook ``04-Experiment-Comparison``, the model is fed the **mean** warm and
cold response times over the 20 experiments and the 600 s threshold. The data are from 2020:
they test the model's logic, not today's Lambda behaviour.

Functions
    load_simfaas_experiments, run_simfaas_comparison (configuration SimfaasComparisonConfig),
    agreement
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from labkit.core.data import data_dir
from labkit.core.runner import Config, Result, deprecated_alias
from labkit.core.validation import check_int, check_positive
from labkit.serverless.functions import FunctionsConfig, run_functions

__all__ = ["SimfaasComparison", "SimfaasComparisonConfig", "agreement",
           "compare_with_experiments", "load_simfaas_experiments", "run_simfaas_comparison"]


def _path() -> Path:
    return data_dir() / "simfaas-exp.csv"


def load_simfaas_experiments(path: str | Path | None = None) -> pd.DataFrame:
    """The 20 experiments, sorted by rate, with tidy column names and times in seconds.

    Columns: ``experiment``, ``arrival_rate``, ``warm_service_s``, ``cold_service_s``,
    ``idle_timeout_s``, ``cold_start_prob``, ``cold_start_prob_se``, ``mean_instances``,
    ``utilization``, ``mean_running``, ``mean_idle``.

    >>> e = load_simfaas_experiments()
    >>> len(e), float(e.idle_timeout_s.iloc[0])
    (20, 600.0)
    """
    raw = pd.read_csv(path if path is not None else _path())
    frame = pd.DataFrame({
        "experiment": raw.iloc[:, 0],
        "arrival_rate": raw.ArrivalRate,
        "warm_service_s": raw.ServiceTimeWarm / 1000.0,
        "cold_service_s": raw.ServiceTimeCold / 1000.0,
        "idle_timeout_s": raw.IdleMinutesBeforeKill * 60.0,
        "cold_start_prob": raw.ColdStartProbability,
        "cold_start_prob_se": raw.ColdStartProbabilitySE,
        "mean_instances": raw.AverageInstanceCount,
        "utilization": raw.AverageUtilization,
        "mean_running": raw.AverageRunningInstances,
        "mean_idle": raw.AverageIdleInstances,
    })
    return frame.sort_values("arrival_rate", ignore_index=True)


@dataclass(frozen=True)
class SimfaasComparisonConfig(Config):
    """The model run at each experiment's rate for ``max(min_requests / rate, min_horizon_s)``
    seconds; ``experiments`` (default: all 20) is a frame like
    :func:`load_simfaas_experiments`'s."""

    min_requests: int = 8000
    min_horizon_s: float = 20_000.0
    experiments: pd.DataFrame | None = None
    seed: int = 0

    def validate(self) -> None:
        check_int("min_requests", self.min_requests, minimum=1, maximum=1_000_000)
        check_positive("min_horizon_s", self.min_horizon_s)
        if self.experiments is not None and not isinstance(self.experiments, pd.DataFrame):
            raise TypeError(f"experiments must be a DataFrame, got "
                            f"{type(self.experiments).__name__}")
        check_int("seed", self.seed, minimum=0)

    def __eq__(self, other: object) -> bool:   # a DataFrame field has no truth value
        return self is other

    __hash__ = object.__hash__


@dataclass(frozen=True, eq=False)
class SimfaasComparison(Result):
    """``records``: one row per experiment — ``arrival_rate``, then ``<metric>_measured`` and
    ``<metric>_model`` for ``cold_start_prob``, ``mean_instances``, ``utilization``, plus
    ``cold_start_prob_se`` and ``model_requests``."""

    config: SimfaasComparisonConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Mean absolute percentage error per metric, and the share of experiments whose
        measured P(cold) is within 2 standard errors of the model."""
        c = self.records
        out: dict[str, Any] = {f"{row.metric}_mape_percent": row.mape_percent
                               for row in agreement(c).itertuples()}
        out["cold_start_within_2se_share"] = float(
            ((c.cold_start_prob_model - c.cold_start_prob_measured).abs()
             <= 2 * c.cold_start_prob_se).mean())
        return out


def run_simfaas_comparison(config: SimfaasComparisonConfig) -> SimfaasComparison:
    """Run :func:`run_functions` at each experiment's rate: measured and model side by side.

    >>> c = run_simfaas_comparison(SimfaasComparisonConfig(
    ...     min_requests=300, min_horizon_s=1000, experiments=load_simfaas_experiments().tail(2)))
    >>> list(c.records.columns[:3])
    ['arrival_rate', 'cold_start_prob_measured', 'cold_start_prob_model']
    >>> sorted(c.summary())[0]
    'cold_start_prob_mape_percent'
    """
    if not isinstance(config, SimfaasComparisonConfig):
        raise TypeError(f"config must be a SimfaasComparisonConfig, got "
                        f"{type(config).__name__}")
    everything = load_simfaas_experiments()
    e = config.experiments if config.experiments is not None else everything
    warm = float(everything.warm_service_s.mean())
    cold = float(everything.cold_service_s.mean())
    rows = []
    for r in e.itertuples(index=False):
        s = run_functions(FunctionsConfig(
            arrival_rate=float(r.arrival_rate), warm_service_s=warm, cold_service_s=cold,
            idle_timeout_s=float(r.idle_timeout_s),
            horizon_s=max(config.min_requests / r.arrival_rate, config.min_horizon_s),
            seed=config.seed))
        rows.append({"arrival_rate": float(r.arrival_rate),
                     "cold_start_prob_measured": float(r.cold_start_prob),
                     "cold_start_prob_model": s.cold_start_prob,
                     "mean_instances_measured": float(r.mean_instances),
                     "mean_instances_model": s.mean_instances,
                     "utilization_measured": float(r.utilization),
                     "utilization_model": s.utilization,
                     "cold_start_prob_se": float(r.cold_start_prob_se),
                     "model_requests": s.n_requests})
    return SimfaasComparison(config, pd.DataFrame(rows))


def _compare_with_experiments(*, min_requests: int = 8000, min_horizon_s: float = 20_000.0,
                              seed: int = 0, experiments: pd.DataFrame | None = None
                              ) -> pd.DataFrame:
    """The former signature: ``run_simfaas_comparison(SimfaasComparisonConfig(...)).records``."""
    return run_simfaas_comparison(SimfaasComparisonConfig(
        min_requests=min_requests, min_horizon_s=min_horizon_s, experiments=experiments,
        seed=seed)).records


compare_with_experiments = deprecated_alias(_compare_with_experiments, "compare_with_experiments",
                                            replacement=run_simfaas_comparison)


def agreement(comparison: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute percentage error (%) of the model per metric, one row each.

    >>> import pandas as pd
    >>> c = pd.DataFrame({"cold_start_prob_measured": [0.1], "cold_start_prob_model": [0.11],
    ...                   "mean_instances_measured": [2.0], "mean_instances_model": [2.0],
    ...                   "utilization_measured": [0.5], "utilization_model": [0.4]})
    >>> agreement(c).mape_percent.round(1).tolist()
    [10.0, 0.0, 20.0]
    """
    rows = []
    for metric in ("cold_start_prob", "mean_instances", "utilization"):
        measured = comparison[f"{metric}_measured"]
        model = comparison[f"{metric}_model"]
        rows.append({"metric": metric,
                     "mape_percent": float(((model - measured).abs() / measured).mean() * 100)})
    return pd.DataFrame(rows)
