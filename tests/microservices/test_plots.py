"""Figures: titled, labelled with units, and the cost explorer follows the price table."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from labkit.microservices import (
    FanoutConfig,
    GatewayConfig,
    HandoffConfig,
    QueryConfig,
    compare_handoff_designs,
    explorers,
    load_prices,
    plots,
    run_fanout,
    run_gateway,
    run_query_designs,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(fig):
    assert fig.get_suptitle() or all(ax.get_title() for ax in fig.axes[:1])
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()


def test_every_figure_has_a_title_and_labelled_axes():
    run = run_gateway(GatewayConfig(arrival_rate=20, horizon_s=5, seed=0))
    runs = compare_handoff_designs(HandoffConfig(arrival_rate=5, horizon_s=20, outage_start_s=5,
                                                 outage_end_s=10, drain_s=10, seed=0))
    sync, asyn = runs["sync"], runs["async"]
    figs = [plots.plot_service_latency(run.requests), plots.plot_littles_law(run.littles_law()),
            plots.plot_outage(sync, asyn), plots.plot_end_to_end(sync, asyn),
            plots.plot_fanout(run_fanout(FanoutConfig(fanouts=(1, 5), n_requests=500)).table()),
            plots.plot_query_designs(run_query_designs(QueryConfig(n_queries=500)).records),
            explorers.cost_explorer_figure()]
    for fig in figs:
        _labelled(fig)


def test_cost_explorer_follows_the_prices():
    base = explorers.cost_explorer_figure(512, 100, 5.0)
    assert "Fargate" in base.axes[0].get_title()
    # make Fargate ten times dearer: at 5 req/s Lambda becomes the cheapest
    prices = load_prices()
    dear = prices.with_price("fargate", "vcpu_hour_x86", 0.4048).with_price(
        "fargate", "gb_hour_x86", 0.04445)
    changed = explorers.cost_explorer_figure(512, 100, 5.0, prices=dear)
    assert "Lambda" in changed.axes[0].get_title()
