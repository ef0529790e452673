"""The AWS limits and defaults (and the few library defaults) that the scenario questions turn on,
read from the lab's data files with their sources and dates, so notebook 13's *On AWS* section
cites data rather than typed numbers.

AWS numbers come from the facts tables (:mod:`labkit.core.facts`); the Envoy defaults the
service-mesh questions use come from ``labkit/data/resilience_limits.csv`` (library defaults,
not AWS facts).

Contents
    load_limits, exam_limits, EXAM_LIMITS, LIBRARY_LIMITS
"""

from __future__ import annotations

from pathlib import Path

from labkit.core.data import data_dir

__all__ = ["EXAM_LIMITS", "LIBRARY_LIMITS", "exam_limits", "load_limits"]

#: Keys of the AWS facts the questions in data/quiz/*.json use, in display order.
EXAM_LIMITS: tuple[str, ...] = (
    "lambda_concurrency_quota_default",
    "lambda_unreserved_concurrency_min",
    "lambda_scaling_rate_per_10s",
    "lambda_async_max_event_age_h",
    "sqs_retention_max_s",
    "sqs_fifo_dedup_window_s",
    "sns_filter_policy_keys_max",
    "sns_filter_policy_combinations_max",
    "eventbridge_or_combinations_max",
    "kinesis_shard_write_records_per_s",
    "kinesis_shard_write_mb_per_s",
    "athena_price_per_tb",
    "athena_min_scan_mb",
    "org_scps_per_node_max",
    "org_scp_max_characters",
)

#: Library defaults the questions use: key -> (service, setting) in resilience_limits.csv.
LIBRARY_LIMITS: dict[str, tuple[str, str]] = {
    "envoy_retry_budget_percent": ("Envoy", "retry_budget budget_percent (default)"),
    "envoy_retry_budget_min_retry_concurrency": (
        "Envoy", "retry_budget min_retry_concurrency (default)"),
    "envoy_outlier_max_ejection_percent": ("Envoy", "outlier max_ejection_percent (default)"),
}

_COLUMNS = ["key", "service", "setting", "value", "unit", "source", "date", "file"]


def load_limits(data_dir_: str | Path | None = None):
    """Every AWS fact and every library default, one DataFrame with ``key, service, setting,
    value, unit, source, date, file`` (``setting`` is the fact's statement for AWS rows).

    >>> limits = load_limits()
    >>> limits.columns.tolist() == _COLUMNS, limits.key.is_unique
    (True, True)
    """
    import pandas as pd

    from labkit.core.facts import facts

    root = Path(data_dir_) if data_dir_ is not None else data_dir()
    aws = facts(root).rename(columns={"statement": "setting", "source_url": "source",
                                      "checked_on": "date", "table": "file"})
    library = pd.read_csv(root / "resilience_limits.csv", dtype=str, keep_default_na=False)
    keys = {v: k for k, v in LIBRARY_LIMITS.items()}
    library = library.assign(
        key=[keys.get((s, t), f"{s}: {t}") for s, t in zip(library.service, library.setting,
                                                            strict=True)],
        date=library.get("checked_on", ""), file="resilience_limits.csv")
    return pd.concat([aws[_COLUMNS], library[_COLUMNS]], ignore_index=True)


def exam_limits(data_dir_: str | Path | None = None):
    """The AWS rows of :data:`EXAM_LIMITS`, then the :data:`LIBRARY_LIMITS` rows, in that order;
    ``KeyError`` naming any that is missing.

    >>> exam_limits().iloc[0][["key", "value"]].tolist()
    ['lambda_concurrency_quota_default', '1000']
    """
    limits = load_limits(data_dir_).set_index("key", drop=False)
    wanted = [*EXAM_LIMITS, *LIBRARY_LIMITS]
    missing = [k for k in wanted if k not in limits.index]
    if missing:
        raise KeyError(f"limits missing from the data files: {missing}")
    return limits.loc[wanted].reset_index(drop=True)
