"""Messaging: EventBridge patterns, an event bus, SQS queues, SNS topics and a Kinesis-like stream.

Patterns (EventBridge semantics)
    matches, validate_pattern, explain_match, InvalidEventPattern, MatchExplanation
Event bus
    EventBus, Target, InputTransformer, RetryPolicy, TargetError, DeliveryRecord
Queues (SQS)
    StandardQueue, FifoQueue, ReceivedMessage, ReceiveResult, SendResult, QueueStats
Topics (SNS)
    Topic, Subscription, Delivery, matches_filter_policy, attribute_view
Streams (Kinesis)
    Stream, Record, GetRecordsResult, ProvisionedThroughputExceeded, shard_for_key
Choosing a channel (SQS, SNS, EventBridge, Kinesis, Kafka)
    ChannelConfig, run_channel (labkit.messaging.channels)
Scenarios (for the notebooks)
    ConsumerConfig, simulate_consumers (labkit.messaging.scenarios); figures in
    labkit.messaging.plots, explorer callbacks in labkit.messaging.explorers
"""

from labkit.messaging.bus import (
    DeliveryRecord,
    EventBus,
    InputTransformer,
    RetryPolicy,
    Target,
    TargetError,
)
from labkit.messaging.patterns import (
    InvalidEventPattern,
    MatchExplanation,
    explain_match,
    matches,
    validate_pattern,
)
from labkit.messaging.queue import (
    FifoQueue,
    QueueStats,
    ReceivedMessage,
    ReceiveResult,
    SendResult,
    StandardQueue,
)
from labkit.messaging.stream import (
    GetRecordsResult,
    ProvisionedThroughputExceeded,
    Record,
    Stream,
    shard_for_key,
)
from labkit.messaging.topic import (
    Delivery,
    Subscription,
    Topic,
    attribute_view,
    matches_filter_policy,
)

__all__ = [
    # patterns
    "InvalidEventPattern", "MatchExplanation", "explain_match", "matches", "validate_pattern",
    # event bus
    "DeliveryRecord", "EventBus", "InputTransformer", "RetryPolicy", "Target", "TargetError",
    # queues
    "FifoQueue", "QueueStats", "ReceiveResult", "ReceivedMessage", "SendResult", "StandardQueue",
    # topics
    "Delivery", "Subscription", "Topic", "attribute_view", "matches_filter_policy",
    # streams
    "GetRecordsResult", "ProvisionedThroughputExceeded", "Record", "Stream", "shard_for_key",
]
