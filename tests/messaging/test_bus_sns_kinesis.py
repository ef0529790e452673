"""Event bus routing and retries, SNS filter policies and fan-out, the Kinesis-like stream."""

import json

import pytest

from labkit.messaging import (
    EventBus,
    InputTransformer,
    InvalidEventPattern,
    ProvisionedThroughputExceeded,
    RetryPolicy,
    StandardQueue,
    Stream,
    Target,
    TargetError,
    Topic,
    matches_filter_policy,
)

# --- event bus --------------------------------------------------------------------------------


def order(kind, **detail):
    return {"source": "shop.orders", "detail-type": kind, "detail": detail}


def test_rules_route_the_same_event_to_different_consumers():
    bus = EventBus("shop")
    billing, shipping, audit = StandardQueue("billing"), StandardQueue("shipping"), StandardQueue(
        "audit")
    bus.put_rule("bill", {"detail-type": ["OrderPlaced"]}, [Target("billing", billing)])
    bus.put_rule("ship", {"detail-type": ["OrderPlaced"], "detail": {"express": [True]}},
                 [Target("shipping", shipping)])
    bus.put_rule("audit", {"source": [{"prefix": "shop."}]}, [Target("audit", audit)])
    assert bus.put_event(order("OrderPlaced", express=True), 0) == ["bill", "ship", "audit"]
    assert bus.put_event(order("OrderPlaced", express=1), 1) == ["bill", "audit"]
    assert (len(billing), len(shipping), len(audit)) == (2, 1, 2)


def test_bad_rule_pattern_is_refused_at_creation():
    bus = EventBus()
    with pytest.raises(InvalidEventPattern, match="must be an object or an array"):
        bus.put_rule("r", {"source": "shop"}, [])
    with pytest.raises(ValueError, match="at most 5 targets"):
        bus.put_rule("r", {"source": ["x"]}, [Target(str(i), StandardQueue(f"q{i}"))
                                               for i in range(6)])
    with pytest.raises(ValueError, match="detail-type"):
        bus.put_event({"source": "x"}, 0)


def test_input_transformer():
    t = InputTransformer({"id": "$.detail.id", "missing": "$.detail.nope"},
                         '{"text": "Order <id> placed", "m": <missing>}')
    assert t.apply(order("OrderPlaced", id="o-7")) == {"text": "Order o-7 placed", "m": None}
    with pytest.raises(ValueError, match="<who>"):
        InputTransformer({}, "hello <who>")


def test_retries_then_dead_letter_queue():
    dlq = StandardQueue("target-dlq")
    calls = []

    def flaky(payload, now):
        calls.append(now)
        raise TargetError("503")

    bus = EventBus(seed=1)
    bus.put_rule("r", {"source": ["shop.orders"]},
                 [Target("svc", flaky, retry_policy=RetryPolicy(maximum_retry_attempts=4,
                                                              maximum_event_age_s=3600),
                         dead_letter_queue=dlq)])
    bus.put_event(order("OrderPlaced"), 0)
    assert len(calls) == 5  # first try + 4 retries
    assert calls == sorted(calls) and calls[-1] > calls[1] > 0
    frame = bus.to_frame()
    assert list(frame["outcome"]) == ["failed"] * 5 + ["dead_lettered"]
    assert len(dlq) == 1


def test_retry_stops_at_event_age_and_default_policy_is_24h_185():
    assert RetryPolicy().maximum_retry_attempts == 185
    assert RetryPolicy().maximum_event_age_s == 86400
    calls = []

    def down(payload, now):
        calls.append(now)
        raise TargetError("down")

    bus = EventBus(seed=0)
    bus.put_rule("r", {"source": ["shop.orders"]},
                 [Target("svc", down, retry_policy=RetryPolicy(maximum_event_age_s=600))])
    bus.put_event(order("X"), 0)
    assert max(calls) <= 600 and bus.to_frame()["outcome"].iloc[-1] == "dropped"
    with pytest.raises(ValueError, match="maximum_event_age_s"):
        RetryPolicy(maximum_event_age_s=30)


def test_recovering_target_gets_the_event():
    state = {"n": 0}

    def recovers(payload, now):
        state["n"] += 1
        if state["n"] < 3:
            raise TargetError("busy")

    bus = EventBus()
    bus.put_rule("r", {"source": ["shop.orders"]}, [Target("svc", recovers)])
    bus.put_event(order("X"), 0)
    assert list(bus.to_frame()["outcome"]) == ["failed", "failed", "delivered"]


# --- SNS -------------------------------------------------------------------------------------


def test_sns_fan_out_with_attribute_filters():
    topic = Topic("orders")
    big, eu, everything = StandardQueue("big"), StandardQueue("eu"), StandardQueue("all")
    topic.subscribe("big", big, filter_policy={"total": [{"numeric": [">=", 100]}]})
    topic.subscribe("eu", eu, filter_policy={"region": [{"prefix": "eu-"}]})
    topic.subscribe("all", everything)
    topic.publish("o1", 0, attributes={"total": {"Type": "Number", "Value": "150"},
                                       "region": "us-east-1"})
    topic.publish("o2", 1, attributes={"total": {"Type": "String", "Value": "150"},
                                       "region": "eu-west-1"})
    assert (len(big), len(eu), len(everything)) == (1, 1, 2)


def test_sns_string_array_and_binary_attributes():
    tags = {"tags": {"Type": "String.Array", "Value": '["a", "b"]'}}
    assert matches_filter_policy({"tags": ["b"]}, attributes=tags)
    assert matches_filter_policy({"tags": [{"anything-but": ["a"]}]}, attributes=tags)
    assert not matches_filter_policy({"blob": [{"exists": True}]},
                                     attributes={"blob": {"Type": "Binary", "Value": "AAA="}})


def test_sns_payload_filtering():
    policy = {"order": {"total": [{"numeric": [">", 10]}]}}
    assert matches_filter_policy(policy, body=json.dumps({"order": {"total": 11}}),
                                 scope="MessageBody")
    assert not matches_filter_policy(policy, body="not json", scope="MessageBody")
    assert not matches_filter_policy(policy, body="[1]", scope="MessageBody")


def test_sns_refusals():
    topic = Topic("t")
    with pytest.raises(InvalidEventPattern, match="flat"):
        topic.subscribe("s", StandardQueue("q"), filter_policy={"a": {"b": ["x"]}})
    with pytest.raises(InvalidEventPattern, match="wildcard"):
        topic.subscribe("s", StandardQueue("q"), filter_policy={"a": [{"wildcard": "x*"}]})
    with pytest.raises(ValueError, match="scope"):
        topic.subscribe("s", StandardQueue("q"), scope="Body")


# --- stream -------------------------------------------------------------------------------------


def test_same_key_same_shard_in_order():
    s = Stream("s", shard_count=4)
    recs = [s.put_record("order-1", {"n": i}, now=i * 0.01) for i in range(20)]
    assert len({r.shard_id for r in recs}) == 1
    res = s.get_records(recs[0].shard_id, 0, now=1.0)
    assert [r.data["n"] for r in res.records] == list(range(20))


def test_write_limit_per_shard_per_second():
    s = Stream("s", shard_count=1, write_records_per_s=3)
    for i in range(3):
        s.put_record("k", i, now=0.1 * i)
    with pytest.raises(ProvisionedThroughputExceeded):
        s.put_record("k", 3, now=0.5)
    s.put_record("k", 3, now=1.0)  # next second
    assert s.throttled_writes == 1


def test_read_limit_and_iterator_age():
    s = Stream("s", shard_count=1, reads_per_s=2)
    for i in range(10):
        s.put_record("k", i, now=float(i))
    res = s.get_records(0, 0, now=10.0, limit=3)
    assert res.next_position == 3 and res.iterator_age_s == pytest.approx(10.0 - 2.0)
    s.get_records(0, 3, now=10.1, limit=100)
    with pytest.raises(ProvisionedThroughputExceeded):
        s.get_records(0, 3, now=10.2)
    done = s.get_records(0, 10, now=11.0)
    assert done.records == () and done.iterator_age_s == 0.0


def test_stream_argument_checks():
    with pytest.raises(ValueError, match="shard_count"):
        Stream("s", shard_count=0)
    s = Stream("s", shard_count=2)
    with pytest.raises(ValueError, match="shard_id"):
        s.get_records(2, 0, now=0)
    with pytest.raises(ValueError, match="partition_key"):
        s.put_record("", 1, now=0)


def test_batch_put_reports_throttled_entries_and_retention_trims():
    s = Stream("s", shard_count=1, write_records_per_s=2, retention_s=3600)
    got = s.put_records([("a", 1), ("b", 2), ("c", 3)], now=0.0)
    assert [r is None for r in got] == [False, False, True] and s.throttled_writes == 1
    s.put_record("d", 4, now=5000.0)
    res = s.get_records(0, 0, now=5000.0)
    assert [r.data for r in res.records] == [4] and s.expired_skipped == 2
    with pytest.raises(ValueError, match="retention_s"):
        Stream("s", retention_s=60)
