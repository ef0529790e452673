"""The pattern playground of notebook 03: edit an EventBridge pattern and an event, see the match
and why (the text comes from :func:`labkit.messaging.playground.explain_text`).
"""

from __future__ import annotations

import json
from typing import Any

from labkit.messaging.playground import DEFAULT_EVENT, DEFAULT_PATTERN, explain_text
from labkit.ui.fallback import FallbackBox

__all__ = ["pattern_playground"]


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
    return FallbackBox([labels, w.HBox([pattern_box, event_box]), result],
                       note="Pattern playground: open this notebook in JupyterLab or Binder and "
                            "run it to edit the pattern and the event; its starting point is the "
                            "gift-book example above.")
