"""Compute cost model: monthly cost of one service on Lambda, Fargate, EC2 or App Runner.

Every price comes from the AWS facts table (``labkit/data/aws_facts.csv``, one row per price with
its source page and check date; :data:`PRICE_FACTS` names the rows), so changing a price there
changes every number and chart built from it. The model:

- **Lambda** (default, on-demand) pays per request and per GB-second of duration:
  ``requests x request price + requests x memory_GB x duration_s x GB-s price``
  (optionally minus the monthly free tier). Cost is a straight line through the origin.
  Lambda Managed Instances (functions on EC2 instances in your account, billed as EC2 capacity
  plus a management fee) are not priced here; :func:`operational_tradeoffs` describes them.
- **Containers** (Fargate tasks, EC2 instances, App Runner instances) pay for capacity that is
  there whether it is used or not. The load needs ``rate x duration`` requests in flight on
  average (Little's law); one instance serves ``vCPU x concurrency_per_vcpu`` at once, run at
  ``target_utilization``; at least ``min_instances`` are always on. Cost is a staircase.
- **App Runner** bills memory of every instance all month and vCPU only while an instance is
  active (serving at least one request). With Poisson arrivals an instance with ``m`` requests
  in flight on average is active a fraction ``1 - exp(-m)`` of the time (M/G/infinity).

A month is 730 hours, as on AWS pricing pages.

Classes
    PriceTable, Workload, LambdaOption, FargateOption, EC2Option, AppRunnerOption
Functions
    load_prices, monthly_cost, cost_curve, break_even_rate, break_even_table,
    operational_tradeoffs
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from labkit.core.validation import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "AppRunnerOption",
    "EC2Option",
    "FargateOption",
    "HOURS_PER_MONTH",
    "LambdaOption",
    "PriceTable",
    "Workload",
    "break_even_rate",
    "break_even_table",
    "cost_curve",
    "PRICE_FACTS",
    "price_rows",
    "load_prices",
    "monthly_cost",
    "operational_tradeoffs",
]

HOURS_PER_MONTH = 730.0
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600.0
_COLUMNS = ("service", "item", "price_usd", "unit", "region", "source", "source_date", "note")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

#: vCPU and memory (GiB) of the EC2 instance types the price table may list.
EC2_INSTANCE_SPECS: dict[str, tuple[float, float]] = {
    "t3.small": (2.0, 2.0),
    "t3.medium": (2.0, 4.0),
    "t3.large": (2.0, 8.0),
    "m7g.large": (2.0, 8.0),
}
_FARGATE_VCPU = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
_APP_RUNNER_VCPU = (0.25, 0.5, 1.0, 2.0, 4.0)
_LAMBDA_MEMORY_MB = (128, 10240)
_LAMBDA_MAX_DURATION_S = 900.0
_LAMBDA_FIRST_TIER_GB_S = {"x86": 6e9, "arm64": 7.5e9}


#: The fact key (``labkit/data/aws_facts.csv``) of every price the cost models use, by
#: ``(service, item)``.
PRICE_FACTS: dict[tuple[str, str], str] = {
    ("lambda", "request"): "lambda_request_price",
    ("lambda", "duration_x86"): "lambda_duration_x86_price",
    ("lambda", "duration_arm64"): "lambda_duration_arm64_price",
    ("lambda", "free_requests"): "lambda_free_requests",
    ("lambda", "free_gb_seconds"): "lambda_free_gb_seconds",
    ("fargate", "vcpu_hour_x86"): "fargate_vcpu_hour_x86_price",
    ("fargate", "gb_hour_x86"): "fargate_gb_hour_x86_price",
    ("fargate", "vcpu_hour_arm64"): "fargate_vcpu_hour_arm64_price",
    ("fargate", "gb_hour_arm64"): "fargate_gb_hour_arm64_price",
    ("ec2", "t3.large"): "ec2_t3_large_price",
    ("ec2", "m7g.large"): "ec2_m7g_large_price",
    ("ec2", "t3.small"): "ec2_t3_small_price",
    ("app_runner", "vcpu_hour_active"): "app_runner_vcpu_hour_active_price",
    ("app_runner", "gb_hour"): "app_runner_gb_hour_price",
    ("eks", "cluster_hour"): "eks_cluster_hour_price",
}


def price_rows(keys: dict[tuple[str, str], str] | None = None) -> list[dict[str, str]]:
    """Price-table rows built from the AWS facts tables (source = the fact's page, date = its
    ``checked_on``, note = its statement).

    >>> price_rows()[0]["service"], price_rows()[0]["item"]
    ('lambda', 'request')
    """
    from labkit.core.facts import fact

    rows = []
    for (service, item), key in (keys if keys is not None else PRICE_FACTS).items():
        f = fact(key)
        rows.append({"service": service, "item": item, "price_usd": f.value,
                     "unit": f.unit.removeprefix("USD ").removeprefix("USD"),
                     "region": f.region, "source": f.source_url, "source_date": f.checked_on,
                     "note": f.statement})
    return rows


@dataclass(frozen=True)
class PriceTable:
    """Prices keyed by ``(service, item)``, each with its unit, source and date.

    Build one with :func:`load_prices`; :meth:`with_price` returns a copy with one price changed
    (what-if questions without editing the file).

    Examples
    --------
    >>> t = PriceTable.from_rows([{"service": "lambda", "item": "request", "price_usd": "2e-7",
    ...     "unit": "per request", "region": "us-east-1", "source": "https://aws.amazon.com/lambda/pricing/",
    ...     "source_date": "2022-08", "note": ""}])
    >>> t.price("lambda", "request")
    2e-07
    """

    rows: tuple[dict[str, str], ...]
    _index: dict[tuple[str, str], dict[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], dict[str, str]] = {}
        for n, row in enumerate(self.rows, start=1):
            missing = [c for c in _COLUMNS if c not in row]
            if missing:
                raise ValueError(f"price row {n} lacks column(s) {missing}")
            key = (row["service"].strip(), row["item"].strip())
            if key in index:
                raise ValueError(f"price row {n} repeats {key[0]}/{key[1]}")
            try:
                value = float(row["price_usd"])
            except ValueError:
                raise ValueError(f"price row {n} ({key[0]}/{key[1]}): price_usd must be a "
                                 f"number, got {row['price_usd']!r}") from None
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"price row {n} ({key[0]}/{key[1]}): price_usd must be in "
                                 f"[0, inf), got {value!r}")
            if not row["source"].strip():
                raise ValueError(f"price row {n} ({key[0]}/{key[1]}) has no source")
            if not _DATE.match(row["source_date"].strip()):
                raise ValueError(f"price row {n} ({key[0]}/{key[1]}): source_date must be "
                                 f"YYYY, YYYY-MM or YYYY-MM-DD, got {row['source_date']!r}")
            index[key] = row
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_rows(cls, rows: Sequence[dict[str, str]]) -> PriceTable:
        return cls(tuple(dict(r) for r in rows))

    def price(self, service: str, item: str) -> float:
        """The price of ``item`` for ``service`` in USD per its unit."""
        try:
            return float(self._index[(service, item)]["price_usd"])
        except KeyError:
            known = sorted(i for s, i in self._index if s == service)
            raise KeyError(f"no price for {service}/{item}; {service} has {known}") from None

    def source(self, service: str, item: str) -> str:
        """``"<source> (<source_date>)"`` for one price, for captions and tables."""
        self.price(service, item)
        row = self._index[(service, item)]
        return f"{row['source']} ({row['source_date']})"

    def with_price(self, service: str, item: str, price_usd: float) -> PriceTable:
        """A copy with one price replaced (the source and date are kept, the note says so)."""
        check_nonnegative("price_usd", price_usd)
        self.price(service, item)
        rows = []
        for row in self.rows:
            if (row["service"], row["item"]) == (service, item):
                row = {**row, "price_usd": repr(float(price_usd)), "note": "changed for a what-if"}
            rows.append(row)
        return PriceTable(tuple(rows))

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame (price as a float)."""
        import pandas as pd

        frame = pd.DataFrame(list(self.rows), columns=list(_COLUMNS))
        frame["price_usd"] = frame["price_usd"].astype(float)
        return frame


def load_prices(path: str | Path | None = None) -> PriceTable:
    """The compute prices: by default the :data:`PRICE_FACTS` rows of the AWS facts tables
    (``labkit/data/aws_facts.csv``); with ``path``, a price-table CSV with the columns
    ``service, item, price_usd, unit, region, source, source_date, note``.

    Every row must carry a non-negative ``price_usd``, a ``source`` and a ``source_date``.

    Examples
    --------
    >>> prices = load_prices()
    >>> prices.price("lambda", "duration_x86")
    1.66667e-05
    """
    if path is None:
        return PriceTable.from_rows(price_rows())
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"price table not found: {p}")
    with p.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        missing = [c for c in _COLUMNS if c not in header]
        if missing:
            raise ValueError(f"price table {p.name} lacks column(s) {missing}")
        return PriceTable(tuple(reader))


@dataclass(frozen=True)
class Workload:
    """What one service does: ``arrival_rate`` requests per second, each ``duration_s`` long,
    on a function of ``memory_mb`` MB (the Lambda memory setting).

    >>> Workload(10, 0.1, 512).in_flight
    1.0
    """

    arrival_rate: float
    duration_s: float
    memory_mb: float

    def __post_init__(self) -> None:
        check_nonnegative("arrival_rate", self.arrival_rate)
        check_positive("duration_s", self.duration_s)
        check_positive("memory_mb", self.memory_mb)

    @property
    def requests_per_month(self) -> float:
        return self.arrival_rate * SECONDS_PER_MONTH

    @property
    def in_flight(self) -> float:
        """Average requests in progress (Little's law: rate x duration)."""
        return self.arrival_rate * self.duration_s


@dataclass(frozen=True)
class LambdaOption:
    """AWS Lambda on demand; ``architecture`` ``"x86"`` or ``"arm64"``; ``free_tier`` subtracts
    the monthly 1 M requests and 400,000 GB-s."""

    architecture: str = "x86"
    free_tier: bool = False
    name: str = "Lambda"

    def __post_init__(self) -> None:
        check_choice("architecture", self.architecture, ("x86", "arm64"))
        if not isinstance(self.free_tier, bool):
            raise TypeError(f"free_tier must be True or False, got {self.free_tier!r}")


@dataclass(frozen=True, kw_only=True)
class _Container:
    min_instances: int = 1
    concurrency_per_vcpu: float = 20.0
    target_utilization: float = 0.7

    def _check_sizing(self) -> None:
        check_int("min_instances", self.min_instances, minimum=1)
        check_positive("concurrency_per_vcpu", self.concurrency_per_vcpu)
        u = check_positive("target_utilization", self.target_utilization)
        if u > 1.0:
            raise ValueError(f"target_utilization must be in (0, 1], got {u!r}")

    @property
    def vcpus(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def instances_for(self, workload: Workload) -> int:
        """Instances needed: enough that in-flight requests use ``target_utilization`` of them."""
        per_instance = self.vcpus * self.concurrency_per_vcpu * self.target_utilization
        # round away float noise (1e-12) before the ceiling so 7.0000000001 does not become 8
        needed = math.ceil(round(workload.in_flight / per_instance, 9))
        return max(self.min_instances, needed)


@dataclass(frozen=True, kw_only=True)
class FargateOption(_Container):
    """ECS on Fargate: always-on tasks of ``vcpu`` vCPU and ``memory_gb`` GB."""

    vcpu: float = 0.25
    memory_gb: float = 0.5
    architecture: str = "x86"
    name: str = "Fargate"

    def __post_init__(self) -> None:
        self._check_sizing()
        if self.vcpu not in _FARGATE_VCPU:
            raise ValueError(f"vcpu must be one of {_FARGATE_VCPU}, got {self.vcpu!r}")
        check_positive("memory_gb", self.memory_gb)
        check_choice("architecture", self.architecture, ("x86", "arm64"))

    @property
    def vcpus(self) -> float:
        return self.vcpu


@dataclass(frozen=True, kw_only=True)
class EC2Option(_Container):
    """Always-on EC2 instances of one ``instance_type`` (on demand, Linux)."""

    instance_type: str = "t3.large"
    name: str = "EC2"

    def __post_init__(self) -> None:
        self._check_sizing()
        check_choice("instance_type", self.instance_type, tuple(EC2_INSTANCE_SPECS))

    @property
    def vcpus(self) -> float:
        return EC2_INSTANCE_SPECS[self.instance_type][0]


@dataclass(frozen=True, kw_only=True)
class AppRunnerOption(_Container):
    """App Runner instances of ``vcpu`` vCPU and ``memory_gb`` GB (default 1 vCPU / 2 GB)."""

    vcpu: float = 1.0
    memory_gb: float = 2.0
    name: str = "App Runner"

    def __post_init__(self) -> None:
        self._check_sizing()
        if self.vcpu not in _APP_RUNNER_VCPU:
            raise ValueError(f"vcpu must be one of {_APP_RUNNER_VCPU}, got {self.vcpu!r}")
        check_positive("memory_gb", self.memory_gb)

    @property
    def vcpus(self) -> float:
        return self.vcpu


ComputeOption = LambdaOption | FargateOption | EC2Option | AppRunnerOption


def _lambda_cost(option: LambdaOption, w: Workload, prices: PriceTable) -> float:
    lo, hi = _LAMBDA_MEMORY_MB
    if not lo <= w.memory_mb <= hi:
        raise ValueError(f"memory_mb must be in [{lo}, {hi}] for Lambda, got {w.memory_mb!r}")
    if w.duration_s > _LAMBDA_MAX_DURATION_S:
        raise ValueError(f"duration_s must be <= {_LAMBDA_MAX_DURATION_S:g} s (Lambda's maximum "
                         f"timeout), got {w.duration_s!r}")
    requests = w.requests_per_month
    gb_seconds = requests * (w.memory_mb / 1024.0) * w.duration_s
    if gb_seconds > _LAMBDA_FIRST_TIER_GB_S[option.architecture]:
        raise ValueError("the workload exceeds Lambda's first duration price tier "
                         f"({_LAMBDA_FIRST_TIER_GB_S[option.architecture]:.3g} GB-s per month); "
                         "this model prices only that tier")
    if option.free_tier:
        requests = max(0.0, requests - prices.price("lambda", "free_requests"))
        gb_seconds = max(0.0, gb_seconds - prices.price("lambda", "free_gb_seconds"))
    return (requests * prices.price("lambda", "request")
            + gb_seconds * prices.price("lambda", f"duration_{option.architecture}"))


def _container_cost(option: _Container, w: Workload, prices: PriceTable) -> tuple[float, int]:
    n = option.instances_for(w)
    if isinstance(option, FargateOption):
        arch = option.architecture
        hourly = (option.vcpu * prices.price("fargate", f"vcpu_hour_{arch}")
                  + option.memory_gb * prices.price("fargate", f"gb_hour_{arch}"))
        return n * hourly * HOURS_PER_MONTH, n
    if isinstance(option, EC2Option):
        return n * prices.price("ec2", option.instance_type) * HOURS_PER_MONTH, n
    if isinstance(option, AppRunnerOption):
        in_flight_each = w.in_flight / n
        active = 1.0 - math.exp(-in_flight_each)
        hourly = (option.memory_gb * prices.price("app_runner", "gb_hour")
                  + active * option.vcpu * prices.price("app_runner", "vcpu_hour_active"))
        return n * hourly * HOURS_PER_MONTH, n
    raise TypeError(f"option must be a compute option, got {type(option).__name__}")


def monthly_cost(option: ComputeOption, workload: Workload,
                 prices: PriceTable | None = None) -> float:
    """Monthly cost in USD of running ``workload`` on ``option``.

    Examples
    --------
    The reference example: 512 MB, 100 ms costs $1.033 per million requests on Lambda.

    >>> w = Workload(arrival_rate=1e6 / (730 * 3600), duration_s=0.1, memory_mb=512)
    >>> round(monthly_cost(LambdaOption(), w), 3)
    1.033
    >>> round(monthly_cost(FargateOption(), w), 2)   # one 0.25 vCPU / 0.5 GB task, always on
    9.01
    """
    prices = prices if prices is not None else load_prices()
    if not isinstance(workload, Workload):
        raise TypeError(f"workload must be a Workload, got {type(workload).__name__}")
    if isinstance(option, LambdaOption):
        return _lambda_cost(option, workload, prices)
    return _container_cost(option, workload, prices)[0]


def _default_options() -> tuple[ComputeOption, ...]:
    return (LambdaOption(), FargateOption(), EC2Option(), AppRunnerOption())


def cost_curve(arrival_rates: Sequence[float], *, duration_s: float, memory_mb: float,
               options: Sequence[ComputeOption] | None = None,
               prices: PriceTable | None = None) -> pd.DataFrame:
    """Monthly cost against request rate, one row per (rate, option).

    Columns: ``rate_per_s``, ``requests_per_month``, ``option``, ``instances`` (0 for Lambda),
    ``monthly_cost_usd``.

    Examples
    --------
    >>> df = cost_curve([1, 10], duration_s=0.1, memory_mb=512)
    >>> sorted(df.option.unique())
    ['App Runner', 'EC2', 'Fargate', 'Lambda']
    """
    import pandas as pd

    prices = prices if prices is not None else load_prices()
    options = tuple(options) if options is not None else _default_options()
    if not options:
        raise ValueError("options must hold at least one compute option")
    rates = [check_nonnegative("arrival_rates", r) for r in arrival_rates]
    if not rates:
        raise ValueError("arrival_rates must hold at least one rate")
    rows = []
    for rate in rates:
        w = Workload(rate, duration_s, memory_mb)
        for opt in options:
            if isinstance(opt, LambdaOption):
                cost, n = _lambda_cost(opt, w, prices), 0
            else:
                cost, n = _container_cost(opt, w, prices)
            rows.append({"rate_per_s": rate, "requests_per_month": w.requests_per_month,
                         "option": opt.name, "instances": n, "monthly_cost_usd": cost})
    return pd.DataFrame(rows)


def break_even_rate(option: ComputeOption, *, duration_s: float, memory_mb: float,
                    lambda_option: LambdaOption | None = None,
                    prices: PriceTable | None = None, max_arrival_rate: float = 1000.0) -> float:
    """The lowest request rate (req/s) at which Lambda costs as much as ``option``.

    Below it Lambda is cheaper; above it the always-on option is cheaper (until it needs more
    instances, when Lambda may win again for a while). Returns ``nan`` if Lambda stays cheaper
    up to ``max_arrival_rate`` (req/s).

    Examples
    --------
    Reference: 512 MB, 100 ms against one 0.25 vCPU / 0.5 GB Fargate task breaks even near
    8.7 M requests a month, about 3.3 req/s.

    >>> round(break_even_rate(FargateOption(), duration_s=0.1, memory_mb=512), 2)
    3.32
    """
    prices = prices if prices is not None else load_prices()
    lam = lambda_option if lambda_option is not None else LambdaOption()
    top = check_positive("max_arrival_rate", max_arrival_rate)
    if isinstance(option, LambdaOption):
        raise ValueError("option must be a container option (Fargate, EC2 or App Runner)")
    Workload(0.0, duration_s, memory_mb)  # argument checks

    def gap(rate: float) -> float:
        w = Workload(rate, duration_s, memory_mb)
        return _lambda_cost(lam, w, prices) - _container_cost(option, w, prices)[0]

    # scan a log grid for the first sign change, then bisect inside it
    grid = [top * 10 ** (-6 + 6 * k / 240) for k in range(241)]
    prev = 0.0
    if gap(prev) >= 0:
        return 0.0
    for rate in grid:
        if gap(rate) >= 0:
            lo, hi = prev, rate
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if gap(mid) >= 0:
                    hi = mid
                else:
                    lo = mid
            return hi
        prev = rate
    return float("nan")


def break_even_table(*, duration_s: float, memory_mb: float,
                     options: Sequence[ComputeOption] | None = None,
                     lambda_option: LambdaOption | None = None,
                     prices: PriceTable | None = None) -> pd.DataFrame:
    """Break-even rate against Lambda for each container option.

    Columns: ``option``, ``break_even_rate_per_s``, ``break_even_requests_per_month``,
    ``monthly_cost_usd`` (the option's cost at that rate).

    >>> t = break_even_table(duration_s=0.1, memory_mb=512)
    >>> list(t.option)
    ['Fargate', 'EC2', 'App Runner']
    """
    import pandas as pd

    prices = prices if prices is not None else load_prices()
    options = tuple(options) if options is not None else _default_options()[1:]
    rows = []
    for opt in options:
        rate = break_even_rate(opt, duration_s=duration_s, memory_mb=memory_mb,
                               lambda_option=lambda_option, prices=prices)
        cost = (monthly_cost(opt, Workload(rate, duration_s, memory_mb), prices)
                if math.isfinite(rate) else float("nan"))
        rows.append({"option": opt.name, "break_even_rate_per_s": rate,
                     "break_even_requests_per_month": rate * SECONDS_PER_MONTH,
                     "monthly_cost_usd": cost})
    return pd.DataFrame(rows)


def operational_tradeoffs() -> pd.DataFrame:
    """What each compute option asks of the team, beyond its price (one row per option).

    >>> list(operational_tradeoffs().columns)[:3]
    ['option', 'billed_for', 'scale_to_zero']
    """
    import pandas as pd

    from labkit.core.facts import fact_value

    def n(key: str) -> str:
        return f"{fact_value(key):,.0f}"

    rows = [
        {"option": "Lambda (default)", "billed_for": "requests + GB-s of duration (1 ms)",
         "scale_to_zero": "yes",
         "scaling": f"per request; {n('lambda_scaling_rate_per_10s')} environments per 10 s "
                    "per function",
         "cold_start": "yes (provisioned concurrency avoids it, at a price)",
         "limits": f"{n('lambda_timeout_max_s')} s per invocation, "
                   f"{n('lambda_memory_max_mb')} MB, "
                   f"{n('lambda_concurrency_quota_default')} concurrent per Region by default",
         "you_manage": "code and configuration"},
        # Lambda Managed Instances: EC2 instances in your account, run by Lambda.
        # https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html
        # ("does not scale when invocations arrive and does not support cold starts"),
        # lambda-managed-instances-best-practices.html (three instances by default),
        # gettingstarted-limits.html (longer asynchronous / event source mapping invocations),
        # https://aws.amazon.com/lambda/pricing/ (EC2 instance price plus a management fee).
        {"option": "Lambda Managed Instances",
         "billed_for": "EC2 instances (Savings Plans and Reserved Instances apply) "
                       "+ a management fee + requests",
         "scale_to_zero": f"no ({n('lambda_managed_instances_default_instances')} instances "
                          "by default, across Availability Zones)",
         "scaling": "on CPU use and concurrency saturation, not per request; "
                    "a fast burst can be throttled",
         "cold_start": "no (environments start before traffic; each serves several requests)",
         "limits": f"{n('lambda_timeout_max_s')} s per synchronous invocation, "
                   f"{n('lambda_managed_instances_timeout_max_s')} s asynchronous or from an "
                   "event source mapping (not Amazon MQ or DocumentDB)",
         "you_manage": "thread-safe code, capacity provider (VPC, instance types, scaling limits)"},
        {"option": "Fargate",
         "billed_for": "vCPU-hours + GB-hours of running tasks (per second, 1 min minimum)",
         "scale_to_zero": "no (a service keeps its desired count)",
         "scaling": "ECS service auto scaling on metrics; tasks start in tens of seconds",
         "cold_start": "only when scaling out", "limits": "up to 16 vCPU per task",
         "you_manage": "container image, task size, scaling policy"},
        {"option": "EC2", "billed_for": "instance-hours (whether busy or idle)",
         "scale_to_zero": "no", "scaling": "Auto Scaling groups; instances boot in minutes",
         "cold_start": "only when scaling out", "limits": "instance type",
         "you_manage": "OS patching, AMIs, capacity, container or process runtime"},
        {"option": "App Runner",
         "billed_for": "GB-hours of every instance + vCPU-hours while active",
         "scale_to_zero": "to provisioned memory only (vCPU off when idle)",
         "scaling": "by concurrent requests per instance",
         "cold_start": "no (provisioned instances keep memory warm)",
         "limits": "up to 4 vCPU / 12 GB per instance", "you_manage": "container image or source"},
    ]
    return pd.DataFrame(rows)

