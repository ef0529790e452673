"""Fuzzing the messaging family: random patterns, events, queue and stream calls either run
within their bounds or are refused with a documented error."""

from __future__ import annotations

from fuzzing import FUZZ, deeply_nested, json_documents, junk_numbers, runs_or_refuses
from hypothesis import given
from hypothesis import strategies as st

from labkit.messaging import (
    FifoQueue,
    InvalidEventPattern,
    StandardQueue,
    Stream,
    matches,
    validate_pattern,
)

_operators = st.sampled_from(["prefix", "suffix", "anything-but", "numeric", "exists", "cidr",
                              "wildcard", "equals-ignore-case", "EXISTS", "$or"])
_matcher = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=6),
    st.dictionaries(_operators, json_documents, min_size=1, max_size=2))
_patterns = st.recursive(
    st.lists(_matcher, max_size=3),
    lambda inner: st.dictionaries(st.sampled_from(["source", "detail", "a", "$or", "b.c"]),
                                  inner, max_size=3),
    max_leaves=12)


@FUZZ
@given(pattern=st.one_of(_patterns, json_documents, st.text(max_size=30)),
       event=st.one_of(json_documents, st.dictionaries(st.sampled_from(["source", "detail", "a"]),
                                                       json_documents, max_size=3)))
def test_random_patterns_match_or_are_refused(pattern, event):
    ok, result = runs_or_refuses(matches, pattern, event)
    if ok:
        assert isinstance(result, bool)


@FUZZ
@given(pattern=st.one_of(_patterns, json_documents))
def test_validate_pattern_refuses_with_invalid_event_pattern(pattern):
    ok, result = runs_or_refuses(validate_pattern, pattern)
    if not ok and isinstance(pattern, dict):
        assert isinstance(result, InvalidEventPattern)


def test_deep_and_huge_documents_are_refused():
    deep = deeply_nested(3000, leaf=["x"])
    for pattern, event in ((deep, {"a": 1}), ({"a": ["x"]}, deeply_nested(3000)),
                           ('{"a": ' * 3000 + '["x"]' + "}" * 3000, "{}"), ("[" * 100_000, "{}"),
                           ({"a": ["x"]}, '{"a": "' + "x" * 2_000_000 + '"}')):
        ok, _ = runs_or_refuses(matches, pattern, event)
        assert not ok
    ok, error = runs_or_refuses(validate_pattern, {})
    assert not ok and isinstance(error, InvalidEventPattern)


_queue_kwargs = st.fixed_dictionaries({}, optional={
    "visibility_timeout_s": junk_numbers, "retention_s": junk_numbers, "delay_s": junk_numbers,
    "receive_wait_s": junk_numbers, "max_receive_count": junk_numbers,
    "maximum_message_size": junk_numbers})


@FUZZ
@given(name=st.one_of(st.text(max_size=8), st.none(), st.integers()), kwargs=_queue_kwargs,
       fifo=st.booleans())
def test_queue_construction_runs_or_refuses(name, kwargs, fifo):
    runs_or_refuses(FifoQueue if fifo else StandardQueue, name, **kwargs)


_calls = st.lists(st.tuples(
    st.sampled_from(["send", "receive", "delete", "change_visibility", "counts"]),
    st.floats(min_value=0, max_value=100, allow_nan=False),
    st.one_of(st.text(max_size=5), st.none(), st.binary(max_size=3), junk_numbers)),
    max_size=25)


@FUZZ
@given(calls=_calls, fifo=st.booleans())
def test_random_queue_calls_run_or_refuse_and_conserve(calls, fifo):
    """Messages in = deleted + in the queue + in the DLQ + expired, whatever the calls."""
    dlq = FifoQueue("d.fifo") if fifo else StandardQueue("d", servers=1)
    q = (FifoQueue("q.fifo", content_based_deduplication=True, dead_letter_queue=dlq,
                   max_receive_count=2, visibility_timeout_s=3) if fifo else
         StandardQueue("q", dead_letter_queue=dlq, max_receive_count=2, visibility_timeout_s=3,
                       servers=1))
    handles: list[str] = []
    now = 0.0
    for op, dt, arg in calls:
        now += dt
        if op == "send":
            extra = {"group_id": "g"} if fifo else {}
            runs_or_refuses(q.send, arg, now, **extra)
        elif op == "receive":
            ok, got = runs_or_refuses(q.receive, now, wait_time_s=min(dt, 20))
            handles += [m.receipt_handle for m in got] if ok else []
        elif op == "delete":
            runs_or_refuses(q.delete, handles[-1] if handles else arg, now)
        elif op == "change_visibility":
            runs_or_refuses(q.change_visibility, handles[-1] if handles else arg, dt, now)
        else:
            runs_or_refuses(q.counts, now)
    s = q.stats
    assert s.sent == s.deleted + len(q) + s.moved_to_dlq + s.expired
    assert s.moved_to_dlq == dlq.stats.redriven_in


@FUZZ
@given(shards=junk_numbers, key=st.one_of(st.text(max_size=300), junk_numbers),
       data=json_documents)
def test_stream_runs_or_refuses(shards, key, data):
    ok, stream = runs_or_refuses(Stream, "s", shard_count=shards)
    if ok:
        runs_or_refuses(stream.put_record, key, data, 0.0)
