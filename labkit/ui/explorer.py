"""The explorer: one plotting function, its controls, a static figure and a live widget.

Every explorer first renders a static figure at its default values (so readers on GitHub or
nbviewer see something), then offers ipywidgets controls that call the same function again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Control", "Explorer"]


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
        ``plot(**values) -> matplotlib.figure.Figure``; re-simulates and draws.
    controls : mapping
        ``name -> spec``: ``(label, default, min, max, step)`` for a slider (an IntSlider when all
        are ints), ``(label, [options], default)`` or a list for a dropdown, ``(label, bool)`` for
        a checkbox.

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
    """

    def __init__(self, plot: Callable[..., Any], controls: Mapping[str, Any], *,
                 fixed_layout: bool | None = None) -> None:
        if not callable(plot):
            raise TypeError("plot must be callable: plot(**values) -> Figure")
        if not controls:
            raise ValueError("controls must name at least one control")
        if fixed_layout is None:  # a plotting function may declare it (``f.fixed_layout = True``)
            fixed_layout = getattr(plot, "fixed_layout", False)
        if not isinstance(fixed_layout, bool):
            raise TypeError("fixed_layout must be True, False or None")
        self.plot = plot
        self.controls = {name: Control.from_spec(name, spec) for name, spec in controls.items()}
        self.fixed_layout = fixed_layout

    @property
    def defaults(self) -> dict[str, Any]:
        return {name: c.default for name, c in self.controls.items()}

    def figure(self, **values: Any) -> Any:
        """The figure for ``values`` (defaults for anything not given)."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; known: {list(self.controls)}")
        return self.plot(**{**self.defaults, **values})

    def _png(self, fig: Any) -> bytes:
        """The figure as PNG bytes, as shown: a tight bounding box unless the layout is fixed."""
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches=None if self.fixed_layout else "tight",
                    metadata={"Software": None})
        return buf.getvalue()

    def _show(self, **values: Any) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        fig = self.figure(**values)
        if self.fixed_layout:
            # The plot lays itself out inside the canvas, so skip the tight bounding box: it
            # costs a second full draw, about half the redraw time of a slider move.
            display(Image(data=self._png(fig), format="png"))
        else:
            display(fig)
        plt.close(fig)

    def static(self, **values: Any) -> None:
        """Display the figure at the defaults (or ``values``): what non-interactive readers see."""
        self._show(**values)

    def widget(self) -> Any:
        """The live explorer: controls above an output that redraws on every change."""
        import ipywidgets as w

        widgets = {name: c.widget() for name, c in self.controls.items()}
        out = w.interactive_output(self._show, widgets)
        return w.VBox([w.VBox(list(widgets.values())), out])

    def time_callback(self, repeats: int = 5, **values: Any) -> list[float]:
        """Seconds taken by ``repeats`` re-simulate-and-draw callbacks (for the benchmarks)."""
        import matplotlib.pyplot as plt

        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fig = self.figure(**values)
            self._png(fig)  # rendered as the notebook shows it
            plt.close(fig)
            times.append(time.perf_counter() - t0)
        return times

