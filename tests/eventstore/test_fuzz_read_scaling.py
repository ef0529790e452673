"""Fuzzing read_scaling: bad replica lists and sizes are refused, never an empty frame."""

from __future__ import annotations

from fuzzing import FUZZ, junk_numbers, runs_or_refuses
from hypothesis import given
from hypothesis import strategies as st

from labkit.eventstore import read_scaling


@FUZZ
@given(replicas=st.one_of(st.lists(junk_numbers, max_size=3), st.text(max_size=3), junk_numbers),
       read_rate=junk_numbers)
def test_read_scaling_runs_or_refuses(replicas, read_rate):
    ok, frame = runs_or_refuses(read_scaling, read_rate=read_rate, replicas=replicas,
                                n_requests=200, budget_s=5.0)
    if ok:
        assert len(frame) == len(replicas) > 0


def test_empty_replicas_and_huge_runs_are_refused():
    for kwargs in ({"replicas": ()}, {"replicas": (10**9,)}, {"n_requests": 10**9}):
        ok, error = runs_or_refuses(read_scaling, **kwargs)
        assert not ok
