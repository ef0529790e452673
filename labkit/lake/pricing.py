"""Athena's price rule: what a query costs for the bytes it scanned.

Athena bills **$5.00 per TB scanned**, rounding the bytes up to the next MB with a **10 MB
minimum per query** (Amazon Athena pricing, us-east-1 list price). AWS does not say whether MB
and TB are decimal or binary; labkit uses binary units (1 MB = 1024**2 bytes, 1 TB = 1024**4
bytes), the convention athena-express documents. DDL, partition management and failed queries
are free.
"""

from __future__ import annotations

from labkit.core.validation import check_int, check_nonnegative

__all__ = ["MB", "TB", "PRICE_PER_TB_USD", "MINIMUM_BILLED_MB", "athena_billed_bytes",
           "athena_cost_usd"]

MB = 1024**2
TB = 1024**4
PRICE_PER_TB_USD = 5.00
MINIMUM_BILLED_MB = 10


def athena_billed_bytes(bytes_scanned: int) -> int:
    """Bytes Athena bills for a query that scanned ``bytes_scanned`` bytes.

    Rounded up to whole MB, at least 10 MB.

    >>> athena_billed_bytes(0) == 10 * MB
    True
    >>> athena_billed_bytes(11 * MB + 1) == 12 * MB
    True
    """
    b = check_int("bytes_scanned", bytes_scanned, minimum=0)
    return max(-(-b // MB), MINIMUM_BILLED_MB) * MB      # integer ceiling: exact for any size


def athena_cost_usd(bytes_scanned: int, *, price_per_tb_usd: float = PRICE_PER_TB_USD) -> float:
    """Dollar cost of one query that scanned ``bytes_scanned`` bytes.

    >>> f"{athena_cost_usd(0):.7f}"   # the 10 MB minimum
    '0.0000477'
    >>> round(athena_cost_usd(TB), 2)
    5.0
    """
    price = check_nonnegative("price_per_tb_usd", price_per_tb_usd)
    return athena_billed_bytes(bytes_scanned) / TB * price
