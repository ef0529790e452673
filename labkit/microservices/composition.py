"""Database per service: answering a query that needs two services' data.

The "order history" page shows a user's last ``k`` orders with each product's current name and
price. Orders live in the order service's store, products in the product service's store.
:func:`run_query_designs` compares two ways to answer it:

``"api_composition"``
    The composer (gateway or a backend-for-frontend) calls the order service, then the product
    service for the ``k`` product ids it got back (one batch call). Latency is the sum of the
    two calls. Each read sees its store's latest data, but not at the same instant: a product
    update that lands between the two reads gives a page that mixes before and after
    (a *torn* read; no snapshot across services).
``"local_join"``
    The order service keeps a read-only copy of the product data it needs, fed by product
    events (CQRS-style), and answers with one local join. Latency is one call, but the copy
    lags the product service by ``replication_lag``: a product updated within that lag shows
    its old price (a *stale* read).

Product updates are Poisson, ``updates_per_product_s`` per product; call latencies come from
the services' specs (no queueing). Each row of the result is one query.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_nonnegative
from labkit.core.workloads import Constant, Exponential, LogNormal
from labkit.microservices.services import ORDER_SERVICE, PRODUCT_SERVICE, ServiceSpec

__all__ = ["QueryDesigns", "run_query_designs"]

Distribution = Exponential | Constant | LogNormal


def _call_latency(spec: ServiceSpec, rng: np.random.Generator, n: int, hop_s: float,
                  queries: int = 1) -> np.ndarray:
    work = spec.work_time.sample(rng, n)
    store = spec.store.query_time.sample(rng, n * queries).reshape(n, queries).sum(axis=1)
    return hop_s + work + store


@dataclass(frozen=True)
class QueryDesigns:
    """Result of :func:`run_query_designs`: ``queries`` (one row per query and design:
    ``design``, ``latency_s``, ``inconsistent`` and ``inconsistency_s``, the width of the window
    in which an update makes the answer inconsistent)."""

    queries: pd.DataFrame
    updates_per_product_s: float
    products_per_query: int

    def to_frame(self) -> pd.DataFrame:
        return self.queries

    def summary(self) -> pd.DataFrame:
        """Per design: mean and p99 latency, share of inconsistent answers, and the closed
        form ``1 - exp(-k x u x mean window)`` for that share."""
        rows = []
        k, u = self.products_per_query, self.updates_per_product_s
        for design, g in self.queries.groupby("design", sort=False):
            window = float(g.inconsistency_s.mean())
            rows.append({"design": design,
                         "mean_latency_s": float(g.latency_s.mean()),
                         "p99_latency_s": float(np.percentile(g.latency_s, 99)),
                         "inconsistent_share": float(g.inconsistent.mean()),
                         "kind": "torn (no snapshot)" if design == "api_composition" else "stale",
                         "predicted_share": float(np.mean(1 - np.exp(-k * u * g.inconsistency_s))),
                         "mean_window_s": window})
        return pd.DataFrame(rows)


def run_query_designs(*, n_queries: int = 20_000, products_per_query: int = 5,
                      updates_per_product_s: float = 0.01,
                      replication_lag: Distribution | None = None,
                      order_service: ServiceSpec = ORDER_SERVICE,
                      product_service: ServiceSpec = PRODUCT_SERVICE,
                      hop_s: float = 0.002, seed: int = 0) -> QueryDesigns:
    """Answer ``n_queries`` order-history queries both ways and measure latency and consistency.

    Parameters
    ----------
    products_per_query : int
        Products on one page (``k``).
    updates_per_product_s : float
        Rate of price or name changes per product (``u``).
    replication_lag : distribution, optional
        Delay from a product update to the order service's copy (default log-normal, median
        0.5 s: an event bus plus a consumer).
    hop_s : float
        Network time added to each service call.

    Examples
    --------
    >>> r = run_query_designs(n_queries=2000, seed=2)
    >>> s = r.summary().set_index("design")
    >>> bool(s.loc["local_join", "mean_latency_s"] < s.loc["api_composition", "mean_latency_s"])
    True
    """
    n = check_int("n_queries", n_queries, minimum=1)
    k = check_int("products_per_query", products_per_query, minimum=1)
    u = check_nonnegative("updates_per_product_s", updates_per_product_s)
    hop = check_nonnegative("hop_s", hop_s)
    lag = replication_lag if replication_lag is not None else LogNormal(median=0.5, sigma=0.5)
    if not hasattr(lag, "sample"):
        raise TypeError("replication_lag must be a distribution such as LogNormal(median, sigma)")
    for name, spec in (("order_service", order_service), ("product_service", product_service)):
        if not isinstance(spec, ServiceSpec):
            raise TypeError(f"{name} must be a ServiceSpec, got {type(spec).__name__}")

    rng_order, rng_product, rng_join, rng_lag, rng_upd = spawn_rngs(seed, 5)
    # composition: order call, then one batch call to the product service
    order_call = _call_latency(order_service, rng_order, n, hop)
    product_call = _call_latency(product_service, rng_product, n, hop)
    composed = order_call + product_call
    # the product read happens about one product call after the order read
    torn_window = product_call
    # local join: one call to the order service; its store does the join (two lookups)
    joined = _call_latency(order_service, rng_join, n, hop, queries=2)
    lag_s = lag.sample(rng_lag, n)

    torn = rng_upd.poisson(k * u * torn_window) > 0
    stale = rng_upd.poisson(k * u * lag_s) > 0
    queries = pd.DataFrame({
        "query_id": np.concatenate([np.arange(n), np.arange(n)]),
        "design": ["api_composition"] * n + ["local_join"] * n,
        "latency_s": np.concatenate([composed, joined]),
        "inconsistent": np.concatenate([torn, stale]),
        "inconsistency_s": np.concatenate([torn_window, lag_s]),
    })
    return QueryDesigns(queries=queries, updates_per_product_s=u, products_per_query=k)
