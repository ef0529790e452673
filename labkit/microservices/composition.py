"""Database per service: answering a query that needs two services' data.

The "order history" page shows a user's last ``k`` orders with each product's current name and
price. Orders live in the order service's store, products in the product service's store.
:func:`run_query_designs` (configured by :class:`QueryConfig`) compares two ways to answer it:

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
from labkit.core.runner import Config, Result, config_or_legacy
from labkit.core.validation import check_int, check_limit, check_nonnegative
from labkit.core.workloads import Constant, Exponential, LogNormal
from labkit.microservices.services import ORDER_SERVICE, PRODUCT_SERVICE, ServiceSpec

__all__ = ["QUERY_DESIGNS", "QueryConfig", "QueryDesigns", "run_query_designs"]

QUERY_DESIGNS = ("api_composition", "local_join")
#: Most queries one run may answer (per design), to bound the work.
MAX_QUERIES = 2_000_000

Distribution = Exponential | Constant | LogNormal


def _call_latency(spec: ServiceSpec, rng: np.random.Generator, n: int, hop_s: float,
                  queries: int = 1) -> np.ndarray:
    work = spec.work_time.sample(rng, n)
    store = spec.store.query_time.sample(rng, n * queries).reshape(n, queries).sum(axis=1)
    return hop_s + work + store


@dataclass(frozen=True)
class QueryConfig(Config):
    """The order-history query, answered ``n_queries`` times by both designs.

    ``products_per_query``: products on one page (``k``). ``updates_per_product_s``: rate of
    price or name changes per product (``u``). ``replication_lag``: delay from a product update
    to the order service's copy (default log-normal, median 0.5 s: an event bus plus a
    consumer). ``hop_s``: network time added to each service call.
    """

    n_queries: int = 20_000
    products_per_query: int = 5
    updates_per_product_s: float = 0.01
    replication_lag: Distribution | None = None
    order_service: ServiceSpec = ORDER_SERVICE
    product_service: ServiceSpec = PRODUCT_SERVICE
    hop_s: float = 0.002
    seed: int = 0

    def validate(self) -> None:
        check_limit("n_queries", self.n_queries, MAX_QUERIES, minimum=1)
        check_int("products_per_query", self.products_per_query, minimum=1)
        check_nonnegative("updates_per_product_s", self.updates_per_product_s)
        check_nonnegative("hop_s", self.hop_s)
        check_int("seed", self.seed, minimum=0)
        if self.replication_lag is not None and not hasattr(self.replication_lag, "sample"):
            raise TypeError("replication_lag must be a distribution such as "
                            "LogNormal(median, sigma)")
        for name in ("order_service", "product_service"):
            spec = getattr(self, name)
            if not isinstance(spec, ServiceSpec):
                raise TypeError(f"{name} must be a ServiceSpec, got {type(spec).__name__}")

    def lag(self) -> Distribution:
        return (self.replication_lag if self.replication_lag is not None
                else LogNormal(median=0.5, sigma=0.5))


@dataclass(frozen=True)
class QueryDesigns(Result):
    """Result of :func:`run_query_designs`: ``records`` (also ``queries``), one row per query and
    design: ``query_id``, ``design``, ``latency_s``, ``inconsistent`` and ``inconsistency_s``
    (the width of the window in which an update makes the answer inconsistent)."""

    config: QueryConfig
    queries: pd.DataFrame

    @property
    def records(self) -> pd.DataFrame:
        return self.queries

    @property
    def updates_per_product_s(self) -> float:
        return float(self.config.updates_per_product_s)

    @property
    def products_per_query(self) -> int:
        return int(self.config.products_per_query)

    def to_frame(self) -> pd.DataFrame:
        return self.queries

    def table(self) -> pd.DataFrame:
        """Per design: mean and p99 latency, share of inconsistent answers, and the closed
        form ``1 - exp(-k x u x mean window)`` for that share."""
        rows = []
        k, u = self.products_per_query, self.updates_per_product_s
        for design, g in self.queries.groupby("design", sort=False):
            rows.append({"design": design,
                         "mean_latency_s": float(g.latency_s.mean()),
                         "p99_latency_s": float(np.percentile(g.latency_s, 99)),
                         "inconsistent_share": float(g.inconsistent.mean()),
                         "kind": "torn (no snapshot)" if design == "api_composition" else "stale",
                         "predicted_share": float(np.mean(1 - np.exp(-k * u * g.inconsistency_s))),
                         "mean_window_s": float(g.inconsistency_s.mean())})
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, float]:
        """A flat dict: ``<design>_mean_latency_s``, ``<design>_p99_latency_s`` and
        ``<design>_inconsistent_share`` for each design (the table's numbers)."""
        out: dict[str, float] = {}
        for row in self.table().itertuples(index=False):
            for name in ("mean_latency_s", "p99_latency_s", "inconsistent_share"):
                out[f"{row.design}_{name}"] = float(getattr(row, name))
        return out


def run_query_designs(config: QueryConfig | None = None, /, **legacy) -> QueryDesigns:
    """Answer ``n_queries`` order-history queries both ways and measure latency and consistency.

    The former keyword form still works for one release and warns ``DeprecationWarning``.

    Examples
    --------
    >>> s = run_query_designs(QueryConfig(n_queries=2000, seed=2)).summary()
    >>> bool(s["local_join_mean_latency_s"] < s["api_composition_mean_latency_s"])
    True
    """
    config = config_or_legacy(QueryConfig, "run_query_designs", config, legacy)
    n, k, u, hop = (config.n_queries, config.products_per_query, config.updates_per_product_s,
                    config.hop_s)
    rng_order, rng_product, rng_join, rng_lag, rng_upd = spawn_rngs(config.seed, 5)
    # composition: order call, then one batch call to the product service
    order_call = _call_latency(config.order_service, rng_order, n, hop)
    product_call = _call_latency(config.product_service, rng_product, n, hop)
    composed = order_call + product_call
    # the product read happens about one product call after the order read
    torn_window = product_call
    # local join: one call to the order service; its store does the join (two lookups)
    joined = _call_latency(config.order_service, rng_join, n, hop, queries=2)
    lag_s = config.lag().sample(rng_lag, n)

    torn = rng_upd.poisson(k * u * torn_window) > 0
    stale = rng_upd.poisson(k * u * lag_s) > 0
    queries = pd.DataFrame({
        "query_id": np.concatenate([np.arange(n), np.arange(n)]),
        "design": [QUERY_DESIGNS[0]] * n + [QUERY_DESIGNS[1]] * n,
        "latency_s": np.concatenate([composed, joined]),
        "inconsistent": np.concatenate([torn, stale]),
        "inconsistency_s": np.concatenate([torn_window, lag_s]),
    })
    return QueryDesigns(config=config, queries=queries)
