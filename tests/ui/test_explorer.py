"""The explorer's controls, its figures and the exercise self-checks."""

import ipywidgets as w
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from labkit.ui import Explorer, self_check  # noqa: E402
from labkit.ui.explorer import Control  # noqa: E402


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


def test_self_check_messages(capsys):
    self_check("Exercise 1.1", 0.51, 0.5, tolerance=0.02)
    self_check("Exercise 1.2", "slower", "faster", hint="Think about the timeout.")
    self_check("Exercise 1.3", None, 3)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✅") and out[1].startswith("❌") and "Hint" in out[1]
    assert out[2].startswith("✏️")
    with pytest.raises(ValueError, match="tolerance"):
        self_check("Exercise 1.4", 1, 1, tolerance=-1)
