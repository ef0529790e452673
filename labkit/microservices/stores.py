"""Data stores owned by one service: latency and capacity profiles.

In the database-per-service pattern each service keeps its own store. Two illustrative profiles
stand in for the AWS choices the notebook discusses:

- :data:`RDS_LIKE`: a relational database (Amazon RDS / Aurora). Queries take a few ms but the
  store serves only as many at once as its connection pool allows, so it queues under load.
- :data:`DYNAMODB_LIKE`: a key-value store (Amazon DynamoDB). Single-item reads take a few ms
  with a narrow spread, and capacity is wide (on-demand mode scales per request).

The numbers are teaching values of the right order, not AWS-published latencies.
"""

from __future__ import annotations

from dataclasses import dataclass

from labkit.core.validation import check_choice, check_int
from labkit.core.workloads import Constant, Exponential, LogNormal

__all__ = ["DYNAMODB_LIKE", "RDS_LIKE", "StoreProfile"]

Distribution = Exponential | Constant | LogNormal


@dataclass(frozen=True)
class StoreProfile:
    """How a data store answers: ``connections`` queries at once, each taking ``query_time``.

    Examples
    --------
    >>> RDS_LIKE.kind, RDS_LIKE.connections
    ('relational', 10)
    >>> round(DYNAMODB_LIKE.query_time.mean * 1000, 1)   # ms
    6.3
    """

    name: str
    kind: str
    connections: int
    query_time: Distribution

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, ("relational", "key-value"))
        check_int("connections", self.connections, minimum=1)
        if not hasattr(self.query_time, "sample"):
            raise TypeError("query_time must be a distribution such as LogNormal(median, sigma)")


#: A relational store (RDS / Aurora style): a pool of 10 connections, ~4 ms median, wide tail.
RDS_LIKE = StoreProfile("RDS-like", "relational", connections=10,
                        query_time=LogNormal(median=0.004, sigma=0.6))
#: A key-value store (DynamoDB style): wide capacity, ~6 ms median, narrow spread.
DYNAMODB_LIKE = StoreProfile("DynamoDB-like", "key-value", connections=1000,
                             query_time=LogNormal(median=0.006, sigma=0.3))
