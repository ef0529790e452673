"""The outage scenario: conservation, determinism, what the breaker changes, bad input."""

import pandas as pd
import pytest

from labkit.core import FaultSchedule, FaultWindow, Service
from labkit.resilience import CircuitBreaker, ConsecutiveFailureBreaker, run_outage_scenario
from labkit.resilience.timeout import call_with_timeout


def factory():
    return CircuitBreaker(window_size=20, minimum_calls=10, wait_in_open_s=5, half_open_calls=3)


COMMON = {"arrival_rate": 20.0, "horizon_s": 120.0, "incident": (30.0, 60.0), "seed": 4}


def test_conservation_and_determinism():
    a = run_outage_scenario(factory, **COMMON)
    r = a.requests
    counts = r.outcome.value_counts()
    assert counts.sum() == len(r) == counts["success"] + counts["failed"] + counts["rejected"]
    assert not r.loc[r.outcome == "rejected", "reached_dependency"].any()
    assert r.loc[r.outcome != "rejected", "reached_dependency"].all()
    b = run_outage_scenario(factory, **COMMON)
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.transitions, b.transitions)


def test_breaker_cuts_calls_into_the_outage_and_latency():
    plain_run = run_outage_scenario(None, **COMMON)
    guarded_run = run_outage_scenario(factory, **COMMON)
    plain, guarded = plain_run.summary(), guarded_run.summary()
    assert plain["rejected"] == 0
    assert guarded["calls_during_incident"] < 0.2 * plain["calls_during_incident"]
    assert plain["p99_latency_s"] == pytest.approx(1.0)  # hung calls wait the whole timeout
    during = COMMON["incident"]
    def mean_latency(run):
        r = run.requests
        return r[(r.arrival_s >= during[0]) & (r.arrival_s < during[1])].latency_s.mean()
    assert mean_latency(guarded_run) < 0.3 * mean_latency(plain_run)


def test_fallback_answers_every_rejected_or_failed_call():
    r = run_outage_scenario(factory, fallback=True, **COMMON).requests
    assert r.ok.all()
    assert (r.fallback == (r.outcome != "success")).all()


def test_without_incident_failures_no_breaker_opens():
    r = run_outage_scenario(factory, kind="slowdown", slowdown_factor=1.0, **COMMON)
    assert r.transitions.empty and r.summary()["failed"] == 0


def test_shared_state_counts_reads_and_writes_and_private_breakers_learn_separately():
    fleet = {**COMMON, "instances": 10}
    shared = run_outage_scenario(factory, shared_state=True, **fleet)
    private = run_outage_scenario(factory, **fleet)
    s, p = shared.summary(), private.summary()
    assert s["state_reads"] == s["requests"]
    assert s["state_writes"] == s["calls_to_dependency"]
    assert p["state_reads"] == 0
    assert p["calls_during_incident"] > s["calls_during_incident"]
    assert set(private.transitions.instance) == set(range(10))


def test_pybreaker_style_breaker_runs_in_the_scenario():
    r = run_outage_scenario(lambda: ConsecutiveFailureBreaker(fail_max=3, reset_timeout_s=5),
                            **COMMON)
    assert r.summary()["rejected"] > 0


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"arrival_rate": 0}, "arrival_rate"),
    ({"incident": (50.0, 40.0)}, "incident"),
    ({"incident": (10.0, 500.0)}, "incident"),
    ({"kind": "fire"}, "kind"),
    ({"timeout_s": 0}, "timeout_s"),
    ({"instances": 0}, "instances"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_outage_scenario(None, **{**COMMON, **kwargs})


def test_shared_instance_needs_factory_for_private_breakers():
    with pytest.raises(ValueError, match="factory"):
        run_outage_scenario(factory(), instances=3, **COMMON)


def test_timeout_fires_at_the_limit(env, rng):
    svc = Service(env, service_time=__import__("labkit").core.Constant(0.2), rng=rng,
                  faults=FaultSchedule((FaultWindow(0.0, 10.0, "outage", latency_s=30.0),)))
    p = env.process(call_with_timeout(env, svc, 1.5))
    env.run()
    assert p.value.error == "timeout" and p.value.end_s == 1.5


# --- the runner convention ------------------------------------------------------------------

def test_config_names_the_field_and_its_range():
    from labkit.resilience import OutageConfig

    with pytest.raises(ValueError, match="incident_start_s < incident_end_s"):
        OutageConfig(incident_start_s=50, incident_end_s=40)
    with pytest.raises(ValueError, match="arrival_rate \\* horizon_s"):
        OutageConfig(arrival_rate=10_000, horizon_s=1_000)
    with pytest.raises(TypeError, match="breaker"):
        OutageConfig(breaker="resilience4j")
    with pytest.raises(ValueError, match="kind"):
        OutageConfig(kind="brownout")
    with pytest.raises(TypeError, match="no field 'rate'"):
        OutageConfig().replace(rate=3)


def test_wrapper_and_config_give_the_same_run():
    from labkit.resilience import OutageConfig, simulate_outage

    old = run_outage_scenario(factory, **COMMON)
    new = simulate_outage(OutageConfig(breaker=factory, arrival_rate=20.0, horizon_s=120.0,
                                       incident_start_s=30.0, incident_end_s=60.0, seed=4))
    pd.testing.assert_frame_equal(old.records, new.records)
    assert old.requests is old.records


def test_success_latency_excludes_rejections_and_replications_are_independent():
    from labkit.core.runner import replicate
    from labkit.resilience import OutageConfig, simulate_outage

    run = simulate_outage(OutageConfig(breaker=factory, arrival_rate=20.0, horizon_s=120.0,
                                       incident_start_s=30.0, incident_end_s=60.0, seed=4))
    s = run.summary()
    ok = run.records[run.records.outcome == "success"].latency_s
    assert s["p99_success_latency_s"] == pytest.approx(ok.quantile(0.99))
    assert s["rejected"] > 0 and s["p50_latency_s"] < s["p50_success_latency_s"]
    runs = replicate(simulate_outage, run.config, replications=3)
    assert list(runs.seed) == [4, 5, 6] and runs.requests.nunique() == 3


def test_the_free_worker_shortcut_matches_a_timeout_race():
    # a service slower than the caller's timeout: every call times out at exactly timeout_s,
    # and the abandoned work keeps the workers busy (calls queue behind it)
    from labkit.core.workloads import Constant
    from labkit.resilience import OutageConfig, simulate_outage

    run = simulate_outage(OutageConfig(arrival_rate=5.0, horizon_s=20.0, incident_start_s=19.0,
                                       incident_end_s=20.0, servers=1,
                                       service_time=Constant(2.0), timeout_s=0.5, seed=1))
    r = run.records
    assert (r.outcome == "failed").all()
    assert r.latency_s.max() == pytest.approx(0.5)
    assert run.summary()["calls_to_dependency"] == len(r)
