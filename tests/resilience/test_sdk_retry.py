"""AWS SDK standard retry mode, 2026 and pre-2026 defaults.

Sources:
- https://aws.amazon.com/blogs/developer/updated-default-retry-behavior-for-aws-sdks-and-tools/
  ("Starting November 10, 2026, the updated behavior is the default, and we have removed the
  opt-in." "Every SDK and tool listed below, except Kotlin and Java, makes the updated behavior
  the default"; Python: botocore 1.44.0).
- https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (the pre-2026
  behaviour "differs in backoff timing, retry quota costs, and service-specific defaults").
- https://github.com/aws/aws-sdk-go-v2/pull/3400 ("Non-throttling retry cost increases from 5 to
  14 tokens"; "Throttling errors now use a discounted cost of 5 tokens (previously, timeouts had
  a special cost of 10)"; "Base backoff for non-throttling errors reduced from 1,000ms to 50ms";
  "Throttling errors retain the 1,000ms base backoff"; DynamoDB 25 ms and 4 attempts).
- botocore ``botocore/retries/standard.py`` (``RetryQuotaChecker``, ``ExponentialBackoff``),
  which the last test drives directly in both modes.
"""

from __future__ import annotations

import numpy as np
import pytest

from labkit.core.facts import fact_value
from labkit.resilience.retry import (
    SDK_RETRY_BEHAVIORS,
    RetryQuota,
    sdk_backoff_s,
    sdk_retry_defaults,
)


def test_default_is_the_2026_behaviour():
    q = RetryQuota()
    assert q.behavior == "2026" and sdk_retry_defaults().behavior == "2026"
    assert (q.cost("transient"), q.cost("throttling"), q.cost("timeout")) == (14, 5, 14)
    assert q.initial_tokens == 500


def test_pre_2026_costs():
    q = RetryQuota(behavior="pre-2026")
    assert (q.cost("transient"), q.cost("throttling"), q.cost("timeout")) == (5, 5, 10)


def test_2026_quota_drains_on_transient_errors_and_refunds():
    q = RetryQuota()
    paid = 0
    while q.try_acquire("transient"):
        paid += 1
    assert paid == 35 and q.tokens == 500 - 35 * 14 == 10   # 10 left: not enough for a 14
    assert q.try_acquire("throttling") and q.tokens == 5     # a throttling retry still fits
    q.release(14)
    q.on_first_attempt_success()
    assert q.tokens == 20
    q.release(10_000)
    assert q.tokens == 500                                   # never above the initial bucket


def test_a_full_bucket_pays_for_fewer_transient_retries_since_2026():
    new, old = RetryQuota(), RetryQuota(behavior="pre-2026")
    assert new.retries_until_empty("transient") == 35
    assert old.retries_until_empty("transient") == 100
    assert new.retries_until_empty("throttling") == old.retries_until_empty("throttling") == 100
    assert old.retries_until_empty("timeout") == 50


def test_former_timeout_keyword_and_explicit_costs_still_work():
    q = RetryQuota(behavior="pre-2026")
    assert q.try_acquire(timeout=True) and q.tokens == 490
    assert q.try_acquire(timeout=False) and q.tokens == 485
    q.tokens = 4
    assert not q.try_acquire() and q.tokens == 4
    # the former positional signature gives the former costs whatever the behaviour
    legacy = RetryQuota(500, 5, 10)
    assert (legacy.cost("transient"), legacy.cost("timeout")) == (5, 10)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="behavior"):
        RetryQuota(behavior="2025")
    with pytest.raises(ValueError, match="error"):
        RetryQuota().try_acquire("network")
    with pytest.raises(ValueError, match="error= or timeout="):
        RetryQuota().try_acquire("throttling", timeout=True)
    with pytest.raises(ValueError, match="retry_cost"):
        RetryQuota(retry_cost=-1)
    with pytest.raises(ValueError, match="never empties"):
        RetryQuota(retry_cost=0).retries_until_empty("transient")
    with pytest.raises(TypeError, match="rng"):
        sdk_backoff_s(0, rng=None)  # type: ignore[arg-type]


def test_backoff_bases_and_cap():
    new, old = sdk_retry_defaults("2026"), sdk_retry_defaults("pre-2026")
    assert (new.base_s("transient"), new.base_s("throttling")) == (0.05, 1.0)
    assert (old.base_s("transient"), old.base_s("throttling")) == (1.0, 1.0)
    assert new.max_backoff_s == old.max_backoff_s == 20.0
    assert new.max_attempts == old.max_attempts == 3
    ddb = sdk_retry_defaults("2026", service="dynamodb")
    assert (ddb.base_s("transient"), ddb.base_s("throttling"), ddb.max_attempts) == (0.025, 1.0, 4)
    assert sdk_retry_defaults("pre-2026", service="dynamodb").max_attempts == 3


@pytest.mark.parametrize("behavior", SDK_RETRY_BEHAVIORS)
@pytest.mark.parametrize("error", ["transient", "throttling"])
def test_backoff_draws_stay_under_the_ceiling_and_fill_it(behavior, error):
    d = sdk_retry_defaults(behavior)
    rng = np.random.default_rng(7)
    for retry in (0, 1, 2, 10):
        ceiling = min(d.base_s(error) * 2**retry, 20.0)
        draws = np.array([sdk_backoff_s(retry, rng=rng, error=error, behavior=behavior)
                          for _ in range(400)])
        assert draws.min() >= 0.0 and draws.max() < ceiling
        assert draws.mean() == pytest.approx(ceiling / 2, rel=0.15)   # full jitter: U(0, c)


def test_first_transient_retry_waits_much_less_since_2026():
    rng_new, rng_old = np.random.default_rng(3), np.random.default_rng(3)
    new = [sdk_backoff_s(0, rng=rng_new) for _ in range(200)]
    old = [sdk_backoff_s(0, rng=rng_old, behavior="pre-2026") for _ in range(200)]
    assert np.allclose(np.array(old) * 0.05, new)   # same draws, base 1 s -> 50 ms


def test_facts_tables_hold_the_modelled_numbers():
    new, old = sdk_retry_defaults("2026"), sdk_retry_defaults("pre-2026")
    assert fact_value("aws_sdk_retry_quota_initial") == new.initial_tokens == old.initial_tokens
    assert fact_value("aws_sdk_retry_transient_cost_2026") == new.retry_cost
    assert fact_value("aws_sdk_retry_throttling_cost_2026") == new.throttling_retry_cost
    assert fact_value("aws_sdk_retry_cost") == old.retry_cost
    assert fact_value("aws_sdk_retry_timeout_cost") == old.timeout_retry_cost
    assert fact_value("aws_sdk_retry_transient_base_delay_2026_ms") == new.transient_base_s * 1000
    assert fact_value("aws_sdk_retry_throttling_base_delay_2026_ms") == new.throttling_base_s * 1000
    assert fact_value("aws_sdk_retry_base_delay_pre2026_ms") == old.transient_base_s * 1000


@pytest.mark.parametrize("behavior", SDK_RETRY_BEHAVIORS)
def test_matches_botocore_standard_mode(behavior, monkeypatch):
    """Drive botocore's own quota checker and backoff in the matching mode."""
    standard = pytest.importorskip("botocore.retries.standard")
    quota = pytest.importorskip("botocore.retries.quota")
    from botocore.exceptions import ReadTimeoutError

    if not hasattr(standard.RetryQuotaChecker, "_RETRY_COST_V2"):
        pytest.skip("this botocore predates the 2026 retry behaviour")
    monkeypatch.setattr(standard, "NEW_RETRIES_ENABLED", behavior == "2026")
    detector = standard.ThrottlingErrorDetector(standard.RetryEventAdapter())

    def context(kind):
        if kind == "timeout":
            return standard.RetryContext(attempt_number=1, request_context={},
                                         caught_exception=ReadTimeoutError(endpoint_url="x"))
        code = "ThrottlingException" if kind == "throttling" else "InternalError"
        return standard.RetryContext(attempt_number=1, request_context={},
                                     parsed_response={"Error": {"Code": code}})

    ours = RetryQuota(behavior=behavior)
    for kind in ("transient", "throttling", "timeout"):
        bucket = quota.RetryQuota()
        checker = standard.RetryQuotaChecker(bucket, detector if behavior == "2026" else None)
        assert checker.acquire_retry_quota(context(kind))
        assert 500 - bucket.available_capacity == ours.cost(kind), kind
    d = sdk_retry_defaults(behavior)
    for attempt in (1, 2, 3, 9):
        backoff = standard.ExponentialBackoff(
            random=lambda: 1.0, service_name="s3",
            throttling_detector=detector if behavior == "2026" else None)
        for kind in ("transient", "throttling"):
            ctx = context(kind)
            ctx.attempt_number = attempt
            # botocore's attempt n is followed by retry n - 1 (labkit counts retries from 0)
            expected = min(d.base_s(kind) * 2 ** (attempt - 1), d.max_backoff_s)
            assert backoff.delay_amount(ctx) == pytest.approx(expected), (kind, attempt)
