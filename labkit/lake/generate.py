"""Deterministic sample data for the lake: customers, orders and clickstream events.

Everything is drawn from one seed (:func:`labkit.core.rng.spawn_rngs`), so the same ``rows`` and
``seed`` give the same frames, byte for byte. The frames are the *truth* before delivery; the
ingest models (:mod:`labkit.lake.ingest`) turn them into raw files and spoil a few records on
purpose (:data:`ORDER_DEFECTS`, :data:`CLICK_DEFECTS`) so the stage step has something to
quarantine.

- :func:`generate_customers`, :func:`generate_orders`, :func:`generate_clicks`
- :func:`pick_defects` chooses which records to spoil and how.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labkit.core.validation import check_int

__all__ = ["REGIONS", "CATEGORIES", "EVENT_TYPES", "ORDER_DEFECTS", "CLICK_DEFECTS",
           "generate_customers", "generate_orders", "generate_clicks", "pick_defects"]

REGIONS = ("na", "eu", "apac", "latam")
REGION_WEIGHTS = (0.40, 0.30, 0.20, 0.10)
CATEGORIES = ("books", "electronics", "fashion", "grocery", "home", "toys")
CATEGORY_WEIGHTS = (0.15, 0.20, 0.20, 0.20, 0.15, 0.10)
EVENT_TYPES = ("view", "click", "add_to_cart", "purchase")
EVENT_WEIGHTS = (0.60, 0.25, 0.10, 0.05)
DEVICES = ("mobile", "desktop", "tablet")
SEGMENTS = ("consumer", "business")
STATUSES = ("placed", "shipped", "delivered", "returned")

#: Ways a raw order record can be spoilt (the stage step's quarantine reasons).
ORDER_DEFECTS = ("missing_customer_id", "bad_timestamp", "bad_amount", "bad_quantity",
                 "unknown_region")
#: Ways a raw clickstream line can be spoilt.
CLICK_DEFECTS = ("invalid_json", "missing_event_ts", "unknown_event_type")

YEAR_START = np.datetime64("2024-01-01T00:00:00", "ms")
YEAR_S = 366 * 86_400
CLICK_START = np.datetime64("2024-12-30T00:00:00", "ms")
CLICK_DAYS = 2


def generate_customers(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` customers with PII columns (name, email, phone), region, segment and signup date.

    >>> from labkit.core.rng import make_rng
    >>> generate_customers(3, make_rng(0)).columns.tolist()
    ['customer_id', 'name', 'email', 'phone', 'region', 'segment', 'signup_date']
    """
    n = check_int("n", n, minimum=1)
    ids = np.arange(1, n + 1)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    segment = rng.choice(len(SEGMENTS), size=n, p=(0.8, 0.2))
    phone = rng.integers(0, 10_000_000, size=n)
    signup = np.datetime64("2022-01-01") + rng.integers(0, 730, size=n).astype("timedelta64[D]")
    return pd.DataFrame({
        "customer_id": ids.astype(np.int64),
        "name": [f"Customer {i}" for i in ids],
        "email": [f"customer{i}@example.com" for i in ids],
        "phone": [f"+1-555-{p:07d}" for p in phone],
        "region": np.asarray(REGIONS, dtype=object)[region],
        "segment": np.asarray(SEGMENTS, dtype=object)[segment],
        "signup_date": pd.to_datetime(signup).strftime("%Y-%m-%d"),
    })


def generate_orders(n: int, customers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` orders over 2024, in time order, from ``customers`` (popular customers order more).

    Columns: order_id, customer_id, order_ts (datetime64[ms]), region (the customer's),
    product_category, quantity, unit_price_usd, amount_usd, status.

    >>> from labkit.core.rng import make_rng
    >>> c = generate_customers(5, make_rng(0))
    >>> o = generate_orders(4, c, make_rng(1))
    >>> o["order_id"].tolist(), bool(o["order_ts"].is_monotonic_increasing)
    ([1, 2, 3, 4], True)
    """
    n = check_int("n", n, minimum=1)
    offsets = np.sort(rng.integers(0, YEAR_S, size=n)) * 1000
    weights = 1.0 / np.arange(1, len(customers) + 1) ** 0.6
    who = rng.choice(len(customers), size=n, p=weights / weights.sum())
    category = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_WEIGHTS)
    quantity = rng.integers(1, 6, size=n)
    unit_price = np.round(rng.lognormal(np.log(25.0), 0.8, size=n), 2)
    status = rng.choice(len(STATUSES), size=n, p=(0.1, 0.2, 0.65, 0.05))
    return pd.DataFrame({
        "order_id": np.arange(1, n + 1, dtype=np.int64),
        "customer_id": customers["customer_id"].to_numpy()[who],
        "order_ts": YEAR_START + offsets.astype("timedelta64[ms]"),
        "region": pd.Categorical(customers["region"].to_numpy()[who], categories=list(REGIONS)),
        "product_category": pd.Categorical.from_codes(category, categories=list(CATEGORIES)),
        "quantity": quantity.astype(np.int64),
        "unit_price_usd": unit_price,
        "amount_usd": np.round(quantity * unit_price, 2),
        "status": pd.Categorical.from_codes(status, categories=list(STATUSES)),
    })


def generate_clicks(n: int, customers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` clickstream events over two days (30-31 Dec 2024), in arrival order.

    ``arrival_s`` is when the event reached the delivery stream (event time plus a short
    network delay), in seconds since the Unix epoch; about 40% of events are anonymous
    (``customer_id`` missing).

    >>> from labkit.core.rng import make_rng
    >>> e = generate_clicks(3, generate_customers(5, make_rng(0)), make_rng(1))
    >>> bool(e["arrival_s"].is_monotonic_increasing)
    True
    """
    n = check_int("n", n, minimum=1)
    offsets = np.sort(rng.integers(0, CLICK_DAYS * 86_400_000, size=n))
    event_ts = CLICK_START + offsets.astype("timedelta64[ms]")
    delay_ms = np.round(rng.exponential(2000.0, size=n)).astype(np.int64)
    arrival_ms = event_ts.astype(np.int64) + delay_ms
    order = np.argsort(arrival_ms, kind="stable")
    who = rng.integers(0, len(customers), size=n)
    known = rng.random(n) >= 0.4
    customer = np.where(known, customers["customer_id"].to_numpy()[who], -1)
    kind = rng.choice(len(EVENT_TYPES), size=n, p=EVENT_WEIGHTS)
    device = rng.choice(len(DEVICES), size=n, p=(0.6, 0.3, 0.1))
    page = rng.integers(1, 500, size=n)
    session = rng.integers(0, max(n // 8, 1), size=n)
    raw_id = rng.integers(0, 2**62, size=n)
    frame = pd.DataFrame({
        "event_id": [f"{x:016x}" for x in raw_id],
        "event_ts": event_ts,
        "session_id": [f"s{s:07d}" for s in session],
        "customer_id": pd.array(np.where(customer < 0, 0, customer), dtype="Int64"),
        "page": [f"/product/{p}" for p in page],
        "event_type": np.asarray(EVENT_TYPES, dtype=object)[kind],
        "device": np.asarray(DEVICES, dtype=object)[device],
        "region": customers["region"].to_numpy()[who],
        "arrival_s": arrival_ms / 1000.0,
    })
    frame.loc[customer < 0, "customer_id"] = pd.NA
    return frame.iloc[order].reset_index(drop=True)


def pick_defects(n: int, kinds: tuple[str, ...], rng: np.random.Generator,
                 *, rate: float = 0.001, minimum: int = 2) -> dict[int, str]:
    """Choose which of ``n`` records to spoil: ``{record index: defect kind}``.

    About ``rate`` of the records, but at least ``minimum`` of each kind (when ``n`` allows).

    >>> from labkit.core.rng import make_rng
    >>> d = pick_defects(100, ("a", "b"), make_rng(0))
    >>> sorted(d.values())
    ['a', 'a', 'b', 'b']
    """
    n = check_int("n", n, minimum=0)
    per_kind = max(minimum, int(round(n * rate / max(len(kinds), 1))))
    total = min(n, per_kind * len(kinds))
    where = rng.choice(n, size=total, replace=False) if total else np.array([], dtype=int)
    return {int(i): kinds[k % len(kinds)] for k, i in enumerate(sorted(where.tolist()))}
