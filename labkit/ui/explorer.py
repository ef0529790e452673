"""The explorer: one plotting function, its controls, a static figure and a live widget.

Every explorer first renders a static figure at its default values (so readers on GitHub or
nbviewer see something), then offers ipywidgets controls that call the same function again.

A slider move must answer within the lab's budget (DESIGN.md §6: median <= 100 ms, p95 <= 150 ms,
worst <= 500 ms on a 2-core machine), and most of an answer is drawing the figure, so an explorer

- renders each figure to PNG with one layout pass (:func:`labkit.viz.render.figure_png`), at the
  size and DPI the notebook shows;
- keeps one figure and updates its artists in place when the plot function offers it (a
  ``plot.update(fig, **values) -> bool`` attribute; see
  :func:`labkit.viz.updates_in_place`): no new
  figure, axes or ticks per move, and the canvas keeps matplotlib's text metrics warm;
- keeps the PNG of the last ``cache_size`` answers, keyed by the full tuple of control values: a
  slider moved back (or the widget opening at the defaults the static figure already drew)
  answers from memory. Plot functions are deterministic (fixed seeds), so a cached answer is the
  answer a fresh run gives, byte for byte. A plot function that also reads a file declares a
  ``plot.cache_token()`` (e.g. the file's size and modification time), which joins the key.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Control", "Explorer", "collecting_young_objects_only", "time_calls"]


@dataclass(frozen=True)
class Control:
    """One control: a slider (minimum, maximum, step), a dropdown (options) or a checkbox."""

    name: str
    label: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    options: tuple[Any, ...] | None = None

    @classmethod
    def from_spec(cls, name: str, spec: Any) -> Control:
        if isinstance(spec, list):
            if not spec:
                raise ValueError(f"control {name!r}: a dropdown needs at least one option")
            return cls(name, name, spec[0], options=tuple(spec))
        if not isinstance(spec, tuple) or not spec or not isinstance(spec[0], str):
            raise TypeError(
                f"control {name!r} must be (label, default, min, max, step), "
                f"(label, [options], default), (label, bool) or a list of options; got {spec!r}")
        label = spec[0]
        if len(spec) == 2 and isinstance(spec[1], bool):
            return cls(name, label, spec[1])
        if len(spec) in (2, 3) and isinstance(spec[1], list | tuple):
            options = tuple(spec[1])
            default = spec[2] if len(spec) == 3 else options[0]
            if default not in options:
                raise ValueError(f"control {name!r}: default {default!r} is not among {options}")
            return cls(name, label, default, options=options)
        if len(spec) == 5:
            _, default, lo, hi, step = spec
            if not lo <= default <= hi:
                raise ValueError(
                    f"control {name!r}: default {default!r} must lie in [{lo!r}, {hi!r}]")
            if step <= 0:
                raise ValueError(f"control {name!r}: step must be > 0, got {step!r}")
            return cls(name, label, default, lo, hi, step)
        raise TypeError(f"control {name!r}: cannot read spec {spec!r}")

    @property
    def is_int(self) -> bool:
        vals = (self.default, self.minimum, self.maximum, self.step)
        return all(isinstance(v, int) and not isinstance(v, bool) for v in vals)

    def widget(self) -> Any:
        import ipywidgets as w

        style = {"description_width": "initial"}
        layout = w.Layout(width="420px")
        if self.options is not None:
            return w.Dropdown(options=list(self.options), value=self.default,
                              description=self.label, style=style, layout=layout)
        if isinstance(self.default, bool):
            return w.Checkbox(value=self.default, description=self.label, style=style)
        cls = w.IntSlider if self.is_int else w.FloatSlider
        return cls(value=self.default, min=self.minimum, max=self.maximum, step=self.step,
                   description=self.label, continuous_update=False, style=style, layout=layout)


class Explorer:
    """A plotting function plus its controls.

    Parameters
    ----------
    plot : callable
        ``plot(**values) -> matplotlib.figure.Figure``; re-simulates and draws. It must be
        deterministic (same values, same figure), since answers are cached by value.
    controls : mapping
        ``name -> spec``: ``(label, default, min, max, step)`` for a slider (an IntSlider when all
        are ints), ``(label, [options], default)`` or a list for a dropdown, ``(label, bool)`` for
        a checkbox.
    fixed_layout : bool, optional
        ``True`` when the figure lays itself out, so the tight bounding box is skipped (default:
        the plot function's ``fixed_layout`` attribute, else ``False``).
    cache_size : int
        How many answers (PNG images, tens of kB each) to keep; ``0`` turns the cache off (for a
        plot function that reads notebook state which may change between calls).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> def plot(rate):
    ...     fig, ax = plt.subplots()
    ...     ax.set_title(f"rate {rate}")
    ...     return fig
    >>> ex = Explorer(plot, {"rate": ("Arrival rate (req/s)", 5, 1, 10, 1)})
    >>> ex.defaults
    {'rate': 5}
    >>> ex.figure(rate=7).axes[0].get_title()
    'rate 7'
    >>> ex.png(rate=7) is ex.png(rate=7)  # the second answer comes from the cache
    True
    """

    def __init__(self, plot: Callable[..., Any], controls: Mapping[str, Any], *,
                 fixed_layout: bool | None = None, cache_size: int = 64) -> None:
        if not callable(plot):
            raise TypeError("plot must be callable: plot(**values) -> Figure")
        if not controls:
            raise ValueError("controls must name at least one control")
        if fixed_layout is None:  # a plotting function may declare it (``f.fixed_layout = True``)
            fixed_layout = getattr(plot, "fixed_layout", False)
        if not isinstance(fixed_layout, bool):
            raise TypeError("fixed_layout must be True, False or None")
        if isinstance(cache_size, bool) or not isinstance(cache_size, int):
            raise TypeError(f"cache_size must be an int >= 0, got {cache_size!r}")
        if not 0 <= cache_size <= 10_000:
            raise ValueError(f"cache_size must be in [0, 10000], got {cache_size}")
        self.plot = plot
        self.controls = {name: Control.from_spec(name, spec) for name, spec in controls.items()}
        self.fixed_layout = fixed_layout
        self.cache_size = cache_size
        self._answers: OrderedDict[tuple[Hashable, ...], bytes] = OrderedDict()
        self._update: Callable[..., bool] | None = getattr(plot, "update", None)
        self._token: Callable[[], Hashable] | None = getattr(plot, "cache_token", None)
        self._live: Any = None  # the figure updated in place, when the plot function allows

    @property
    def defaults(self) -> dict[str, Any]:
        return {name: c.default for name, c in self.controls.items()}

    @property
    def note(self) -> str:
        """What a reader without a running kernel sees in place of the live controls."""
        labels = ", ".join(c.label for c in self.controls.values())
        return (f"Interactive explorer ({labels}): open this notebook in JupyterLab or Binder and "
                "run it to move the controls; the static figure above shows the defaults.")

    def _values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; known: {list(self.controls)}")
        return {**self.defaults, **values}

    def figure(self, **values: Any) -> Any:
        """The figure for ``values`` (defaults for anything not given)."""
        return self.plot(**self._values(values))

    def render(self, **values: Any) -> bytes:
        """A fresh PNG of the figure for ``values``, as the notebook shows it (no answer cache;
        the explorer's one figure is updated in place when the plot function allows it)."""
        full = self._values(values)
        with collecting_young_objects_only():
            return self._render(full)

    def _render(self, full: dict[str, Any]) -> bytes:
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        from labkit.viz.render import figure_png

        if self._update is None:
            fig = self.plot(**full)
            try:
                return figure_png(fig, tight=not self.fixed_layout)
            finally:
                plt.close(fig)
        try:
            updated = self._live is not None and self._update(self._live, **full)
        except Exception:
            self._live = None  # half updated: draw afresh next time
            raise
        if not updated:
            self._live = self.plot(**full)
            plt.close(self._live)  # kept by the explorer, not by pyplot, on an Agg canvas of
            FigureCanvasAgg(self._live)  # its own, whose renderer (and text metrics) it reuses
        return figure_png(self._live, tight=not self.fixed_layout)

    def png(self, **values: Any) -> bytes:
        """The PNG for ``values``: from the cache when these values were drawn before."""
        full = self._values(values)
        key: tuple[Hashable, ...] = tuple(full[name] for name in self.controls)  # all values
        if self._token is not None:
            key += (self._token(),)  # what the plot reads besides its arguments
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
            return answer
        answer = self.render(**full)
        if self.cache_size:
            self._answers[key] = answer
            if len(self._answers) > self.cache_size:
                self._answers.popitem(last=False)  # forget the least recently shown
        return answer

    def clear_cache(self) -> None:
        """Forget every cached answer (after changing what the plot function reads)."""
        self._answers.clear()

    def _png(self, fig: Any) -> bytes:
        """``fig`` as PNG bytes, as shown: a tight bounding box unless the layout is fixed."""
        from labkit.viz.render import figure_png

        return figure_png(fig, tight=not self.fixed_layout)

    def _show(self, **values: Any) -> None:
        from IPython.display import Image, display

        display(Image(data=self.png(**values), format="png"))

    def static(self, **values: Any) -> None:
        """Display the figure at the defaults (or ``values``): what non-interactive readers see."""
        self._show(**values)

    def widget(self) -> Any:
        """The live explorer: controls above an output that redraws on every change.

        Where no kernel runs (GitHub, nbviewer), the stored output is :attr:`note` instead.
        """
        import ipywidgets as w

        from labkit.ui.fallback import FallbackBox

        widgets = {name: c.widget() for name, c in self.controls.items()}
        out = w.interactive_output(self._show, widgets)
        return FallbackBox([w.VBox(list(widgets.values())), out], note=self.note)

    def time_callback(self, repeats: int = 5, **values: Any) -> list[float]:
        """Seconds taken by ``repeats`` fresh re-simulate-and-draw callbacks (the cache is
        bypassed, so every repeat does the work a first visit does)."""
        return time_calls(self.render, repeats, **values)


@contextlib.contextmanager
def collecting_young_objects_only() -> Iterator[None]:
    """Within the block, the garbage collector looks only at objects made inside it.

    A notebook holds hundreds of thousands of objects, and a full (generation 2) collection,
    which CPython starts on its own once enough objects have survived younger collections,
    walks all of them: 70-200 ms on the 2-core machine, landing on whichever slider move
    happens to allocate at that moment. Freezing what exists before the callback
    (:func:`gc.freeze`) keeps those objects out of any collection the callback triggers;
    :func:`gc.unfreeze` afterwards returns them to the oldest generation, so nothing is kept
    alive that would otherwise be freed: the next collection outside a callback sees them again.
    Nothing is done if the caller has frozen objects of its own.

    >>> import gc
    >>> with collecting_young_objects_only():
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count()
    0
    """
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def time_calls(call: Any, repeats: int = 5, **values: Any) -> list[float]:
    """Seconds taken by each of ``repeats`` calls of ``call(**values)`` (wall clock).

    >>> len(time_calls(lambda x: x, 3, x=1))
    3
    """
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call(**values)
        times.append(time.perf_counter() - t0)
    return times
