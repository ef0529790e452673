"""The pattern playground's pure part: its starting example and :func:`explain_text` (text in,
text out), so the static notebook output and the widget (``labkit.ui.playground``) show exactly
the same thing.
"""

from __future__ import annotations

from typing import Any

from labkit.messaging.patterns import InvalidEventPattern, explain_match

__all__ = ["DEFAULT_EVENT", "DEFAULT_PATTERN", "explain_text"]

DEFAULT_PATTERN: dict = {
    "source": ["shop.orders"],
    "detail-type": ["OrderPlaced"],
    "detail": {
        "total_usd": [{"numeric": [">=", 100]}],
        "country": [{"anything-but": ["US", "CA"]}],
        "items": {"sku": [{"prefix": "BOOK-"}], "gift": [True]},
    },
}

DEFAULT_EVENT: dict = {
    "source": "shop.orders",
    "detail-type": "OrderPlaced",
    "detail": {
        "order_id": "o-1001",
        "total_usd": 120.0,
        "country": "DE",
        "items": [{"sku": "BOOK-42", "gift": False}, {"sku": "PEN-7", "gift": True}],
    },
}


def explain_text(pattern: Any, event: Any) -> str:
    """Say whether ``event`` matches ``pattern`` and why, or why EventBridge refuses the pattern.

    >>> print(explain_text('{"source": ["shop"]}', '{"source": "shop"}'))
    MATCH
      source: "shop" matches "shop"
    >>> print(explain_text('{"source": "shop"}', '{}'))
    PATTERN REFUSED by EventBridge: "source" must be an object or an array
    """
    try:
        return str(explain_match(pattern, event))
    except InvalidEventPattern as exc:
        return f"PATTERN REFUSED by EventBridge: {exc}"
    except (TypeError, ValueError) as exc:
        return f"EVENT NOT USABLE: {exc}"
