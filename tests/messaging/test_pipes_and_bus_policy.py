"""EventBridge Pipes (filter, enrichment, order) and cross-account bus resource policies.

Pipes: a filter criteria holds at most 5 patterns and matches the SQS message's ``body`` or the
Kinesis record's ``data`` (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html);
an ordered source keeps its order to the target
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-source.html).
Bus policies: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html.
"""

import json

import pytest

from labkit.messaging import FifoQueue, InvalidEventPattern, StandardQueue, Stream
from labkit.messaging.bus_policy import bus_accepts
from labkit.messaging.pipes import Pipe


def test_pipe_filters_enriches_and_removes_what_it_read():
    q, out = StandardQueue("payments", servers=1), StandardQueue("workflow")
    for i, status in enumerate(["SETTLED", "PENDING", "SETTLED", "FAILED"]):
        q.send(json.dumps({"id": i, "status": status}), now=0.0)
    pipe = Pipe(q, out, filters=[{"body": {"status": ["SETTLED"]}},
                                 {"body": {"status": ["FAILED"]}}],
                enrichment=lambda events: [{**e["body"], "tier": "gold"} for e in events])
    batch = pipe.poll(now=1.0)
    assert (batch.received, batch.filtered_out, batch.delivered) == (4, 1, 3)
    assert len(q) == 0  # the filtered-out message is removed too
    got = [json.loads(m.body) for m in out.receive(2.0, max_messages=10, wait_time_s=1).messages]
    assert sorted(e["id"] for e in got) == [0, 2, 3] and all(e["tier"] == "gold" for e in got)


def test_pipe_keeps_the_order_of_an_ordered_source():
    fifo, seen = FifoQueue("orders.fifo"), []
    for i in range(6):
        fifo.send(json.dumps({"n": i}), now=0.0, group_id="o-1", dedup_id=str(i))
    pipe = Pipe(fifo, lambda events, now: seen.extend(e["body"]["n"] for e in events))
    for t in range(6):
        pipe.poll(now=1.0 + t)
    assert seen == list(range(6))


def test_pipe_reads_a_kinesis_shard_and_filters_on_data():
    s, seen = Stream("clicks"), []
    for i in range(5):
        s.put_record("user-1", {"n": i, "kind": "buy" if i % 2 else "view"}, now=float(i))
    pipe = Pipe((s, 0), lambda events, now: seen.extend(e["data"]["n"] for e in events),
                filters=[{"data": {"kind": ["buy"]}}], batch_size=100)
    assert pipe.poll(now=10.0).delivered == 2 and seen == [1, 3]


def test_pipe_refuses_bad_configurations():
    q = StandardQueue("q")
    with pytest.raises(ValueError, match="at most 5"):
        Pipe(q, q, filters=[{"body": {"a": ["x"]}}] * 6)
    with pytest.raises(InvalidEventPattern):
        Pipe(q, q, filters=[{"body": {"a": "x"}}])
    with pytest.raises(ValueError, match="batch_size"):
        Pipe(q, q, batch_size=11)
    with pytest.raises(TypeError, match="source"):
        Pipe("queue", q)


ARN = "arn:aws:events:us-east-1:123456789012:event-bus/central-orders"
ORG_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "OrgPut", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
     "Resource": ARN,
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"},
                   "ForAllValues:StringEquals": {"events:source": ["shop.orders"]}}},
    {"Sid": "NoTestAccount", "Effect": "Deny", "Principal": {"AWS": "999999999999"},
     "Action": "events:*", "Resource": "*"}]}


@pytest.mark.parametrize(("account", "org", "source", "allowed", "reason"), [
    ("111111111111", "o-abc", "shop.orders", True, "ALLOWED"),
    ("222222222222", "o-abc", "shop.orders", True, "ALLOWED"),  # a new account: no change
    ("111111111111", "o-other", "shop.orders", False, "IMPLICIT_DENY"),
    ("111111111111", None, "shop.orders", False, "IMPLICIT_DENY"),
    ("111111111111", "o-abc", "shop.payments", False, "IMPLICIT_DENY"),
    ("999999999999", "o-abc", "shop.orders", False, "EXPLICIT_DENY"),
    ("123456789012", None, "anything", True, "SAME_ACCOUNT"),
])
def test_bus_policy_decisions(account, org, source, allowed, reason):
    d = bus_accepts(ORG_POLICY, bus_arn=ARN, account=account, org_id=org, source=source,
                    detail_type="OrderPlaced")
    assert (d.allowed, d.reason) == (allowed, reason)


def test_bus_policy_refuses_what_it_cannot_evaluate():
    bad = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
                          "Resource": ARN,
                          "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
    with pytest.raises(ValueError, match="IpAddress"):
        bus_accepts(bad, bus_arn=ARN, account="111111111111", source="s", detail_type="d")
    with pytest.raises(ValueError, match="bus_arn"):
        bus_accepts(ORG_POLICY, bus_arn="arn:aws:sqs:us-east-1:1:q", account="1", source="s",
                    detail_type="d")
