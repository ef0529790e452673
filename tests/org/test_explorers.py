"""The multi-account explorer callback: the decision for one request drawn on the tree."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from labkit.org.controltower import LandingZoneConfig  # noqa: E402
from labkit.org.explorers import access_decision_explorer_figure  # noqa: E402
from labkit.org.scenarios import access_request  # noqa: E402


def test_the_title_is_the_decision_of_the_request():
    cases = [({}, "DENY (EXPLICIT_DENY_SCP)"),
             ({"account": "Management"}, "ALLOW (ALLOWED)"),
             ({"region": "eu-west-1"}, "ALLOW (ALLOWED)")]
    for values, title in cases:
        fig = access_decision_explorer_figure(**values)
        assert fig.axes[0].get_title() == title
        plt.close(fig)


def test_another_landing_zone_gives_its_own_decision():
    plain = LandingZoneConfig()          # no Region deny
    fig = access_decision_explorer_figure(landing_zone=plain)
    expected = access_request(plain.build(), "Administrator (Identity Center role)", "Prod",
                              "ec2:RunInstances", region="ap-southeast-2")
    assert fig.axes[0].get_title() == f"{expected.decision} ({expected.reason})" \
        == "ALLOW (ALLOWED)"
    plt.close(fig)
