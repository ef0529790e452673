"""Interactive pieces for the notebooks.

Explorers
    Explorer — a static figure at the defaults, then ipywidgets controls that re-simulate and redraw
Exercises
    self_check — feedback on an exercise answer (correct / not yet, with a hint)

ipywidgets and matplotlib are imported inside the functions, so importing labkit stays fast.
"""

from labkit.ui.checks import self_check
from labkit.ui.explorer import Explorer

__all__ = ["Explorer", "self_check"]
