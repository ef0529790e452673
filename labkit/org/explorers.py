"""Explorer callbacks of the multi-account family: what one request does in the landing zone.

- :func:`access_decision_explorer_figure` draws the organization tree with the request's path
  coloured by SCP outcome, for one set of control values (principal kind, account, action,
  resource, the caller's Region);
- :func:`update_access_decision_explorer` redraws that figure in place (the tree stays; the
  path's colours, the boxes' SCP names, the title and the note change).

The landing zone is the notebook's (``LandingZoneConfig(region_deny=True,
strongly_recommended=True)``) unless another is passed; it is built once and reused, so a
control change costs one policy evaluation and one drawing.
"""

from __future__ import annotations

import functools
from typing import Any

from labkit.org.controltower import LandingZone, LandingZoneConfig
from labkit.org.plots import plot_access_decision, update_access_decision
from labkit.org.scenarios import access_request
from labkit.viz.inplace import updates_in_place

__all__ = ["EXPLORER_LANDING_ZONE", "access_decision_explorer_figure",
           "update_access_decision_explorer"]

#: The landing zone the explorer shows by default (the one notebook 09 builds).
EXPLORER_LANDING_ZONE = LandingZoneConfig(region_deny=True, strongly_recommended=True)


@functools.lru_cache(maxsize=8)
def _built(config: LandingZoneConfig) -> LandingZone:
    return config.build()


def _zone(landing_zone: LandingZone | LandingZoneConfig | None) -> LandingZone:
    if isinstance(landing_zone, LandingZone):
        return landing_zone
    return _built(landing_zone or EXPLORER_LANDING_ZONE)


def update_access_decision_explorer(fig: Any,
                                    principal: str = "Administrator (Identity Center role)",
                                    account: str = "Prod", action: str = "ec2:RunInstances",
                                    resource: str = "matching resource for the action",
                                    region: str = "ap-southeast-2", *,
                                    landing_zone: LandingZone | LandingZoneConfig | None = None
                                    ) -> bool:
    """Redraw an :func:`access_decision_explorer_figure` in place; ``False`` when the figure
    shows another landing zone's tree and must be drawn afresh."""
    zone = _zone(landing_zone)
    decision = access_request(zone, principal, account, action, resource, region)
    return update_access_decision(fig, zone.organization, decision)


@updates_in_place(update_access_decision_explorer)
def access_decision_explorer_figure(principal: str = "Administrator (Identity Center role)",
                                    account: str = "Prod", action: str = "ec2:RunInstances",
                                    resource: str = "matching resource for the action",
                                    region: str = "ap-southeast-2", *,
                                    landing_zone: LandingZone | LandingZoneConfig | None = None
                                    ) -> Any:
    """The explorer's figure: the decision for one request, drawn on the tree.

    >>> access_decision_explorer_figure().axes[0].get_title()
    'DENY (EXPLICIT_DENY_SCP)'
    """
    zone = _zone(landing_zone)
    decision = access_request(zone, principal, account, action, resource, region)
    return plot_access_decision(zone.organization, decision)
