"""Figures: titled, labelled with units, and the cost explorer follows the price table."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from labkit.microservices import (
    compare_designs,
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
    run = run_gateway(rate_per_s=20, horizon_s=5, seed=0)
    _, sync, asyn = compare_designs(rate_per_s=5, horizon_s=20, outage_start_s=5,
                                    outage_end_s=10, drain_s=10, seed=0)
    figs = [plots.plot_service_latency(run.requests), plots.plot_littles_law(run.littles_law()),
            plots.plot_outage(sync, asyn), plots.plot_end_to_end(sync, asyn),
            plots.plot_fanout(run_fanout((1, 5), n_requests=500)),
            plots.plot_query_designs(run_query_designs(n_queries=500).queries),
            plots.cost_explorer_figure()]
    for fig in figs:
        _labelled(fig)


def test_cost_explorer_follows_the_prices():
    base = plots.cost_explorer_figure(512, 100, 5.0)
    assert "Fargate" in base.axes[0].get_title()
    # make Fargate ten times dearer: at 5 req/s Lambda becomes the cheapest
    prices = load_prices()
    dear = prices.with_price("fargate", "vcpu_hour_x86", 0.4048).with_price(
        "fargate", "gb_hour_x86", 0.04445)
    changed = plots.cost_explorer_figure(512, 100, 5.0, prices=dear)
    assert "Lambda" in changed.axes[0].get_title()
