"""Envoy outlier detection (Envoy outlier_detection.proto and the outlier detection overview)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.mesh.outlier import OutlierConfig, OutlierDetector, run_outlier_detection

HOSTS = [f"h{i}" for i in range(10)]


def fail(det, host, n, t=0.0):
    return [det.on_response(t, host, 503) for _ in range(n)]


def test_ejection_on_reaching_consecutive_5xx_and_non_5xx_resets():
    det = OutlierDetector(HOSTS)
    fail(det, "h0", 4)
    det.on_response(0.0, "h0", 200)
    assert fail(det, "h0", 4) == [False] * 4
    assert det.on_response(0.0, "h0", 503) is True       # the 5th in a row
    assert det.ejected_hosts() == ["h0"]
    assert det.on_response(0.0, "h0", 0) is False         # local-origin failure, already out


def test_counter_resets_even_when_ejection_is_refused():
    det = OutlierDetector(HOSTS[:5])                       # current rule, 10 %: nothing ejectable
    assert fail(det, "h0", 5)[-1] is False and det.overflow == 1
    assert fail(det, "h0", 4) == [False] * 4 and det.overflow == 1
    fail(det, "h0", 1)
    assert det.overflow == 2


@pytest.mark.parametrize(("hosts", "rule", "always", "expected"), [
    (10, "current", False, 1),    # 100*1/10 = 10 <= 10
    (9, "current", False, 0),     # 100*1/9 = 11.1 > 10
    (9, "current", True, 1),      # always_eject_one_host
    (3, "legacy", False, 1),      # 0 < 10 before counting the new host
    (20, "current", False, 2),
    (20, "legacy", False, 2),     # 0 < 10, 5 < 10, then 10 < 10 is false
])
def test_ejection_cap_rules(hosts, rule, always, expected):
    names = [f"h{i}" for i in range(hosts)]
    det = OutlierDetector(names, ejection_cap_rule=rule, always_eject_one_host=always)
    for h in names[:5]:
        fail(det, h, 5)
    assert len(det.ejected_hosts()) == expected


def test_legacy_rule_allows_one_past_the_percentage():
    names = [f"h{i}" for i in range(4)]
    det = OutlierDetector(names, ejection_cap_rule="legacy", max_ejection_percent=30)
    for h in names:
        fail(det, h, 5)
    assert len(det.ejected_hosts()) == 2     # 0 < 30, 25 < 30, 50 < 30 fails


def test_ejection_lasts_until_the_sweep_after_base_time_and_grows():
    det = OutlierDetector(HOSTS, interval_s=10, base_ejection_time_s=30)
    fail(det, "h0", 5, t=4.0)                 # ejected at 4 s
    det.advance(30.0)
    assert det.ejected_hosts() == ["h0"]      # sweep at 30: 26 s < 30 s
    det.advance(40.0)
    assert det.ejected_hosts() == []          # sweep at 40: 36 s >= 30 s
    fail(det, "h0", 5, t=41.0)                # second ejection: k = 2 -> 60 s
    assert det.ejection_time_s("h0") == 60
    det.advance(100.0)
    assert det.ejected_hosts() == ["h0"]      # 59 s
    det.advance(110.0)
    assert det.ejected_hosts() == []


def test_backoff_grows_until_max_then_decrements_on_healthy_sweeps():
    det = OutlierDetector(HOSTS, interval_s=10, base_ejection_time_s=30, max_ejection_time_s=60)
    fail(det, "h0", 5, t=0.0)                  # k = 1: 30 s
    det.advance(30.0)
    assert det.ejected_hosts() == []           # unejected at the 30 s sweep
    fail(det, "h0", 5, t=31.0)                 # k = 2: 60 s
    assert det.hosts["h0"].backoff == 2
    det.advance(100.0)                         # 69 s >= 60 s at the 100 s sweep
    assert det.ejected_hosts() == []
    fail(det, "h0", 5, t=101.0)                # 2 x 30 = 60 is not < 60: k stays 2
    assert det.hosts["h0"].backoff == 2 and det.ejection_time_s("h0") == 60
    det.advance(170.0)                         # unejected; no decrement in that sweep
    assert det.ejected_hosts() == [] and det.hosts["h0"].backoff == 2
    det.advance(180.0)
    assert det.hosts["h0"].backoff == 1
    det.advance(200.0)
    assert det.hosts["h0"].backoff == 0


def test_success_rate_ejection_source_example():
    names = [f"h{i}" for i in range(5)]
    for rule, expected in (("legacy", ["h0"]), ("current", [])):
        det = OutlierDetector(names, consecutive_5xx=1000, ejection_cap_rule=rule)
        for i, h in enumerate(names):
            for k in range(100):
                ok = (k % 2 == 0) if i == 0 else True      # rates {50, 100, 100, 100, 100}
                det.on_response(1.0, h, 200 if ok else 503)
        det.advance(10.0)                                  # threshold 90 - 1.9*20 = 52
        assert det.ejected_hosts() == expected


def test_panic_mode_routes_to_all_hosts():
    names = ["a", "b", "c"]
    det = OutlierDetector(names, max_ejection_percent=100, panic_threshold=50)
    fail(det, "a", 5)
    assert det.routable_hosts() == ["b", "c"]
    fail(det, "b", 5)
    assert det.routable_hosts() == names       # 33 % healthy < 50 %


def test_enforcing_zero_detects_without_ejecting_and_checks():
    det = OutlierDetector(HOSTS, enforcing_consecutive_5xx=0)
    fail(det, "h0", 5)
    assert det.ejected_hosts() == [] and "detected_consecutive_5xx" in set(det.events_frame().event)
    with pytest.raises(ValueError, match="rng"):
        OutlierDetector(HOSTS, enforcing_consecutive_5xx=50)
    with pytest.raises(ValueError, match="ejection_cap_rule"):
        OutlierDetector(HOSTS, ejection_cap_rule="newest")
    with pytest.raises(ValueError, match="hosts"):
        OutlierDetector(["a", "a"])


def test_run_outlier_detection_success_rate_recovers():
    capped = run_outlier_detection(OutlierConfig(hosts=5, max_ejection_percent=20, seed=2))
    req, ev = capped.records, capped.events
    during = req[req.time_s >= 20]
    assert "ejected_consecutive_5xx" in set(ev.event)
    assert during[during.h0_ejected].ok.mean() > 0.99
    none = run_outlier_detection(OutlierConfig(hosts=5, seed=2))   # default 10 %: no ejection
    assert set(none.events.event) == {"ejection_overflow"}
    assert none.summary()["success_rate_after"] < 0.9 < capped.summary()["success_rate_after"]
    assert none.summary()["ejections"] == 0 < capped.summary()["ejections"]


def test_outlier_config_checks_and_the_keyword_form():
    with pytest.raises(ValueError, match="max_ejection_percent"):
        OutlierConfig(max_ejection_percent=120)
    with pytest.raises(ValueError, match="arrival_rate"):
        OutlierConfig(arrival_rate=0)
    with pytest.raises(TypeError, match="interval"):
        OutlierConfig(detector_options={"interval": 5})
    config = OutlierConfig(horizon_s=40, seed=3, detector_options={"interval_s": 5.0})
    with pytest.warns(DeprecationWarning, match="OutlierConfig"):
        req, ev = run_outlier_detection(horizon_s=40, seed=3, interval_s=5.0, rate=50.0)
    assert req.equals(run_outlier_detection(config).records)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 12), pct=st.sampled_from([10.0, 20.0, 34.0, 50.0, 100.0]),
       script=st.lists(st.tuples(st.integers(0, 11), st.booleans(), st.floats(0, 3)),
                       max_size=150))
def test_current_rule_never_exceeds_max_ejection_percent(n, pct, script):
    names = [f"h{i}" for i in range(n)]
    det = OutlierDetector(names, consecutive_5xx=2, max_ejection_percent=pct,
                          rng=np.random.default_rng(0))
    t = 0.0
    for host, bad, dt in script:
        t += dt
        det.on_response(t, names[host % n], 503 if bad else 200)
        assert 100.0 * len(det.ejected_hosts()) / n <= pct


def test_detector_settings_are_one_checked_object():
    from labkit.mesh.outlier import OutlierDetection

    settings = OutlierDetection(max_ejection_percent=20, consecutive_5xx=3)
    a = OutlierDetector(HOSTS, settings)
    b = OutlierDetector(HOSTS, max_ejection_percent=20, consecutive_5xx=3)
    assert a.settings == b.settings and a.max_ejection_percent == 20.0
    with pytest.raises(TypeError, match="not both"):
        OutlierDetector(HOSTS, settings, consecutive_5xx=4)
    with pytest.raises(TypeError, match="OutlierDetection"):
        OutlierDetector(HOSTS, {"consecutive_5xx": 4})
    with pytest.raises(TypeError, match="always_eject_one_host"):
        OutlierDetection(always_eject_one_host="yes")
    with pytest.raises(ValueError, match="panic_threshold"):
        OutlierDetection(panic_threshold=-1)
