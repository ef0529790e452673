"""AWS facts from data/, the layer stack, sizing helpers, and the plots' contracts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from labkit.caching import (  # noqa: E402
    cache_layer_stack,
    cache_memory_gib,
    entries_for_hit_ratio,
    load_aws_facts,
    lru_hit_ratios,
    zipf_trace,
)
from labkit.caching.explorers import caching_explorer_figure  # noqa: E402
from labkit.caching.plots import plot_hit_ratio_curves  # noqa: E402


def test_facts_match_the_published_values():
    facts = load_aws_facts()
    assert facts["api_gateway_cache_default_ttl_s"] == 300
    assert facts["api_gateway_cache_max_ttl_s"] == 3600
    assert facts["cloudfront_default_ttl_s"] == 86400
    assert facts["elasticache_reserved_memory_fraction"] == 0.25


def test_every_fact_and_layer_names_a_source_and_date():
    from labkit.caching.aws import CACHE_FACTS, DATA_DIR
    from labkit.core.facts import fact

    for key in CACHE_FACTS:
        row = fact(key)
        assert row.source_url.startswith("https://") and row.checked_date.year >= 2026
    frame = pd.read_csv(DATA_DIR / "aws_cache_layers.csv")
    assert frame.source.notna().all() and frame.retrieved.notna().all()
    assert "aws_cache_layers.csv" in (DATA_DIR / "README.md").read_text()


def test_layer_stack_grows_with_depth():
    stack = cache_layer_stack()
    assert stack.answered_latency_s.is_monotonic_increasing
    assert stack.iloc[-1].layer == "database"


def test_sizing_helpers():
    curve = lru_hit_ratios(zipf_trace(20_000, 1_000, 1.0, seed=0), [10, 100, 1000])
    assert entries_for_hit_ratio(curve, 0.0) == 10
    assert entries_for_hit_ratio(curve, 1.0) is None
    assert cache_memory_gib(0, 100) == 0
    assert cache_memory_gib(1000, 1000, reserved_fraction=0.5) == pytest.approx(
        2 * cache_memory_gib(1000, 1000, reserved_fraction=0.0))
    with pytest.raises(ValueError, match="reserved_fraction"):
        cache_memory_gib(10, 10, reserved_fraction=1.0)
    with pytest.raises(ValueError, match="target must be a probability"):
        entries_for_hit_ratio(curve, 1.5)


def test_plots_have_titles_and_labelled_axes():
    curve = lru_hit_ratios(zipf_trace(2_000, 100, 1.0), [1, 10, 100])
    for fig in (plot_hit_ratio_curves({"a": curve}), caching_explorer_figure(cache_size=20)):
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel()
        assert fig.get_suptitle() or fig.axes[0].get_title()
        plt.close(fig)


def test_plots_reject_empty_input():
    with pytest.raises(ValueError, match="curves must be a non-empty mapping"):
        plot_hit_ratio_curves({})


def test_explorer_rejects_sizes_outside_its_key_space():
    with pytest.raises(ValueError, match=r"cache_size must be an integer in \[1, 500\]"):
        caching_explorer_figure(cache_size=0)
