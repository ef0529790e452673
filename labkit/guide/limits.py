"""The AWS limits and defaults that the scenario questions turn on, read from the lab's data
files (each row keeps its source and date), so notebook 13's *On AWS* section cites data rather
than typed numbers.

Contents
    load_limits, exam_limits, EXAM_LIMITS
"""

from __future__ import annotations

from pathlib import Path

from labkit.core.data import data_dir

__all__ = ["EXAM_LIMITS", "exam_limits", "load_limits"]

_DATA = data_dir()

#: (data file, service, setting) of the limits used by the questions in data/quiz.json.
EXAM_LIMITS: tuple[tuple[str, str, str], ...] = (
    ("resilience_limits.csv", "AWS Lambda", "account concurrency quota per Region (default)"),
    ("resilience_limits.csv", "AWS Lambda", "unreserved concurrency that must remain"),
    ("resilience_limits.csv", "AWS Lambda", "scaling rate per function"),
    ("resilience_limits.csv", "AWS Lambda", "retry window for throttled asynchronous invokes"),
    ("resilience_limits.csv", "Envoy", "retry_budget budget_percent (default)"),
    ("resilience_limits.csv", "Envoy", "retry_budget min_retry_concurrency (default)"),
    ("resilience_limits.csv", "Envoy", "outlier max_ejection_percent (default)"),
    ("messaging_limits.csv", "SQS", "message retention maximum"),
    ("messaging_limits.csv", "SQS", "FIFO deduplication window"),
    ("messaging_limits.csv", "SNS", "filter policy keys maximum"),
    ("messaging_limits.csv", "SNS", "filter policy value combinations maximum"),
    ("messaging_limits.csv", "EventBridge", "$or combinations maximum"),
    ("messaging_limits.csv", "Kinesis Data Streams", "write per shard"),
    ("messaging_limits.csv", "Kinesis Data Streams", "write bytes per shard"),
    ("lake_limits.csv", "Athena", "price per TB scanned (us-east-1)"),
    ("lake_limits.csv", "Athena", "minimum billed per query"),
    ("org-quotas.csv", "AWS Organizations", "SCPs attached directly per root/OU/account"),
    ("org-quotas.csv", "AWS Organizations", "SCP document size"),
)


def _read(path: Path):
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "quota" in frame.columns:  # org-quotas.csv: one service, quota names
        frame = frame[frame.get("profile", "documented") == "documented"]
        frame = frame.rename(columns={"quota": "setting"}).assign(service="AWS Organizations")
    date = next((c for c in ("as_of", "retrieved", "source_date") if c in frame.columns), None)
    frame = frame.assign(date=frame[date] if date else "")
    return frame[["service", "setting", "value", "unit", "source", "date"]].assign(file=path.name)


def load_limits(data_dir: str | Path | None = None):
    """Every limit in the data files with ``service, setting, value, unit, source, date`` columns
    (and ``org-quotas.csv``), as one DataFrame with a ``file`` column.

    >>> limits = load_limits()
    >>> {"service", "setting", "value", "unit", "source", "date", "file"} <= set(limits.columns)
    True
    """
    import pandas as pd

    root = Path(data_dir) if data_dir is not None else _DATA
    frames = []
    for path in sorted(root.glob("*.csv")):
        head = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        if {"setting", "value", "source"} <= set(head) or {"quota", "value", "source"} <= set(head):
            frames.append(_read(path))
    if not frames:
        raise FileNotFoundError(f"no limit tables (service/setting/value/source) in {root}")
    return pd.concat(frames, ignore_index=True)


def exam_limits(data_dir: str | Path | None = None):
    """The rows of :data:`EXAM_LIMITS`, in that order; ``KeyError`` naming any that is missing.

    >>> exam_limits().iloc[0][["setting", "value"]].tolist()
    ['account concurrency quota per Region (default)', '1000']
    """
    import pandas as pd

    limits = load_limits(data_dir)
    rows = []
    for file, service, setting in EXAM_LIMITS:
        hit = limits[(limits.file == file) & (limits.service == service) &
                     (limits.setting == setting)]
        if len(hit) != 1:
            raise KeyError(f"{file}: expected one row for {service!r} / {setting!r}, "
                           f"found {len(hit)}")
        rows.append(hit.iloc[0])
    return pd.DataFrame(rows).reset_index(drop=True)
