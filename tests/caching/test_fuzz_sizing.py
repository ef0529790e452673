"""Fuzzing entries_for_hit_ratio: an empty or invalid curve is refused, not answered None."""

from __future__ import annotations

import pandas as pd
from fuzzing import FUZZ, junk_numbers, runs_or_refuses
from hypothesis import given
from hypothesis import strategies as st

from labkit.caching import entries_for_hit_ratio


@FUZZ
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
       target=junk_numbers)
def test_entries_for_hit_ratio_runs_or_refuses(values, target):
    curve = pd.Series(values, index=range(1, len(values) + 1), dtype=float)
    ok, size = runs_or_refuses(entries_for_hit_ratio, curve, target)
    if ok and size is not None:
        assert curve[size] >= target


def test_empty_curve_is_refused():
    ok, error = runs_or_refuses(entries_for_hit_ratio, pd.Series([], dtype=float), 0.5)
    assert not ok and "curve" in str(error)
    ok, _ = runs_or_refuses(entries_for_hit_ratio, [0.1, 0.5], 0.5)
    assert not ok
