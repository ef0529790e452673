"""The AWS facts tables: every AWS limit, quota, price and default the lab states, with its source.

All rows of every ``labkit/data/aws_facts*.csv`` (``aws_facts.csv`` plus one
``aws_facts_<family>.csv`` per family that adds its own) share one schema,
:data:`FACT_COLUMNS`: ``key`` (unique across the tables), ``service``, ``value``, ``unit``,
``region`` (empty when not regional), ``statement`` (the fact in one sentence), ``source_url``
(the AWS documentation or pricing page) and ``checked_on`` (ISO date it was verified).
Notebooks render numbers with :func:`fact_text` / :func:`fact_value` instead of retyping them,
and ``tools/factcheck.py`` checks that every row is sourced and recent.

Contents
    FACT_COLUMNS, Fact, facts, fact, fact_value, fact_text, fact_table, sources_markdown
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from labkit.core.data import data_dir

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["FACT_COLUMNS", "Fact", "fact", "fact_table", "fact_text", "fact_value", "facts",
           "sources_markdown"]

#: The columns of every facts table, in this order.
FACT_COLUMNS: tuple[str, ...] = ("key", "service", "value", "unit", "region", "statement",
                                 "source_url", "checked_on")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_TITLES = {  # short page names for prose, by URL prefix (the first that matches)
    "https://aws.amazon.com/blogs/": "AWS blog post",
    "https://aws.amazon.com/about-aws/whats-new/": "AWS What's New post",
    "https://aws.amazon.com/": "AWS pricing page",
    "https://docs.aws.amazon.com/": "AWS documentation",
    "https://github.com/aws/": "AWS SDK source",
}


@dataclass(frozen=True)
class Fact:
    """One row of a facts table; ``number`` is ``value`` as a float (``None`` if not numeric)."""

    key: str
    service: str
    value: str
    unit: str
    region: str
    statement: str
    source_url: str
    checked_on: str
    table: str

    @property
    def number(self) -> float | None:
        try:
            return float(self.value)
        except ValueError:
            return None

    @property
    def checked_date(self) -> dt.date:
        return dt.date.fromisoformat(self.checked_on)


def fact_tables(root: str | Path | None = None) -> list[Path]:
    """The facts tables in ``root`` (default: the packaged data folder), sorted by name.

    >>> [p.name for p in fact_tables()][:1]
    ['aws_facts.csv']
    """
    folder = Path(root) if root is not None else data_dir()
    return sorted(folder.glob("aws_facts*.csv"))


def _read_rows(root: str | Path | None) -> list[Fact]:
    rows: list[Fact] = []
    seen: dict[str, str] = {}
    tables = fact_tables(root)
    if not tables:
        raise FileNotFoundError(f"no aws_facts*.csv tables in {root or data_dir()}")
    for path in tables:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != FACT_COLUMNS:
                raise ValueError(f"{path.name}: columns must be {list(FACT_COLUMNS)}, "
                                 f"got {reader.fieldnames}")
            for line, row in enumerate(reader, start=2):
                if None in row or None in row.values():
                    raise ValueError(f"{path.name}:{line}: expected {len(FACT_COLUMNS)} fields "
                                     "(quote a statement that contains commas)")
                key = row["key"]
                if not _KEY.match(key):
                    raise ValueError(f"{path.name}:{line}: key must be snake_case, got {key!r}")
                if key in seen:
                    raise ValueError(f"{path.name}:{line}: key {key!r} repeats a row of "
                                     f"{seen[key]}")
                seen[key] = path.name
                rows.append(Fact(**{c: (row[c] or "").strip() for c in FACT_COLUMNS},
                                 table=path.name))
    return rows


def facts(root: str | Path | None = None) -> pd.DataFrame:
    """Every row of every facts table, one DataFrame with :data:`FACT_COLUMNS` and ``table``.

    >>> frame = facts()
    >>> list(frame.columns[:3]), frame.key.is_unique
    (['key', 'service', 'value'], True)
    """
    import pandas as pd

    rows = _read_rows(root)
    return pd.DataFrame([{c: getattr(r, c) for c in (*FACT_COLUMNS, "table")} for r in rows])


def fact(key: str, root: str | Path | None = None) -> Fact:
    """The row named ``key``; ``KeyError`` (naming close keys) if there is none.

    >>> f = fact("sqs_visibility_timeout_default_s")
    >>> f.value, f.unit, f.source_url.startswith("https://docs.aws.amazon.com/")
    ('30', 's', True)
    """
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, got {type(key).__name__}")
    rows = _read_rows(root)
    for row in rows:
        if row.key == key:
            return row
    stem = key.split("_")[0]
    close = sorted(r.key for r in rows if r.key.startswith(stem))[:8]
    raise KeyError(f"no AWS fact {key!r}; keys starting {stem!r}: {close}")


def fact_value(key: str, root: str | Path | None = None) -> float | str:
    """The value of ``key``: a float when numeric (``int``-valued floats stay floats), else text.

    >>> fact_value("lambda_timeout_max_s"), fact_value("sfn_retry_jitter_default")
    (900.0, 'NONE')
    """
    row = fact(key, root)
    return row.number if row.number is not None else row.value


def _format_number(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.10g}" if abs(x) < 1e-3 else f"{x:,.4g}"


def fact_text(key: str, *, source: bool = True, root: str | Path | None = None) -> str:
    """``value unit`` for prose, with the source and date in brackets unless ``source=False``.

    >>> fact_text("lambda_timeout_max_s", source=False)
    '900 s'
    >>> fact_text("sqs_visibility_timeout_default_s").endswith(")")
    True
    """
    row = fact(key, root)
    value = _format_number(row.number) if row.number is not None else row.value
    if row.unit.startswith("USD") and row.number is not None and row.number >= 0.01:
        value = f"{row.number:,.2f}"
    if row.unit.startswith("USD"):
        text = f"${value} {row.unit[4:]}".rstrip()
    elif row.unit in ("date", "flag", ""):
        text = value
    else:
        text = f"{value} {row.unit}"
    if row.region:
        text += f" in {row.region}"
    if source:
        text += f" ({_page_name(row.source_url)}, checked {row.checked_on})"
    return text


def _page_name(url: str) -> str:
    """A short readable name of an AWS page from its URL.

    >>> _page_name("https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html")
    'lambda: invocation-async'
    >>> _page_name("https://aws.amazon.com/athena/pricing/")
    'athena pricing'
    >>> _page_name("https://github.com/aws/aws-sdk-go-v2/pull/3400")
    'AWS SDK source'
    """
    path = url.split("://", 1)[-1].split("/", 1)[-1].strip("/")
    skip = ("latest", "dg", "userguide", "ug", "developerguide", "dev", "APIReference")
    parts = [p for p in path.split("/") if p and p not in skip]
    if url.startswith("https://docs.aws.amazon.com/") and parts:
        page = parts[-1].removesuffix(".html")
        return f"{parts[0]}: {page}" if len(parts) > 1 else page
    if parts and parts[-1] == "pricing":
        return " ".join(parts[-2:])
    for prefix, name in _TITLES.items():
        if url.startswith(prefix):
            return name
    return url


def fact_table(keys: list[str] | tuple[str, ...], root: str | Path | None = None) -> pd.DataFrame:
    """The rows of ``keys`` in that order, for a notebook's "numbers used here" table.

    >>> fact_table(["lambda_timeout_max_s"]).columns.tolist()
    ['key', 'service', 'value', 'unit', 'region', 'statement', 'source_url', 'checked_on']
    """
    import pandas as pd

    if isinstance(keys, str):
        raise TypeError("keys must be a list of fact keys, not one string")
    rows = [fact(k, root) for k in keys]
    return pd.DataFrame([{c: getattr(r, c) for c in FACT_COLUMNS} for r in rows])


def sources_markdown(keys: list[str] | tuple[str, ...], root: str | Path | None = None) -> str:
    """A Markdown list of the distinct source pages of ``keys`` with their check dates.

    >>> text = sources_markdown(["lambda_timeout_max_s", "lambda_memory_max_mb"])
    >>> len(text.splitlines()), text.startswith("- [lambda: gettingstarted-limits](https://")
    (1, True)
    """
    pages: dict[str, str] = {}
    for key in keys:
        row = fact(key, root)
        pages[row.source_url] = max(pages.get(row.source_url, ""), row.checked_on)
    return "\n".join(f"- [{_page_name(u)}]({u}), checked {d}" for u, d in pages.items())
