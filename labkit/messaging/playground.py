"""The pattern playground: edit an EventBridge pattern and an event, see the match and why.

:func:`explain_text` is the pure part (text in, text out), so the static notebook output and the
widget show exactly the same thing; :func:`pattern_playground` wraps it in two text boxes.
"""

from __future__ import annotations

import json
from typing import Any

from labkit.messaging.patterns import InvalidEventPattern, explain_match

__all__ = ["DEFAULT_EVENT", "DEFAULT_PATTERN", "explain_text", "pattern_playground"]

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


def pattern_playground(pattern: Any = None, event: Any = None) -> Any:
    """Two editable JSON boxes and the explanation below them (an ipywidgets box that stores a
    note for readers without a kernel)."""
    import ipywidgets as w

    def as_text(value: Any, default: dict) -> str:
        value = default if value is None else value
        return value if isinstance(value, str) else json.dumps(value, indent=2)

    layout = w.Layout(width="48%", height="260px")
    pattern_box = w.Textarea(value=as_text(pattern, DEFAULT_PATTERN), layout=layout)
    event_box = w.Textarea(value=as_text(event, DEFAULT_EVENT), layout=layout)
    result = w.HTML()

    def refresh(_change: Any = None) -> None:
        import html

        text = explain_text(pattern_box.value, event_box.value)
        result.value = f"<pre>{html.escape(text)}</pre>"

    pattern_box.observe(refresh, names="value")
    event_box.observe(refresh, names="value")
    refresh()
    labels = w.HBox([w.HTML("<b>Event pattern</b>", layout=w.Layout(width="48%")),
                     w.HTML("<b>Event</b>", layout=w.Layout(width="48%"))])
    from labkit.ui.fallback import FallbackBox

    return FallbackBox([labels, w.HBox([pattern_box, event_box]), result],
                       note="Pattern playground: open this notebook in JupyterLab or Binder and "
                            "run it to edit the pattern and the event; its starting point is the "
                            "gift-book example above.")
