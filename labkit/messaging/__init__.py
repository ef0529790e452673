"""Messaging: EventBridge patterns, an event bus, SQS queues, SNS topics and a Kinesis-like stream.

Patterns (EventBridge semantics)
    matches, validate_pattern, explain_match, InvalidEventPattern
"""

from labkit.messaging.patterns import (
    InvalidEventPattern,
    MatchExplanation,
    explain_match,
    matches,
    validate_pattern,
)

__all__ = [
    # patterns
    "InvalidEventPattern", "MatchExplanation", "explain_match", "matches", "validate_pattern",
]
