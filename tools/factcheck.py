#!/usr/bin/env python3
"""Check the AWS facts tables and the AWS numbers the notebooks state.

Usage: python tools/factcheck.py [--today YYYY-MM-DD] [notebooks/NN-name.ipynb ...]
(default: every notebook; ``make facts``).

Fails (exit 1) and lists:

1. **Rows to re-verify or fix** in ``labkit/data/aws_facts*.csv``: a row without a
   ``source_url`` on an AWS documentation or pricing page (``https://docs.aws.amazon.com/...``,
   ``https://aws.amazon.com/...``), without a statement or value, or without an ISO
   ``checked_on`` date; a date in the future; a date older than 12 months (365 days) before
   ``--today`` (these rows are printed as "re-verify").
2. **Unsourced AWS numbers in notebooks**: a number with a unit (time, size, money, percent,
   HTTP status, or a count of AWS things such as requests, messages, attempts) in a Markdown
   chunk (paragraph, list item or table row) that names an AWS service, which is neither the
   value of a facts row whose service the same Markdown cell names (after unit conversion:
   ``15 minutes`` matches ``900 s``; a dollar amount matches a price per unit, per thousand or
   per million; a number equal to an unrelated service's fact does not count) nor on the
   reviewed allow-list
   ``tools/factcheck_allow.toml`` (numbers that are not AWS facts: lab settings, measured
   results quoted by a figure caption, exercise parameters). Numbers in code cells and their
   outputs are not scanned: a code cell renders facts with ``labkit.core.facts`` (``fact_text``)
   and computed numbers from its own results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ALLOW_FILE = Path(__file__).resolve().parent / "factcheck_allow.toml"
MAX_AGE_DAYS = 365
#: AWS documentation, AWS pricing and AWS-published pages (blogs, AWS's own sample repository,
#: the AWS SDKs' repositories).
SOURCE_PREFIXES = ("https://docs.aws.amazon.com/", "https://aws.amazon.com/",
                   "https://github.com/aws-samples/", "https://github.com/aws/")

#: Words that mark a chunk of prose as a statement about AWS.
_SERVICE_NAMES = (
    "AWS", "Amazon", "Lambda", "SQS", "SNS", "EventBridge", "Kinesis", "Step Functions",
    "API Gateway", "DynamoDB", "DAX", "CloudFront", "ElastiCache", "Athena", "Firehose",
    "Lake Formation", "S3", "Fargate", "EC2", "ECS", "EKS", "App Runner", "App Mesh",
    "Organizations", "SCPs?", "RCPs?", "Control Tower", "Transit Gateway", "CloudTrail", "IAM",
    "Cognito", "Glue", "DMS", "VPC Lattice", "Service Connect", "X-Ray", "CloudWatch")
#: Words that mark a chunk of prose as a statement about AWS (a name may break across lines).
SERVICES = re.compile(r"\b(" + "|".join(n.replace(" ", r"\s+") for n in _SERVICE_NAMES)
                      + r")\b")

_SECONDS = {"ms": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3, "s": 1.0, "sec": 1.0,
            "second": 1.0, "seconds": 1.0, "min": 60.0, "minute": 60.0, "minutes": 60.0,
            "h": 3600.0, "hour": 3600.0, "hours": 3600.0, "day": 86400.0, "days": 86400.0}
_BYTES = {"bytes": 1.0, "byte": 1.0, "B": 1.0, "KB": 1e3, "KiB": 2.0 ** 10, "MB": 1e6,
          "MiB": 2.0 ** 20, "GB": 1e9, "GiB": 2.0 ** 30, "TB": 1e12, "TiB": 2.0 ** 40}
_COUNTS = ("requests", "request", "records", "record", "messages", "message", "attempts",
           "attempt", "retries", "retry", "keys", "key", "combinations", "targets", "policies",
           "policy", "partitions", "filters", "executions", "concurrent executions",
           "environments", "execution environments", "shards", "characters", "levels", "tokens",
           "calls", "receives", "permissions", "vCPU", "vCPUs", "GB-seconds", "GB-s", "tasks",
           "writes", "reads", "write request units", "read request units",
           "threads", "instances", "connections", "transactions", "events")
_UNIT = "|".join(sorted((re.escape(u) for u in (*_SECONDS, *_BYTES, *_COUNTS, "%", "percent")),
                        key=len, reverse=True))
NUMBER = re.compile(
    r"(?<![\w.,$/-])(?P<dollar>\$)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<mult>\s?(?:M|million|billion|k)(?![A-Za-z]))?(?:\s|-|&nbsp;|\u202f)?(?P<unit>" + _UNIT +
    r")?(?![\w])")
HTTP = re.compile(r"\b(?:HTTP|status|error code|returns?|gets?)\s*\(?(?P<code>[1-5]\d\d)\b")


@dataclass(frozen=True)
class Quantity:
    """A number stated in prose: its kind (time/size/money/percent/count/http) and value in the
    base unit (seconds, bytes, USD, percent, count)."""

    kind: str
    value: float
    text: str


def quantities(chunk: str) -> list[Quantity]:
    """The AWS-style quantities stated in one chunk of Markdown.

    >>> [(q.kind, q.value) for q in quantities("Lambda runs at most 15 minutes, $0.20 per 1 M")]
    [('time', 900.0), ('money', 0.2)]
    """
    found: list[Quantity] = []
    for m in NUMBER.finditer(chunk):
        unit, dollar, mult = m["unit"], m["dollar"], (m["mult"] or "").strip()
        number = float(m["num"].replace(",", ""))
        factor = {"M": 1e6, "million": 1e6, "billion": 1e9, "k": 1e3, "": 1.0}[mult]
        if dollar:
            found.append(Quantity("money", number * factor, m.group(0).strip()))
        elif unit in _SECONDS:
            found.append(Quantity("time", number * _SECONDS[unit], m.group(0).strip()))
        elif unit in _BYTES:
            found.append(Quantity("size", number * _BYTES[unit], m.group(0).strip()))
        elif unit in ("%", "percent"):
            found.append(Quantity("percent", number, m.group(0).strip()))
        elif unit:
            found.append(Quantity("count", number * factor, m.group(0).strip()))
    for m in HTTP.finditer(chunk):
        found.append(Quantity("http", float(m["code"]), m.group(0).strip()))
    return found


#: How prose names each service of the facts tables (beyond the name without AWS/Amazon).
_SERVICE_WORDS = {
    "Amazon Kinesis Data Streams": ("Kinesis",),
    "Amazon Data Firehose": ("Firehose",),
    "DynamoDB Accelerator (DAX)": ("DAX",),
    "AWS SDKs": ("SDK", "SDKs", "retry", "retries", "backoff"),
    "AWS Organizations": ("Organizations", "SCP", "SCPs", "RCP", "RCPs", "Control Tower"),
    "AWS Lake Formation": ("Lake Formation",),
    "AWS App Mesh": ("App Mesh", "Envoy"),
}


def service_words(service: str) -> tuple[str, ...]:
    """The words that name ``service`` in prose.

    >>> service_words("Amazon SQS"), service_words("Amazon Data Firehose")
    (('SQS',), ('Firehose',))
    """
    short = re.sub(r"^(AWS|Amazon)\s+", "", service)
    return _SERVICE_WORDS.get(service, (short,))


def _fact_quantities(rows) -> dict[str, list[tuple[float, tuple[str, ...]]]]:
    """Every numeric fact as the quantities a notebook may state it as, each with the words
    that name its service."""
    out: dict[str, list[tuple[float, tuple[str, ...]]]] = {
        k: [] for k in ("time", "size", "money", "percent", "count", "http")}
    for row in rows:
        x = row.number
        if x is None:
            continue
        words = service_words(row.service)
        unit = row.unit
        first = unit.split()[0] if unit else ""
        period = re.search(r"\bper (\d+(?:\.\d+)?) ?(" + "|".join(_SECONDS) + r")\b", unit)
        if period:   # "1,000 per 10 s": the period is a number the prose states too
            out["time"].append((float(period[1]) * _SECONDS[period[2]], words))
        if unit == "HTTP status":
            out["http"].append((x, words))
        elif first in _SECONDS:
            out["time"].append((x * _SECONDS[first], words))
        elif first.split("/")[0] in _BYTES:
            out["size"].append((x * _BYTES[first.split("/")[0]], words))
        elif unit.startswith("USD"):
            for k in range(0, 13, 3):
                out["money"].append((round(x * 10 ** k, 10), words))
        elif unit in ("%",) or unit.startswith("fraction"):
            out["percent"].append((x * 100 if unit.startswith("fraction") else x, words))
        out["count"].append((x, words))
    return out


def _names(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(r"\b" + re.escape(w).replace(r"\ ", r"\s+") + r"\b", text)
               for w in words)


def _matches(q: Quantity, known, context: str) -> bool:
    """``q`` equals the value of a fact whose service the context (the chunk and the cell it
    is in) names: a number equal to an unrelated service's fact does not count."""
    return any(math.isclose(q.value, v, rel_tol=1e-6, abs_tol=1e-12) and _names(context, words)
               for v, words in known[q.kind])


def chunks(markdown: str) -> list[str]:
    """Paragraphs, list items and table rows of a Markdown cell (fenced code removed).

    >>> chunks("a\\nb\\n\\n- c\\n- d\\n| e |")
    ['a\\nb', '- c', '- d', '| e |']
    """
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        current: list[str] = []
        for line in para.splitlines():
            if re.match(r"\s*([-*+]|\d+\.|\|)\s", line) and current:
                out.append("\n".join(current))
                current = []
            current.append(line)
        if current:
            out.append("\n".join(current))
    return [c.strip() for c in out if c.strip()]


def load_allow(path: Path = ALLOW_FILE) -> dict[str, set[str]]:
    """The reviewed allow-list: notebook file name (or ``"*"``) -> stated texts allowed."""
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    allow: dict[str, set[str]] = {}
    for entry in data.get("allow", []):
        for name in entry.get("notebooks", ["*"]):
            allow.setdefault(name, set()).add(entry["text"])
    return allow


def check_notebook(path: Path, rows, allow: dict[str, set[str]]) -> list[str]:
    """Unsourced AWS numbers in one notebook's Markdown cells."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    known = _fact_quantities(rows)
    allowed = allow.get("*", set()) | allow.get(path.name, set())
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for chunk in chunks(cell.source):
            if not SERVICES.search(chunk):
                continue
            for q in quantities(chunk):
                if _matches(q, known, cell.source) or q.text in allowed:
                    continue
                line = " ".join(chunk.split())
                problems.append(f"{path.name} cell {index} ({cell.get('id', '?')}): "
                                f"{q.text!r} is not in the facts tables: {line[:160]}")
    return problems


def check_tables(rows, today: dt.date) -> list[str]:
    """Rows without a source, statement, value or valid date, and rows older than 12 months."""
    problems = []
    for row in rows:
        where = f"{row.table} {row.key}"
        if not row.source_url.startswith(SOURCE_PREFIXES):
            problems.append(f"{where}: source_url must be an AWS documentation or pricing page, "
                            f"got {row.source_url!r}")
        if not row.statement:
            problems.append(f"{where}: no statement")
        if not row.value:
            problems.append(f"{where}: no value")
        try:
            checked = dt.date.fromisoformat(row.checked_on)
        except ValueError:
            problems.append(f"{where}: checked_on must be an ISO date YYYY-MM-DD, got "
                            f"{row.checked_on!r}")
            continue
        if checked > today:
            problems.append(f"{where}: checked_on {checked} is after today ({today})")
        elif (today - checked).days > MAX_AGE_DAYS:
            problems.append(f"{where}: re-verify (checked {checked}, more than 12 months "
                            f"before {today}) at {row.source_url}")
    return problems


def run(notebooks: list[Path], today: dt.date, data_root: Path | None = None,
        allow_file: Path = ALLOW_FILE) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from labkit.core.facts import _read_rows

    rows = _read_rows(data_root)
    problems = check_tables(rows, today)
    allow = load_allow(allow_file)
    for path in notebooks:
        problems += check_notebook(path, rows, allow)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    problems = run(paths, args.today)
    for problem in problems:
        print(problem)
    if problems:
        print(f"factcheck: {len(problems)} problem(s)")
        return 1
    print(f"factcheck: facts tables and {len(paths)} notebook(s) OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
