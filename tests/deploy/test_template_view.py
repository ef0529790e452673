"""The live template fragment: it follows its controls, shows a refusal instead of a fragment,
and an update stays within the explorer budget (150 ms)."""

import pytest

from labkit.deploy import breaker_template
from labkit.resilience import CircuitBreaker
from labkit.ui.template_view import TemplateView, render_template


def _view():
    return TemplateView(
        lambda failure_rate_threshold, slow_call_duration_s: breaker_template(CircuitBreaker(
            failure_rate_threshold=failure_rate_threshold,
            slow_call_duration_s=slow_call_duration_s)),
        {"failure_rate_threshold": ("Failure-rate threshold (%)", 50, 10, 100, 10),
         "slow_call_duration_s": ("Call timeout (s)", 5.0, 1.0, 600.0, 1.0)},
        resources=("Breaker",))


def test_fragment_follows_the_controls():
    view = _view()
    assert "failureRateThreshold: 50.0" in view.render()
    assert "failureRateThreshold: 70.0" in view.render(failure_rate_threshold=70)
    assert "TimeoutSeconds: 9" in view.render(slow_call_duration_s=9.0)


def test_settings_aws_cannot_express_show_the_refusal():
    text = _view().render(slow_call_duration_s=400.0)
    assert text.startswith("Not deployable:")
    assert "https://docs.aws.amazon.com/step-functions/" in text


def test_update_within_the_explorer_budget():
    times = _view().time_update(repeats=10, failure_rate_threshold=30)
    assert sorted(times)[len(times) // 2] <= 0.150


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="unknown control"):
        _view().render(nope=1)
    with pytest.raises(TypeError, match="template"):
        render_template("not a template")
