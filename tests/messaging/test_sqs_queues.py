"""SQS standard and FIFO queues against the SQS Developer Guide, plus conservation properties."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.messaging import FifoQueue, StandardQueue


def long_poll(q, now, **kw):
    return q.receive(now, wait_time_s=1, **kw)


def test_visibility_timeout_and_receive_count():
    q = StandardQueue("q", visibility_timeout_s=30)
    q.send("a", 0)
    m = long_poll(q, 0).messages[0]
    assert m.receive_count == 1
    assert q.counts(10) == {"visible": 0, "in_flight": 1, "delayed": 0}
    assert len(q.receive(29.0, wait_time_s=0)) == 0
    m2 = q.receive(30.5, wait_time_s=1).messages[0]
    assert m2.receive_count == 2 and m2.message_id == m.message_id
    assert not q.delete(m.receipt_handle, 31)  # stale handle
    assert q.delete(m2.receipt_handle, 31)
    assert len(q) == 0 and q.stats.deleted == 1


def test_long_poll_waits_for_the_next_visible_message():
    q = StandardQueue("q", delay_s=5)
    q.send("a", 0)
    res = q.receive(1, wait_time_s=20)
    assert res.returned_at == 5 and res.messages[0].body == "a"
    empty = q.receive(6, wait_time_s=3)
    assert empty.returned_at == 9 and len(empty) == 0


def test_short_poll_can_return_false_empties():
    q = StandardQueue("q", servers=8, seed=1)
    q.send("only", 0)
    results = [len(q.receive(1 + i * 0.01, wait_time_s=0, visibility_timeout_s=0))
               for i in range(40)]
    assert 0 in results and 1 in results


def test_change_visibility_restarts_from_the_call_and_caps_at_12_hours():
    q = StandardQueue("q", visibility_timeout_s=30)
    q.send("a", 0)
    m = long_poll(q, 0).messages[0]
    q.change_visibility(m.receipt_handle, 100, now=20)
    assert q.counts(110)["in_flight"] == 1 and q.counts(121)["visible"] == 1
    q2 = StandardQueue("q2")
    q2.send("b", 0)
    m = long_poll(q2, 0).messages[0]
    q2.change_visibility(m.receipt_handle, 0, now=1)  # visible at once
    assert q2.counts(1)["visible"] == 1
    m = long_poll(q2, 1).messages[0]
    q2.change_visibility(m.receipt_handle, 43_000, now=2)
    with pytest.raises(ValueError, match="12 hours"):
        q2.change_visibility(m.receipt_handle, 43_200, now=3)


def test_dead_letter_after_max_receive_count():
    dlq = StandardQueue("dlq", retention_s=14 * 86400)
    q = StandardQueue("q", visibility_timeout_s=10, dead_letter_queue=dlq, max_receive_count=3)
    q.send("poison", 0)
    seen = []
    t = 0.0
    for _ in range(6):
        res = q.receive(t, wait_time_s=1)
        seen.extend(m.receive_count for m in res)
        t += 11
    assert seen == [1, 2, 3]  # the consumer sees it N times
    assert len(q) == 0 and len(dlq) == 1 and q.stats.moved_to_dlq == 1


def test_dlq_keeps_original_enqueue_time_for_retention():
    dlq = StandardQueue("dlq", retention_s=4 * 86400)
    q = StandardQueue("q", visibility_timeout_s=0, dead_letter_queue=dlq, max_receive_count=1)
    q.send("x", 0)
    long_poll(q, 86400)  # one day later: first receive
    long_poll(q, 86401)  # moved
    assert len(dlq) == 1
    assert dlq.counts(86400 * 4 - 1)["visible"] == 1
    assert dlq.counts(86400 * 4)["visible"] == 0 and dlq.stats.expired == 1


def test_retention_expires_messages():
    q = StandardQueue("q", retention_s=60)
    q.send("a", 0)
    assert q.counts(59)["visible"] == 1
    assert q.counts(60)["visible"] == 0 and q.stats.expired == 1


def test_lost_deletes_cause_duplicate_deliveries():
    q = StandardQueue("q", visibility_timeout_s=1, duplicate_probability=1.0)
    q.send("a", 0)
    m = long_poll(q, 0).messages[0]
    assert q.delete(m.receipt_handle, 0.5)  # reported as success
    again = long_poll(q, 2).messages[0]
    assert again.receive_count == 2 and q.stats.lost_deletes == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"visibility_timeout_s": -1}, "visibility_timeout_s"),
    ({"visibility_timeout_s": 43_201}, "12 hours"),
    ({"retention_s": 30}, "retention_s"),
    ({"delay_s": 901}, "delay_s"),
    ({"receive_wait_s": 21}, "receive_wait_s"),
    ({"max_receive_count": 3}, "go together"),
    ({"duplicate_probability": 1.5}, "duplicate_probability"),
])
def test_bad_queue_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        StandardQueue("q", **kwargs)


def test_bad_receive_arguments_and_time_going_backwards():
    q = StandardQueue("q")
    with pytest.raises(ValueError, match="max_messages"):
        q.receive(0, max_messages=11)
    with pytest.raises(ValueError, match="wait_time_s"):
        q.receive(0, wait_time_s=25)
    q.receive(10, wait_time_s=0)
    with pytest.raises(ValueError, match="backwards"):
        q.send("x", 5)
    with pytest.raises(ValueError, match="same type"):
        StandardQueue("s", dead_letter_queue=FifoQueue("d.fifo"), max_receive_count=2)


# --- FIFO -----------------------------------------------------------------------------------

def test_fifo_group_order_and_in_flight_blocking():
    q = FifoQueue("q.fifo", content_based_deduplication=True)
    for i in range(3):
        q.send(f"a{i}", 0, group_id="A")
        q.send(f"b{i}", 0, group_id="B")
    first = q.receive(1, max_messages=2)
    assert [m.body for m in first] == ["a0", "a1"]  # fills from one group first
    second = q.receive(1, max_messages=10)
    assert [m.body for m in second] == ["b0", "b1", "b2"]  # A is blocked while a0/a1 in flight
    for m in first:
        q.delete(m.receipt_handle, 2)
    assert [m.body for m in q.receive(2, max_messages=10)] == ["a2"]


def test_fifo_poison_message_blocks_its_group_until_dlq():
    dlq = FifoQueue("dlq.fifo")
    q = FifoQueue("q.fifo", visibility_timeout_s=10, dead_letter_queue=dlq, max_receive_count=2)
    q.send("poison", 0, group_id="A", dedup_id="1")
    q.send("next", 0, group_id="A", dedup_id="2")
    q.send("other", 0, group_id="B", dedup_id="3")
    assert [m.body for m in q.receive(0, max_messages=1)] == ["poison"]
    assert [m.body for m in q.receive(0, max_messages=10)] == ["other"]  # A blocked
    assert [m.body for m in q.receive(5, max_messages=10)] == []  # A blocked by in-flight poison
    assert [m.body for m in q.receive(10, max_messages=1)] == ["poison"]
    assert [m.body for m in q.receive(20, max_messages=1)] == ["next"]  # poison moved
    assert len(dlq) == 1


def test_fifo_deduplication_window_survives_delete():
    q = FifoQueue("q.fifo")
    assert q.send("x", 0, group_id="g", dedup_id="d1").enqueued
    m = q.receive(1).messages[0]
    q.delete(m.receipt_handle, 2)
    assert not q.send("x", 299, group_id="g", dedup_id="d1").enqueued
    assert q.send("x", 300, group_id="g", dedup_id="d1").enqueued  # window passed
    assert q.stats.deduplicated == 1


def test_fifo_content_based_dedup_uses_body_only():
    q = FifoQueue("q.fifo", content_based_deduplication=True)
    q.send("same", 0, group_id="g", attributes={"a": "1"})
    assert not q.send("same", 1, group_id="h", attributes={"a": "2"}).enqueued
    assert q.remembers(hashlib.sha256(b"same").hexdigest(), 2)
    assert q.send("same", 2, group_id="g", dedup_id="explicit").enqueued  # explicit overrides


def test_fifo_requires_group_and_dedup():
    with pytest.raises(ValueError, match=".fifo"):
        FifoQueue("plain")
    q = FifoQueue("q.fifo")
    with pytest.raises(ValueError, match="dedup_id is required"):
        q.send("x", 0, group_id="g")
    with pytest.raises(ValueError, match="group_id"):
        q.send("x", 0, group_id="", dedup_id="1")


# --- conservation properties ------------------------------------------------------------------

ops = st.lists(st.tuples(st.sampled_from(["send", "receive", "delete", "tick", "vis0"]),
                         st.integers(0, 9), st.floats(0, 40)), max_size=60)


def _check_conservation(q, dlq, now):
    c, d = q.counts(now), dlq.counts(now)
    in_q = c["visible"] + c["in_flight"] + c["delayed"]
    in_dlq = d["visible"] + d["in_flight"] + d["delayed"]
    assert q.stats.sent == (q.stats.deleted + in_q + q.stats.moved_to_dlq + q.stats.expired)
    assert dlq.stats.redriven_in == in_dlq + dlq.stats.deleted + dlq.stats.expired
    assert q.stats.moved_to_dlq == dlq.stats.redriven_in
    # sent = deleted + in flight + visible + in DLQ + expired
    assert q.stats.sent == (q.stats.deleted + in_q + in_dlq + q.stats.expired
                            + dlq.stats.expired + dlq.stats.deleted)


@settings(max_examples=150, deadline=None)
@given(ops, st.integers(1, 4), st.floats(0, 0.5))
def test_standard_queue_never_loses_a_message(steps, max_receive, dup):
    dlq = StandardQueue("dlq", retention_s=60)
    q = StandardQueue("q", visibility_timeout_s=5, retention_s=120, dead_letter_queue=dlq,
                      max_receive_count=max_receive, duplicate_probability=dup, seed=3)
    now, handles = 0.0, []
    for op, k, dt in steps:
        if op == "send":
            q.send(f"m{k}", now, delay_s=k % 3)
        elif op == "receive":
            res = q.receive(now, max_messages=1 + k, wait_time_s=k % 2)
            now = res.returned_at
            handles.extend(m.receipt_handle for m in res)
        elif op == "delete" and handles:
            q.delete(handles.pop(k % len(handles)), now)
        elif op == "vis0" and handles:
            try:
                q.change_visibility(handles[k % len(handles)], 0, now)
            except ValueError:
                pass
        else:
            now += dt
        _check_conservation(q, dlq, now)


@settings(max_examples=150, deadline=None)
@given(ops, st.integers(1, 3))
def test_fifo_queue_never_loses_a_message_and_keeps_group_order(steps, max_receive):
    dlq = FifoQueue("dlq.fifo", retention_s=60)
    q = FifoQueue("q.fifo", visibility_timeout_s=5, retention_s=120, dead_letter_queue=dlq,
                  max_receive_count=max_receive, content_based_deduplication=True)
    now, handles, sent = 0.0, [], 0
    delivered: dict[str, list[int]] = {}
    for op, k, dt in steps:
        if op == "send":
            sent += 1
            q.send(f"{k % 2}:{sent}", now, group_id=str(k % 2))
        elif op == "receive":
            res = q.receive(now, max_messages=1 + k)
            for m in res:
                group, n = m.body.split(":")
                delivered.setdefault(group, []).append(int(n))
                handles.append(m.receipt_handle)
        elif op == "delete" and handles:
            q.delete(handles.pop(k % len(handles)), now)
        else:
            now += dt
        _check_conservation(q, dlq, now)
    for seq in delivered.values():
        # a later message is never delivered before an earlier one is gone: first deliveries
        # appear in send order
        firsts = list(dict.fromkeys(seq))
        assert firsts == sorted(firsts)
