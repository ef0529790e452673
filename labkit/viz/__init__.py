"""One plotting style for the whole lab, and the figures every family shares.

Style
    use_style, new_figure, PALETTE, STATE_COLOURS, cycle_colours
Explorers
    updates_in_place (redraw a figure in place), figure_png (one layout pass to PNG)
Figures
    plot_state_timeline, plot_latency_percentiles, plot_throughput

matplotlib is imported inside the functions, so importing labkit stays fast.
"""

from labkit.viz.inplace import updates_in_place
from labkit.viz.render import figure_png
from labkit.viz.style import PALETTE, STATE_COLOURS, cycle_colours, new_figure, use_style
from labkit.viz.timeline import plot_latency_percentiles, plot_state_timeline, plot_throughput

__all__ = [
    "PALETTE", "STATE_COLOURS", "cycle_colours", "new_figure", "plot_latency_percentiles",
    "plot_state_timeline",
    "figure_png", "plot_throughput", "updates_in_place", "use_style",
]
