"""Fuzzing retry arithmetic: junk parameters get a documented error, valid ones a finite wait."""

from __future__ import annotations

import math

import numpy as np
from fuzzing import FUZZ, junk_numbers, runs_or_refuses
from hypothesis import given
from hypothesis import strategies as st

from labkit.resilience import backoff_delay, retry_amplification
from labkit.resilience.retry import BACKOFF_STRATEGIES, budget_amplification


@FUZZ
@given(strategy=st.sampled_from([*BACKOFF_STRATEGIES, "bogus"]), retry=junk_numbers,
       base_s=junk_numbers, cap_s=junk_numbers, previous_s=st.one_of(st.none(), junk_numbers),
       with_rng=st.booleans())
def test_backoff_delay_runs_or_refuses(strategy, retry, base_s, cap_s, previous_s, with_rng):
    rng = np.random.default_rng(0) if with_rng else None
    ok, delay = runs_or_refuses(backoff_delay, strategy, retry, base_s=base_s, cap_s=cap_s,
                                rng=rng, previous_s=previous_s)
    if ok:
        assert 0.0 <= delay <= cap_s and math.isfinite(delay)


def test_backoff_delay_without_an_rng_names_it():
    ok, error = runs_or_refuses(backoff_delay, "full", 1, base_s=0.1, cap_s=1.0, rng=None)
    assert not ok and "rng" in str(error)


@FUZZ
@given(attempts=junk_numbers, layers=junk_numbers, budget=junk_numbers)
def test_amplification_runs_or_refuses(attempts, layers, budget):
    runs_or_refuses(retry_amplification, attempts, layers, budget_s=0.5)
    runs_or_refuses(budget_amplification, budget, layers, budget_s=0.5)


def test_amplification_hang_case_is_refused_at_once():
    ok, error = runs_or_refuses(retry_amplification, 10**4, 10**7, budget_s=0.1)
    assert not ok and "attempts" in str(error)
