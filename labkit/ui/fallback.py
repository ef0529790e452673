"""A widget box that says what it is where no kernel runs.

A live widget is stored in a notebook as a widget view (stripped when the lab stores notebooks)
plus a ``text/plain`` repr, which GitHub and nbviewer show as ``VBox(children=(IntSlider(…``.
:class:`FallbackBox` puts a short note in ``text/plain`` and ``text/html`` instead; JupyterLab
with a kernel still renders the live widget, whose view outranks both.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

__all__ = ["FallbackBox"]


class FallbackBox(w.VBox):
    """A ``VBox`` whose display carries ``note`` as its text and HTML fallback.

    >>> box = FallbackBox([w.IntSlider()], note="Interactive explorer: run the notebook.")
    >>> bundle = box._repr_mimebundle_()
    >>> bundle["text/plain"]
    'Interactive explorer: run the notebook.'
    >>> "application/vnd.jupyter.widget-view+json" in bundle
    True
    """

    def __init__(self, children: Any = (), *, note: str, **kwargs: Any) -> None:
        if not isinstance(note, str) or not note.strip():
            raise ValueError("note must be a non-empty sentence for readers without a kernel")
        super().__init__(children, **kwargs)
        self.note = note

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.note
        bundle["text/html"] = f"<p><em>{html.escape(self.note)}</em></p>"
        return bundle
