"""The explorer's controls, its figures and the exercise self-checks."""

import ipywidgets as w
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from labkit.ui import Explorer, self_check  # noqa: E402
from labkit.ui.explorer import Control  # noqa: E402
from labkit.ui.fallback import FallbackBox  # noqa: E402
from labkit.viz import updates_in_place  # noqa: E402


def line_plot(rate=5, kind="a", show=True):
    fig, ax = plt.subplots()
    ax.set_title(f"{rate} {kind} {show}")
    return fig


def test_controls_from_specs():
    slider = Control.from_spec("rate", ("Rate (req/s)", 5, 1, 10, 1))
    assert slider.is_int and isinstance(slider.widget(), w.IntSlider)
    floats = Control.from_spec("ttl", ("TTL (s)", 1.5, 0.5, 10.0, 0.5))
    assert isinstance(floats.widget(), w.FloatSlider)
    assert floats.widget().continuous_update is False  # redraw on release, not on every pixel
    assert isinstance(Control.from_spec("kind", ["a", "b"]).widget(), w.Dropdown)
    assert Control.from_spec("kind", ("Kind", ["a", "b"], "b")).default == "b"
    assert isinstance(Control.from_spec("show", ("Show", True)).widget(), w.Checkbox)


@pytest.mark.parametrize(("spec", "error", "match"), [
    (("Rate", 50, 1, 10, 1), ValueError, "default"),
    (("Rate", 5, 1, 10, 0), ValueError, "step"),
    (("Kind", ["a"], "z"), ValueError, "default"),
    ([], ValueError, "option"),
    (5, TypeError, "rate"),
])
def test_bad_control_specs_name_the_control(spec, error, match):
    with pytest.raises(error, match=match):
        Control.from_spec("rate", spec)


def test_explorer_figure_uses_defaults_and_rejects_unknown_controls():
    ex = Explorer(line_plot, {"rate": ("Rate", 5, 1, 10, 1), "kind": ["a", "b"]})
    assert ex.defaults == {"rate": 5, "kind": "a"}
    assert ex.figure(kind="b").axes[0].get_title() == "5 b True"
    with pytest.raises(ValueError, match="unknown control"):
        ex.figure(speed=3)
    with pytest.raises(ValueError, match="at least one"):
        Explorer(line_plot, {})
    with pytest.raises(TypeError, match="callable"):
        Explorer("plot", {"rate": ("Rate", 5, 1, 10, 1)})


def test_fixed_layout_comes_from_the_plot_function_and_renders_png():
    def fixed(rate=5):
        return line_plot(rate)

    fixed.fixed_layout = True
    assert Explorer(fixed, {"rate": ("Rate", 5, 1, 10, 1)}).fixed_layout is True
    ex = Explorer(line_plot, {"rate": ("Rate", 5, 1, 10, 1)})
    assert ex.fixed_layout is False
    fig = ex.figure()
    assert ex._png(fig).startswith(b"\x89PNG")
    plt.close(fig)
    assert len(ex.time_callback(repeats=2)) == 2


def test_widget_has_one_control_per_name_and_an_output():
    box = Explorer(line_plot, {"rate": ("Rate", 5, 1, 10, 1), "kind": ["a", "b"]}).widget()
    controls, output = box.children
    assert len(controls.children) == 2 and isinstance(output, w.Output)


def test_widget_carries_a_note_for_readers_without_a_kernel():
    ex = Explorer(line_plot, {"rate": ("Arrival rate (req/s)", 5, 1, 10, 1), "kind": ["a", "b"]})
    bundle = ex.widget()._repr_mimebundle_()
    # JupyterLab with a kernel renders the live widget view, which outranks the fallbacks.
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == ex.note
    assert "Arrival rate (req/s)" in ex.note and "JupyterLab or Binder" in ex.note
    assert "VBox" not in bundle["text/plain"]
    assert bundle["text/html"].startswith("<p><em>Interactive explorer (Arrival rate (req/s)")
    with pytest.raises(ValueError, match="note"):
        FallbackBox([], note=" ")


class CountingPlot:
    """A deterministic plot function that counts how often it really draws."""

    def __init__(self):
        self.calls = 0

    def __call__(self, rate=5, kind="a"):
        self.calls += 1
        fig, ax = plt.subplots(figsize=(3, 2), dpi=40)
        ax.plot([0, 1, 2], [0, rate, rate * rate])
        ax.set_title(f"{rate} {kind}")
        return fig


CONTROLS = {"rate": ("Rate", 5, 1, 10, 1), "kind": ["a", "b"]}


def test_answers_come_from_the_cache_and_equal_a_fresh_render():
    plot = CountingPlot()
    ex = Explorer(plot, CONTROLS)
    first = ex.png(rate=7)
    assert first == ex.render(rate=7)  # the cached answer is what a fresh run gives
    calls = plot.calls
    assert ex.png(rate=7, kind="a") is first  # the full tuple (7, "a"): answered from memory
    assert ex.png(kind="a", rate=7) is first
    assert plot.calls == calls
    assert ex.png(rate=7, kind="b") != first  # another tuple: drawn
    assert plot.calls == calls + 1


def test_the_cache_is_bounded_and_can_be_turned_off():
    plot = CountingPlot()
    ex = Explorer(plot, CONTROLS, cache_size=2)
    for rate in (1, 2, 3):
        ex.png(rate=rate)
    calls = plot.calls
    ex.png(rate=3)
    ex.png(rate=2)
    assert plot.calls == calls  # the two most recent are kept
    ex.png(rate=1)
    assert plot.calls == calls + 1  # the oldest was forgotten
    ex.clear_cache()
    ex.png(rate=1)
    assert plot.calls == calls + 2
    off = Explorer(plot, CONTROLS, cache_size=0)
    off.png(rate=4)
    off.png(rate=4)
    assert plot.calls == calls + 4
    with pytest.raises(ValueError, match="cache_size"):
        Explorer(plot, CONTROLS, cache_size=-1)
    with pytest.raises(TypeError, match="cache_size"):
        Explorer(plot, CONTROLS, cache_size=2.5)


def test_a_cache_token_joins_the_key():
    plot = CountingPlot()
    version = [1]
    plot.cache_token = lambda: version[0]  # say, the modification time of a file it reads
    ex = Explorer(plot, CONTROLS)
    ex.png(rate=2)
    ex.png(rate=2)
    calls = plot.calls
    version[0] = 2  # the file changed: the same values are drawn again
    ex.png(rate=2)
    assert plot.calls == calls + 1


def test_static_then_widget_answers_the_defaults_from_the_cache():
    plot = CountingPlot()
    ex = Explorer(plot, CONTROLS)
    ex.static()
    calls = plot.calls
    ex.widget()  # shows the figure at the defaults straight away
    assert plot.calls == calls


def test_an_update_that_fails_drops_the_kept_figure():
    def update(fig, rate=5, kind="a"):
        if rate == 9:
            raise ValueError("rate 9 is refused")
        fig.axes[0].set_title(f"{rate} {kind}")
        return True

    plot = updates_in_place(update)(CountingPlot())
    ex = Explorer(plot, CONTROLS, cache_size=0)
    ex.render(rate=2)
    kept = ex._live
    ex.render(rate=3)
    assert ex._live is kept and kept.axes[0].get_title() == "3 a"
    with pytest.raises(ValueError, match="rate 9"):
        ex.render(rate=9)
    assert ex._live is None
    ex.render(rate=4)
    assert ex._live is not None and ex._live is not kept


IN_PLACE = [
    ("labkit.org.explorers", "access_decision_explorer_figure",
     [{}, {"account": "Management"}, {"principal": "Root user", "region": "us-east-1"},
      {"action": "organizations:LeaveOrganization", "account": "Legacy"},
      {"resource": "team trail", "account": "Network"}]),
    ("labkit.workflows.explorers", "saga_explorer_figure",
     [{}, {"failure_probability": 0.0}, {"fault_kind": "permanent", "failing_step": "fulfil"},
      {"compensation_failure_probability": 0.9, "failure_probability": 1.0}]),
    ("labkit.eventstore.explorers", "cqrs_explorer_figure",
     [{}, {"read_after_s": 0.0}, {"poll_interval_s": 5.0, "processing_lag_s": 3.0}]),
    ("labkit.mesh.explorers", "outlier_explorer_figure",
     [{}, {"hosts": 20, "max_ejection_percent": 100}, {"ejection_cap_rule": "legacy"}]),
    ("labkit.resilience.explorers", "noisy_neighbour_explorer_figure",
     [{}, {"overload_b": 1.0}, {"permits_a": 2, "max_wait_ms": 0}]),
    ("labkit.microservices.explorers", "cost_explorer_figure",
     [{}, {"memory_mb": 3008}, {"arrival_rate": 0.1, "duration_ms": 2000}, {"duration_ms": 10}]),
    ("labkit.serverless.explorers", "stream_explorer_figure",
     [{}, {"shards": 4}, {"batch_size": 200, "parallelization_factor": 10}, {}]),
    ("labkit.serverless.explorers", "cold_start_explorer_figure",
     [{}, {"provisioned": 5}, {"arrival_rate": 0.1, "memory_mb": 2048}, {"provisioned": 0}]),
    ("labkit.resilience.explorers", "breaker_explorer_figure",
     [{}, {"outage_s": 80.0}, {"window_size": 4, "failure_rate_threshold": 100}]),
    ("labkit.caching.explorers", "caching_explorer_figure",
     [{}, {"skew": 0.0, "cache_size": 10}, {"write_fraction": 0.9, "ttl_s": 0.5}]),
    ("labkit.messaging.explorers", "consumer_explorer_figure",
     [{}, {"consumers": 1, "crash_probability": 0.2}, {"visibility_timeout_s": 30.0}]),
]


@pytest.mark.parametrize(("module", "name", "moves"), IN_PLACE, ids=[n for _, n, _ in IN_PLACE])
def test_a_figure_updated_in_place_is_the_figure_drawn_afresh(module, name, moves):
    import importlib

    from labkit.viz import figure_png, use_style

    use_style()
    plot = getattr(importlib.import_module(module), name)
    assert callable(plot.update)
    tight = not getattr(plot, "fixed_layout", False)
    kept = plot()
    for values in moves:
        assert plot.update(kept, **values) is True
        fresh = plot(**values)
        assert figure_png(kept, tight=tight) == figure_png(fresh, tight=tight), values
        plt.close(fresh)
    plt.close(kept)


def test_self_check_messages(capsys):
    self_check("Exercise 1.1", 0.51, 0.5, tolerance=0.02)
    self_check("Exercise 1.2", "slower", "faster", hint="Think about the timeout.")
    self_check("Exercise 1.3", None, 3)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✅") and out[1].startswith("❌") and "Hint" in out[1]
    assert out[2].startswith("✏️")
    with pytest.raises(ValueError, match="tolerance"):
        self_check("Exercise 1.4", 1, 1, tolerance=-1)
