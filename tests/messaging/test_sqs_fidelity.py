"""SQS behaviours the queue model must share with AWS, each test citing the page it follows
(pages checked 2026-12-03)."""

from __future__ import annotations

import pytest

from labkit.messaging import FifoQueue, StandardQueue
from labkit.messaging.queue import DEFAULT_MESSAGE_SIZE_LIMIT, message_size


def _poison(queue, dlq_name, *, fifo):
    extra = {} if fifo else {"servers": 1}  # one server: no false-empty short polls
    kind = FifoQueue if fifo else StandardQueue
    dlq = kind(dlq_name, retention_s=4 * 86400, **extra)
    q = kind(queue, dead_letter_queue=dlq, max_receive_count=1, visibility_timeout_s=10,
             retention_s=4 * 86400, **extra)
    if fifo:
        q.send("poison", now=0, group_id="g", dedup_id="d1")
    else:
        q.send("poison", now=0)
    return q, dlq


def test_fifo_dead_letter_queue_resets_the_enqueue_time():
    """SQS Developer Guide, *Setting-up dead-letter queue retention*
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html):
    for standard queues the enqueue timestamp is unchanged by the move, so a message that
    spent 1 day in the source is deleted from a 4-day DLQ after 3 more days; for FIFO queues
    the enqueue timestamp resets, so it lives the DLQ's full 4 days."""
    day = 86400.0
    for fifo, name in ((False, "orders"), (True, "orders.fifo")):
        q, dlq = _poison(name, "dlq.fifo" if fifo else "dlq", fifo=fifo)
        assert len(q.receive(now=1.0)) == 1
        assert len(q.receive(now=day)) == 0          # second receive moves it to the DLQ
        assert len(dlq) == 1
        moved_at_send = dlq.receive(now=day + 1).messages[0].sent_at
        assert moved_at_send == (day if fifo else 0.0)
        dlq.counts(now=4 * day + 1)                  # 4 days after the original send
        assert len(dlq) == (1 if fifo else 0)
        dlq.counts(now=5 * day + 1)                  # 4 days after the move
        assert len(dlq) == 0


def test_delete_with_an_expired_fifo_receipt_handle_fails():
    """AWS Knowledge Center, *ReceiptHandleIsInvalid or InvalidParameterValue errors*
    (https://repost.aws/knowledge-center/sqs-receipt-handle-error): a receipt handle expires
    with the visibility timeout; an old handle may still work on a standard queue, but a
    delete with an expired handle fails ("The receipt handle has expired"), which is what FIFO
    queues do. The API reference's DeleteMessage page
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html)
    says to use the handle of the most recent receive."""
    fifo = FifoQueue("jobs.fifo", visibility_timeout_s=10)
    fifo.send("a", now=0, group_id="g", dedup_id="a")
    handle = fifo.receive(now=0).messages[0].receipt_handle
    assert fifo.delete(handle, now=11) is False       # visibility timeout passed: expired
    assert len(fifo) == 1
    again = fifo.receive(now=12).messages[0]
    assert fifo.delete(again.receipt_handle, now=13) is True and len(fifo) == 0

    std = StandardQueue("jobs", visibility_timeout_s=10, servers=1)
    std.send("a", now=0)
    handle = std.receive(now=0).messages[0].receipt_handle
    assert std.delete(handle, now=11) is True and len(std) == 0


def test_long_poll_keeps_waiting_when_a_message_goes_to_the_dlq():
    """SQS Developer Guide, *Amazon SQS short and long polling*
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html):
    a long poll returns as soon as a message is available and otherwise waits until the wait
    time expires. A message that becomes visible but is moved to the dead-letter queue is not
    available to the consumer, so the poll waits on for the next one."""
    dlq = StandardQueue("dlq", servers=1)
    q = StandardQueue("work", dead_letter_queue=dlq, max_receive_count=1, visibility_timeout_s=5,
                      servers=1)
    q.send("poison", now=0)
    assert len(q.receive(now=0)) == 1                 # in flight until t = 5
    q.send("good", now=1, delay_s=7)                  # visible at t = 8
    result = q.receive(now=2, wait_time_s=20)         # t = 5: poison moves to the DLQ
    assert [m.body for m in result] == ["good"] and result.returned_at == 8
    assert len(dlq) == 1

    dlq = FifoQueue("dlq.fifo")
    q = FifoQueue("work.fifo", dead_letter_queue=dlq, max_receive_count=1, visibility_timeout_s=5)
    q.send("poison", now=0, group_id="g", dedup_id="p")
    assert len(q.receive(now=0)) == 1                 # in flight until t = 5
    q.send("good", now=1, group_id="g", dedup_id="ok")  # behind it in the same group
    result = q.receive(now=2, wait_time_s=20)         # t = 5: poison moves, good is next
    assert [m.body for m in result] == ["good"] and result.returned_at == 5
    assert len(dlq) == 1


def test_long_poll_does_not_move_the_queue_clock():
    """SQS Developer Guide, *Amazon SQS short and long polling*
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html):
    a long poll is one consumer waiting; producers keep sending meanwhile. A poll at t = 0 that
    waits 20 s must not make a send at t = 5 fail."""
    for q, extra in ((StandardQueue("q", servers=1), {}),
                     (FifoQueue("q.fifo", content_based_deduplication=True), {"group_id": "g"})):
        result = q.receive(now=0, wait_time_s=20)
        assert len(result) == 0 and result.returned_at == 20
        q.send("late", now=5, **extra)
        assert [m.body for m in q.receive(now=6, wait_time_s=1)] == ["late"]


def test_maximum_message_size_is_enforced():
    """SQS API Reference, *SetQueueAttributes* / *SendMessage*
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html):
    ``MaximumMessageSize`` is 1,024 bytes (1 KiB) to 1,048,576 bytes (1 MiB), default 262,144
    (256 KiB); a larger message is rejected. The body and the message attributes count."""
    q = StandardQueue("q")
    assert q.maximum_message_size == DEFAULT_MESSAGE_SIZE_LIMIT == 262_144
    q.send("x" * 262_144, now=0)
    with pytest.raises(ValueError, match="maximum_message_size"):
        q.send("x" * 10_000_000, now=0)
    with pytest.raises(ValueError, match="262,144"):
        q.send("x" * 262_000, now=0, attributes={"note": "y" * 200})
    big = FifoQueue("big.fifo", maximum_message_size=1_048_576, content_based_deduplication=True)
    big.send("é" * 524_288, now=0, group_id="g")            # 1 MiB of UTF-8 exactly
    with pytest.raises(ValueError, match="1,048,576"):
        big.send("é" * 524_289, now=0, group_id="g")
    for bad in (1023, 1_048_577):
        with pytest.raises(ValueError, match="maximum_message_size"):
            StandardQueue("q", maximum_message_size=bad)
    assert message_size("ab", {"k": 12}) == 5


def test_bad_queue_arguments_name_the_parameter():
    with pytest.raises(TypeError, match="name"):
        FifoQueue(None)
    with pytest.raises(TypeError, match="body"):
        StandardQueue("q").send(b"bytes", now=0)
    with pytest.raises(ValueError, match="body"):
        StandardQueue("q").send("", now=0)
