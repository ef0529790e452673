"""One event stream through SQS, SNS, EventBridge, Kinesis and a Kafka topic.

Published behaviour checked: SQS standard queues are at-least-once with best-effort order
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html);
a Kinesis shard keeps a partition key's records in order and keeps them 24 hours by default
(https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html); an EventBridge
archive (Custom Event Bus - Classic) keeps events indefinitely by default for replay
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html); a rule has at most 5
targets (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html); a Custom Event
Bus FIFO subscriber delivers in publish order within an event group and the bus retains events
for a set period (1 day when none is set) that a subscriber created at the HORIZON starting
position reads from its earliest retained event
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-ordering.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-create.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-replay.html).
"""

import pytest

from labkit.core.runner import compare
from labkit.messaging.channels import ChannelConfig, run_channel

SMALL = ChannelConfig(n_orders=120, arrival_rate=0.0017, late_join_s=20 * 3600.0, seed=3)


@pytest.fixture(scope="module")
def table():
    return compare(run_channel, SMALL, {c: {"channel": c} for c in
                                        ("sqs", "sns", "eventbridge", "eventbridge_fifo",
                                         "kinesis", "msk")})


def test_only_the_queue_makes_applications_compete(table):
    assert table.loc["sqs", "apps_reached_per_event"] < 1.1
    for channel in ("sns", "eventbridge", "eventbridge_fifo", "kinesis", "msk"):
        assert table.loc[channel, "apps_reached_per_event"] == 3.0


def test_streams_keep_each_key_in_order_and_queues_do_not(table):
    assert table.loc["kinesis", "out_of_order_deliveries"] == 0
    assert table.loc["msk", "out_of_order_deliveries"] == 0
    assert table.loc["sqs", "out_of_order_deliveries"] > 0
    assert table.loc["sns", "duplicate_deliveries"] > 0


def test_replay_depends_on_what_the_channel_keeps(table):
    assert table.loc["sns", "history_share_for_new_app"] == 0.0
    assert table.loc["sqs", "history_share_for_new_app"] == 0.0  # consumed means deleted
    assert table.loc["eventbridge", "history_share_for_new_app"] == 1.0  # the archive
    assert table.loc["msk", "history_share_for_new_app"] == 1.0  # 7 days > 20 hours
    assert table.loc["kinesis", "history_share_for_new_app"] == 1.0  # 20 h < 24 h


def test_a_custom_bus_fifo_subscriber_keeps_each_event_group_in_order_once():
    """FIFO subscribers deliver in publish order within an event group (the order id) into SQS
    FIFO queues deduplicated by event id; the Classic bus's rules into standard queues do not."""
    assert table_row_is_clean("eventbridge_fifo")
    assert not table_row_is_clean("eventbridge")


def table_row_is_clean(channel: str) -> bool:
    s = run_channel(SMALL.replace(channel=channel)).summary()
    return s["out_of_order_deliveries"] == 0 and s["duplicate_deliveries"] == 0


@pytest.mark.parametrize("channel", ["kinesis", "eventbridge_fifo"])
def test_a_new_reader_gets_only_what_is_still_retained(channel):
    """A Kinesis stream and a Custom Event Bus (the new subscriber at HORIZON) lose the history
    older than their default one-day retention, and keep all of it with a week set."""
    late = SMALL.replace(channel=channel, late_join_s=30 * 3600.0)  # events span ~20 h
    default = run_channel(late).summary()["history_share_for_new_app"]
    week = run_channel(late.replace(retention_h=168.0)).summary()["history_share_for_new_app"]
    assert 0 < default < 1 and week == 1.0


def test_a_custom_bus_defaults_to_the_documented_one_day_retention():
    assert ChannelConfig(channel="eventbridge_fifo").retention_s == 24 * 3600.0


def test_at_one_day_each_a_custom_bus_and_kinesis_keep_the_same_history():
    late = SMALL.replace(late_join_s=30 * 3600.0)
    bus = run_channel(late.replace(channel="eventbridge_fifo")).summary()
    kinesis = run_channel(late.replace(channel="kinesis")).summary()
    assert bus["history_share_for_new_app"] == kinesis["history_share_for_new_app"]



def test_more_applications_than_one_rule_can_target_still_all_get_every_event():
    s = run_channel(SMALL.replace(channel="eventbridge", subscribers=7, n_orders=20)).summary()
    assert s["apps_reached_per_event"] == 7.0


def test_same_seed_same_records_and_bad_input_named():
    a = run_channel(SMALL.replace(channel="sqs", n_orders=30))
    assert a.records.equals(run_channel(a.config).records)
    with pytest.raises(ValueError, match="channel"):
        ChannelConfig(channel="kafka")
    with pytest.raises(ValueError, match="retention_h"):
        ChannelConfig(channel="kinesis", retention_h=10)
    with pytest.raises(ValueError, match="Custom Event Bus"):
        ChannelConfig(channel="eventbridge_fifo", retention_h=10)
    with pytest.raises(ValueError, match="subscribers"):
        ChannelConfig(subscribers=0)
    with pytest.raises(TypeError, match="ChannelConfig"):
        run_channel({"channel": "sqs"})
