"""Backoff formulas, Envoy retry budget, gRPC throttling, SDK retry quota (the sources in
labkit/resilience/retry.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.resilience.retry import (
    Backoff,
    RetryBudget,
    RetryQuota,
    RetryThrottle,
    backoff_ceiling,
    backoff_delay,
    budget_amplification,
    envoy_backoff_interval_ms,
    grpc_backoff_s,
    retry_amplification,
)

BASE, CAP = 0.005, 2.0


def test_first_retry_is_index_zero():
    assert backoff_ceiling(0, BASE, CAP) == BASE
    # aws-arch-backoff-simulator counts from 1: its first retry is our retry=1 (10 ms)
    assert backoff_ceiling(1, BASE, CAP) == pytest.approx(0.010)


def test_ceiling_reaches_cap_and_stays():
    k = next(k for k in range(40) if BASE * 2**k >= CAP)
    assert backoff_ceiling(k, BASE, CAP) == CAP
    assert backoff_ceiling(k + 5, BASE, CAP) == CAP
    assert backoff_ceiling(k - 1, BASE, CAP) < CAP


@pytest.mark.parametrize("retry", [0, 3, 12])
def test_full_and_equal_jitter_ranges(retry):
    rng = np.random.default_rng(0)
    v = backoff_ceiling(retry, BASE, CAP)
    full = [backoff_delay("full", retry, base_s=BASE, cap_s=CAP, rng=rng) for _ in range(2000)]
    equal = [backoff_delay("equal", retry, base_s=BASE, cap_s=CAP, rng=rng) for _ in range(2000)]
    assert 0 <= min(full) and max(full) < v and np.mean(full) == pytest.approx(v / 2, rel=0.05)
    assert v / 2 <= min(equal) and max(equal) < v
    assert np.mean(equal) == pytest.approx(0.75 * v, rel=0.03)


def test_full_jitter_formula_exact_with_a_fixed_draw():
    u = float(np.random.default_rng(3).random())
    got = backoff_delay("full", 2, base_s=BASE, cap_s=CAP, rng=np.random.default_rng(3))
    assert got == pytest.approx(u * 0.02)
    got = backoff_delay("equal", 2, base_s=BASE, cap_s=CAP, rng=np.random.default_rng(3))
    assert got == pytest.approx(0.01 + u * 0.01)


def test_decorrelated_draw_is_base_plus_u_times_three_prev_minus_base_then_capped():
    u = float(np.random.default_rng(5).random())
    got = backoff_delay("decorrelated", 0, base_s=0.1, cap_s=10.0, rng=np.random.default_rng(5),
                        previous_s=0.4)
    assert got == pytest.approx(0.1 + u * (1.2 - 0.1))
    capped = backoff_delay("decorrelated", 0, base_s=0.1, cap_s=0.2,
                           rng=np.random.default_rng(5), previous_s=5.0)
    assert capped == 0.2


def test_decorrelated_starts_at_base_and_feeds_the_clamped_value_back():
    rng = np.random.default_rng(7)
    b = Backoff("decorrelated", base_s=0.1, cap_s=0.5)
    delays = [b.next_delay(rng) for _ in range(50)]
    assert 0.1 <= delays[0] <= 0.3
    assert all(0.1 <= d <= 0.5 for d in delays)
    assert any(d == 0.5 for d in delays)   # the cap clamps draws above it
    # every draw stays within [base, 3 * previous] of the clamped previous value
    for prev, d in zip(delays, delays[1:], strict=False):
        assert d <= min(0.5, 3 * prev) + 1e-12


def test_exponential_and_none():
    b = Backoff("exponential", base_s=0.1, cap_s=1.0)
    assert [b.next_delay(None) for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert Backoff("none").next_delay(None) == 0.0


def test_backoff_argument_checks():
    with pytest.raises(ValueError, match="strategy"):
        Backoff("linear")
    with pytest.raises(ValueError, match="base_s"):
        backoff_delay("full", 0, base_s=0, cap_s=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="retry"):
        backoff_ceiling(-1, 0.1, 1.0)
    with pytest.raises(ValueError, match="rng"):
        Backoff("full").next_delay(None)


def test_envoy_interval_sequence_for_defaults_and_custom_max():
    assert [envoy_backoff_interval_ms(k) for k in range(7)] == [25, 50, 100, 200, 250, 250, 250]
    assert [envoy_backoff_interval_ms(k, 100, 1000) for k in range(5)] == [100, 200, 400, 800,
                                                                            1000]


def test_grpc_backoff_counts_from_one():
    rng = np.random.default_rng(0)
    draws = [grpc_backoff_s(3, initial_s=0.1, max_s=1.0, multiplier=2.0, rng=rng)
             for _ in range(500)]
    assert max(draws) < 0.4 and max(draws) > 0.35
    capped = [grpc_backoff_s(10, initial_s=0.1, max_s=1.0, multiplier=2.0, rng=rng)
              for _ in range(500)]
    assert 0.95 < max(capped) < 1.0
    with pytest.raises(ValueError, match="n"):
        grpc_backoff_s(0, initial_s=0.1, max_s=1.0, multiplier=2.0, rng=rng)


# --- Envoy retry budget ----------------------------------------------------------------------

def test_budget_defaults_and_floor():
    b = RetryBudget()
    assert (b.budget_percent, b.min_retry_concurrency) == (20.0, 3)
    b.active_requests = 10          # 20 % of 10 = 2 < floor 3
    assert b.limit() == 3
    b.active_requests, b.pending_requests = 100, 50
    assert b.limit() == 30


def test_budget_truncates_before_floor():
    b = RetryBudget(budget_percent=29, min_retry_concurrency=0)
    b.active_requests = 100
    assert b.limit() == 28
    b = RetryBudget(budget_percent=20, min_retry_concurrency=1)
    b.active_requests = 9            # 1.8 -> 1
    assert b.limit() == 1


def test_retry_allowed_iff_active_retries_below_limit():
    b = RetryBudget(budget_percent=20, min_retry_concurrency=0)
    b.active_requests = 10           # limit 2
    assert b.try_start_retry() and b.try_start_retry()
    assert not b.try_start_retry()   # active_retries == limit: overflow
    assert (b.active_retries, b.overflow) == (2, 1)
    b.finish_retry()
    assert b.try_start_retry()


def test_zero_traffic_zero_floor_allows_no_retries():
    b = RetryBudget(budget_percent=20, min_retry_concurrency=0)
    assert not b.try_start_retry()


@pytest.mark.parametrize("kwargs", [{"budget_percent": 101}, {"budget_percent": -1},
                                    {"min_retry_concurrency": -1}])
def test_budget_argument_checks(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryBudget(**kwargs)


@settings(max_examples=200, deadline=None)
@given(pct=st.floats(0, 100), floor=st.integers(0, 5),
       script=st.lists(st.sampled_from(["req", "done", "retry", "retry_done"]), max_size=120))
def test_active_retries_never_exceed_budget_limit(pct, floor, script):
    b = RetryBudget(budget_percent=pct, min_retry_concurrency=floor)
    wanted = 0
    for op in script:
        if op == "req":
            b.start_request()
        elif op == "done" and b.active_requests:
            b.finish_request()
        elif op == "retry":
            wanted += 1
            before = b.limit()
            if b.try_start_retry():
                assert b.active_retries <= before
        elif op == "retry_done" and b.active_retries:
            b.finish_retry()
        assert b.retries_allowed + b.overflow == wanted
    assert b.retries_allowed + b.overflow == script.count("retry")


# --- gRPC throttling and SDK quota -----------------------------------------------------------

def test_grpc_throttle_strictly_above_half():
    t = RetryThrottle(max_tokens=10, token_ratio=0.5)
    for _ in range(4):
        t.on_failure()
    assert t.tokens == 6 and t.retry_allowed()
    t.on_failure()
    assert t.tokens == 5 and not t.retry_allowed()     # exactly half: throttled
    t.on_success()
    assert t.tokens == 5.5 and t.retry_allowed()


def test_grpc_tokens_stay_in_range():
    t = RetryThrottle(max_tokens=3, token_ratio=1)
    for _ in range(10):
        t.on_failure()
    assert t.tokens == 0
    for _ in range(10):
        t.on_success()
    assert t.tokens == 3
    with pytest.raises(ValueError, match="max_tokens"):
        RetryThrottle(max_tokens=1001)


@settings(max_examples=200, deadline=None)
@given(max_tokens=st.integers(1, 50), ratio=st.floats(0.01, 2.0),
       outcomes=st.lists(st.booleans(), max_size=200))
def test_grpc_throttle_invariants(max_tokens, ratio, outcomes):
    t = RetryThrottle(max_tokens=max_tokens, token_ratio=ratio)
    for ok in outcomes:
        t.on_success() if ok else t.on_failure()
        assert 0 <= t.tokens <= max_tokens
        assert t.retry_allowed() == (t.tokens > max_tokens / 2)


def test_sdk_retry_quota_costs_and_refunds():
    # pre-2026 costs (tests/resilience/test_sdk_retry.py has both behaviours and their sources)
    q = RetryQuota(behavior="pre-2026")
    assert q.tokens == 500
    assert q.try_acquire("timeout") and q.tokens == 490
    q.release(10)
    q.on_first_attempt_success()
    assert q.tokens == 500                # never above the initial bucket
    q.tokens = 4
    assert not q.try_acquire() and q.tokens == 4


def test_amplification_formulas():
    assert retry_amplification(3, 3) == 27 and retry_amplification(3, 5) == 243
    assert budget_amplification(20, 3) == pytest.approx(1.728)
    assert budget_amplification(20, 5) == pytest.approx(2.48832)


def test_resilience4j_intervals_truncate_at_each_step_and_cap():
    from labkit.resilience.retry import resilience4j_intervals_ms

    assert resilience4j_intervals_ms(4, initial_ms=750) == [750, 1125, 1687, 2530]
    assert resilience4j_intervals_ms(3, initial_ms=500, max_ms=700) == [500, 700, 700]
    assert resilience4j_intervals_ms(3, initial_ms=500, multiplier=1.0) == [500, 500, 500]


def test_resilience4j_randomized_range_is_inclusive_and_at_least_one():
    from labkit.resilience.retry import resilience4j_randomized_ms

    rng = np.random.default_rng(0)
    draws = [resilience4j_randomized_ms(10, rng, randomization_factor=0.5) for _ in range(3000)]
    assert min(draws) == 5 and max(draws) == 15
    assert resilience4j_randomized_ms(1, rng, randomization_factor=0.9) >= 1
    with pytest.raises(ValueError, match="randomization_factor"):
        resilience4j_randomized_ms(10, rng, randomization_factor=1.0)
