"""Lambda pricing for the serverless lab: on demand, free tier, provisioned concurrency.

Prices come from the AWS facts table ``labkit/data/aws_facts.csv``: the compute prices of
:mod:`labkit.microservices.cost` (Lambda requests, GB-seconds for x86 and arm64, free tier) and
the provisioned-concurrency rows named in :data:`SERVERLESS_PRICE_FACTS`. The on-demand part and the
container break-even reuse :mod:`labkit.microservices.cost`; this module adds provisioned
concurrency:

- Configured environments pay ``memory_GB x seconds configured x`` the provisioned price, busy
  or not.
- Invocations served by a provisioned environment pay the lower provisioned duration price;
  the rest pay on-demand rates. With Poisson arrivals the number in flight is Poisson with mean
  ``a = rate x duration`` (M/G/infinity), so ``E[min(N, P)] / a`` of the work lands on the ``P``
  provisioned environments.
- Requests cost the same either way; a function with provisioned concurrency gets no free tier.

Functions
    load_serverless_prices, lambda_monthly_cost, provisioned_share, lambda_cost_curve,
    break_even_with_containers
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from labkit.core.validation import check_choice, check_int, check_nonnegative, check_positive
from labkit.microservices.cost import (
    SECONDS_PER_MONTH,
    ComputeOption,
    FargateOption,
    LambdaOption,
    PriceTable,
    Workload,
    break_even_table,
    load_prices,
    monthly_cost,
    price_rows,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "api_gateway_monthly_cost",
    "LambdaBill",
    "break_even_with_containers",
    "lambda_cost_curve",
    "lambda_monthly_cost",
    "load_serverless_prices",
    "provisioned_share",
    "SERVERLESS_PRICE_FACTS",
]


#: Fact keys of the provisioned-concurrency prices, by ``(service, item)``.
SERVERLESS_PRICE_FACTS: dict[tuple[str, str], str] = {
    ("lambda", "provisioned_concurrency_x86"): "lambda_provisioned_concurrency_x86_price",
    ("lambda", "provisioned_duration_x86"): "lambda_provisioned_duration_x86_price",
}


def load_serverless_prices(compute_path: str | Path | None = None,
                           serverless_path: str | Path | None = None) -> PriceTable:
    """The compute prices plus provisioned concurrency, as one
    :class:`~labkit.microservices.cost.PriceTable` (from the facts table, or from price-table CSVs
    at ``compute_path`` / ``serverless_path``).

    >>> p = load_serverless_prices()
    >>> p.price("lambda", "request"), p.price("lambda", "provisioned_concurrency_x86")
    (2e-07, 4.1667e-06)
    """
    compute = load_prices(compute_path)
    extra = (load_prices(serverless_path) if serverless_path is not None
             else PriceTable.from_rows(price_rows(SERVERLESS_PRICE_FACTS)))
    return PriceTable.from_rows(list(compute.rows) + list(extra.rows))


def provisioned_share(in_flight: float, provisioned: int) -> float:
    """Share of the work served by ``provisioned`` environments when the number in flight is
    Poisson with mean ``in_flight`` (provisioned environments are used first).

    >>> provisioned_share(2.0, 0), round(provisioned_share(2.0, 2), 3), provisioned_share(2.0, 50)
    (0.0, 0.729, 1.0)
    """
    a = check_nonnegative("in_flight", in_flight)
    p = check_int("provisioned", provisioned, minimum=0)
    if p == 0 or a == 0:
        return 0.0 if p == 0 else 1.0
    # E[min(N, P)] = sum_{k<P} P(N > k)
    term = math.exp(-a)
    cdf = term
    expected = 0.0
    for k in range(p):
        expected += 1.0 - cdf
        term *= a / (k + 1)
        cdf += term
        if 1.0 - cdf < 1e-15:
            expected += (p - k - 1) * max(0.0, 1.0 - cdf)
            break
    return min(1.0, expected / a)


@dataclass(frozen=True)
class LambdaBill:
    """A month of one function: cost lines in USD and the share served by provisioned
    environments."""

    requests_usd: float
    duration_usd: float
    provisioned_usd: float
    total_usd: float
    provisioned_share: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def lambda_monthly_cost(arrival_rate: float, *, duration_s: float, memory_mb: float,
                        architecture: str = "x86", free_tier: bool = False,
                        provisioned: int = 0, prices: PriceTable | None = None) -> LambdaBill:
    """Monthly bill of one function at a steady ``arrival_rate`` (requests/s, 730-hour month).

    Examples
    --------
    Reference: 512 MB, 100 ms costs $1.033 per million requests.

    >>> rate = 1e6 / (730 * 3600)
    >>> round(lambda_monthly_cost(rate, duration_s=0.1, memory_mb=512).total_usd, 3)
    1.033
    >>> bill = lambda_monthly_cost(10, duration_s=0.1, memory_mb=512, provisioned=2)
    >>> round(bill.provisioned_usd, 2), round(bill.provisioned_share, 3)
    (10.95, 0.896)
    """
    prices = prices if prices is not None else load_serverless_prices()
    check_choice("architecture", architecture, ("x86", "arm64"))
    p = check_int("provisioned", provisioned, minimum=0)
    w = Workload(arrival_rate, duration_s, memory_mb)
    if p == 0:
        total = monthly_cost(LambdaOption(architecture, free_tier), w, prices)
        requests = w.requests_per_month * prices.price("lambda", "request")
        if free_tier:
            requests = max(0.0, w.requests_per_month - prices.price("lambda", "free_requests")
                           ) * prices.price("lambda", "request")
        return LambdaBill(requests, total - requests, 0.0, total, 0.0)
    if architecture != "x86":
        raise ValueError("provisioned concurrency prices are in the table for x86 only; "
                         "add arm64 rows to labkit/data/aws_facts.csv first")
    if free_tier:
        raise ValueError("free_tier must be False with provisioned concurrency "
                         "(a function using it gets no free tier)")
    gb = memory_mb / 1024.0
    share = provisioned_share(w.in_flight, p)
    gb_s = w.requests_per_month * gb * duration_s
    requests = w.requests_per_month * prices.price("lambda", "request")
    duration = (share * gb_s * prices.price("lambda", "provisioned_duration_x86")
                + (1 - share) * gb_s * prices.price("lambda", "duration_x86"))
    configured = p * gb * SECONDS_PER_MONTH * prices.price("lambda", "provisioned_concurrency_x86")
    total = requests + duration + configured
    return LambdaBill(requests, duration, configured, total, share)


def lambda_cost_curve(rates_per_s: Sequence[float], *, duration_s: float, memory_mb: float,
                      provisioned: Sequence[int] = (0,), free_tier: bool = False,
                      prices: PriceTable | None = None) -> pd.DataFrame:
    """Monthly Lambda cost against rate for several provisioned settings (one row each).

    Columns: ``rate_per_s``, ``requests_per_month``, ``provisioned``, ``requests_usd``,
    ``duration_usd``, ``provisioned_usd``, ``monthly_cost_usd``, ``provisioned_share``.

    >>> df = lambda_cost_curve([1, 10], duration_s=0.1, memory_mb=512, provisioned=[0, 5])
    >>> len(df), sorted(df.provisioned.unique().tolist())
    (4, [0, 5])
    """
    import pandas as pd

    prices = prices if prices is not None else load_serverless_prices()
    rows = []
    for rate in rates_per_s:
        for p in provisioned:
            bill = lambda_monthly_cost(rate, duration_s=duration_s, memory_mb=memory_mb,
                                       provisioned=p, free_tier=free_tier and p == 0,
                                       prices=prices)
            rows.append({"rate_per_s": float(rate),
                         "requests_per_month": float(rate) * SECONDS_PER_MONTH,
                         "provisioned": p, "requests_usd": bill.requests_usd,
                         "duration_usd": bill.duration_usd,
                         "provisioned_usd": bill.provisioned_usd,
                         "monthly_cost_usd": bill.total_usd,
                         "provisioned_share": bill.provisioned_share})
    return pd.DataFrame(rows)


def break_even_with_containers(*, duration_s: float, memory_mb: float, free_tier: bool = False,
                               options: Sequence[ComputeOption] | None = None,
                               prices: PriceTable | None = None) -> pd.DataFrame:
    """Request rate at which Lambda costs as much as each container option
    (:func:`labkit.microservices.cost.break_even_table`; default: one 0.25 vCPU / 0.5 GB and one
    1 vCPU / 2 GB Fargate task).

    >>> t = break_even_with_containers(duration_s=0.1, memory_mb=512)
    >>> [round(x, 1) for x in t.break_even_rate_per_s]
    [3.3, 13.3]
    """
    check_positive("duration_s", duration_s)
    prices = prices if prices is not None else load_serverless_prices()
    if options is None:
        options = (FargateOption(name="Fargate 0.25 vCPU / 0.5 GB"),
                   FargateOption(vcpu=1.0, memory_gb=2.0, name="Fargate 1 vCPU / 2 GB"))
    return break_even_table(duration_s=duration_s, memory_mb=memory_mb, options=options,
                            lambda_option=LambdaOption(free_tier=free_tier), prices=prices)


#: Monthly request tiers of API Gateway in us-east-1: (upper bound in requests, fact key).
API_GATEWAY_TIERS = {
    "http": ((300e6, "apigw_http_api_price_per_million"),
             (float("inf"), "apigw_http_api_price_per_million_over_300m")),
    "rest": ((333e6, "apigw_rest_api_price_per_million"),
             (1e9, "apigw_rest_api_price_per_million_next_667m")),
}


def api_gateway_monthly_cost(requests_per_month: float, *, api_type: str = "http") -> float:
    """API Gateway's request charge for a month (USD, us-east-1, no free tier, no data transfer
    or caching), tier by tier, with the prices of the facts table.

    REST API tiers above 1 billion requests a month are not in the table, so larger volumes are
    refused rather than guessed.

    >>> api_gateway_monthly_cost(10e6, api_type="http"), api_gateway_monthly_cost(10e6,
    ...                                                                         api_type="rest")
    (10.0, 35.0)
    >>> round(api_gateway_monthly_cost(400e6), 2)   # 300 M at $1.00 + 100 M at $0.90
    390.0
    """
    from labkit.core.facts import fact_value

    api = check_choice("api_type", api_type, tuple(API_GATEWAY_TIERS))
    n = float(requests_per_month)
    if not n >= 0:
        raise ValueError(f"requests_per_month must be >= 0, got {requests_per_month!r}")
    tiers = API_GATEWAY_TIERS[api]
    if n > tiers[-1][0]:
        raise ValueError(f"requests_per_month must be <= {tiers[-1][0]:,.0f} for a {api} API "
                         f"(higher tiers are not in the facts table), got {n:,.0f}")
    cost, lower = 0.0, 0.0
    for upper, key in tiers:
        in_tier = max(0.0, min(n, upper) - lower)
        cost += in_tier / 1e6 * float(fact_value(key))
        lower = upper
    return cost
