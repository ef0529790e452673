"""The service-mesh notebook's explorer callbacks.

``outlier_explorer_figure(...)`` draws the outlier-detection explorer (one bad host in a cluster
you size) for one set of control values; ``update_outlier_explorer(fig, ...)`` redraws it in
place. ``explore_outlier_detection`` is its former name (deprecated).
"""

from __future__ import annotations

import pandas as pd

from labkit.core.runner import deprecated_alias
from labkit.mesh.outlier import OutlierConfig, run_outlier_detection
from labkit.mesh.plots import plot_outlier_run, update_outlier_run
from labkit.viz.inplace import updates_in_place

__all__ = ["explore_outlier_detection", "outlier_explorer_figure", "update_outlier_explorer"]

#: The explorer's run: the bad host starts failing at 10 s of a 60 s run at 40 requests/s.
EXPLORER_RUN = OutlierConfig(bad_from_s=10.0, horizon_s=60.0, arrival_rate=40.0)


def _outlier_explorer_run(hosts: int, max_ejection_percent: int, ejection_cap_rule: str,
                          consecutive_5xx: int, seed: int) -> tuple[pd.DataFrame, str]:
    config = EXPLORER_RUN.replace(hosts=hosts, max_ejection_percent=max_ejection_percent,
                                  ejection_cap_rule=ejection_cap_rule,
                                  consecutive_5xx=consecutive_5xx, seed=seed)
    requests = run_outlier_detection(config).records
    after = requests[requests["time_s"] >= config.bad_from_s]
    return requests, (f"{hosts} hosts, max {max_ejection_percent}% ejected ({ejection_cap_rule} "
                      f"rule): {100 * after['ok'].mean():.1f}% success")


def update_outlier_explorer(fig, hosts: int = 5, max_ejection_percent: int = 10,
                            ejection_cap_rule: str = "current", consecutive_5xx: int = 5,
                            seed: int = 0) -> bool:
    """Redraw :func:`outlier_explorer_figure` in place for these control values."""
    requests, title = _outlier_explorer_run(hosts, max_ejection_percent, ejection_cap_rule,
                                            consecutive_5xx, seed)
    return update_outlier_run(fig, requests, bin_s=3.0, bad_from_s=EXPLORER_RUN.bad_from_s,
                              title=title)


@updates_in_place(update_outlier_explorer)
def outlier_explorer_figure(hosts: int = 5, max_ejection_percent: int = 10,
                            ejection_cap_rule: str = "current", consecutive_5xx: int = 5,
                            seed: int = 0):
    """One bad host in a cluster, success rate over a short run (an explorer redraws it in
    place).

    >>> fig = outlier_explorer_figure(hosts=5, max_ejection_percent=20)
    >>> "5 hosts" in fig.axes[0].get_title()
    True
    """
    requests, title = _outlier_explorer_run(hosts, max_ejection_percent, ejection_cap_rule,
                                            consecutive_5xx, seed)
    return plot_outlier_run(requests, bin_s=3.0, bad_from_s=EXPLORER_RUN.bad_from_s,
                            title=title)


explore_outlier_detection = deprecated_alias(outlier_explorer_figure, "explore_outlier_detection")
