"""An EventBridge-style event bus: rules with patterns, targets, input transformers and retries.

:class:`EventBus` routes each event put on it to every rule whose pattern matches
(:func:`labkit.messaging.patterns.matches` semantics; patterns are validated when the rule is
created). Each matching rule delivers to its targets independently.

Delivery to a target is a callable ``(payload, now) -> None`` (or a queue). A callable that raises
:class:`TargetError` failed retriably; the bus retries with exponential backoff and jitter until
it succeeds, the retry policy runs out (attempts or event age), and then sends the event to the
target's dead-letter queue if it has one, or drops it.

This is the Custom Event Bus - Classic (rules and targets). Default retry policy: **24 hours and
185 attempts**, the EventBridge User Guide's default for rule targets (*How EventBridge retries
delivering events*). A subscriber on the newer Custom Event Bus (subscribers instead of rules)
defaults to 5 attempts / 300 s (*Retry policies and dead-letter queues*, eb-custom-bus-retry);
pass ``RetryPolicy(maximum_retry_attempts=5, maximum_event_age_s=300)`` to see that.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from labkit.core.rng import make_rng
from labkit.core.validation import check_finite, check_int, check_positive
from labkit.messaging.patterns import validate_pattern
from labkit.messaging.patterns.matching import _matches_prepared, _split_dotted
from labkit.messaging.queue import FifoQueue, StandardQueue

__all__ = ["EventBus", "InputTransformer", "RetryPolicy", "Rule", "Target", "TargetError",
           "DeliveryRecord"]


class TargetError(Exception):
    """Raised by a target callable to signal a retriable delivery failure."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often the bus retries a failing target (defaults: 24 h, 185 retries)."""

    maximum_retry_attempts: int = 185
    maximum_event_age_s: float = 86_400.0
    base_delay_s: float = 1.0
    max_delay_s: float = 300.0

    def __post_init__(self):
        check_int("maximum_retry_attempts", self.maximum_retry_attempts, minimum=0, maximum=185)
        age = check_positive("maximum_event_age_s", self.maximum_event_age_s)
        if not 60 <= age <= 86_400:
            raise ValueError(f"maximum_event_age_s must be in [60, 86400], got {age!r}")
        check_positive("base_delay_s", self.base_delay_s)
        check_positive("max_delay_s", self.max_delay_s)


_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


@dataclass(frozen=True)
class InputTransformer:
    """EventBridge input transformation: JSON paths into names, names into a template.

    ``input_paths`` maps a name to a simple JSON path (``$.detail.order.id``); ``input_template``
    uses ``<name>``. Inside a JSON string a string value is inserted as text; elsewhere the value is
    inserted as JSON. ``<aws.events.event>`` inserts the whole event. A missing path gives null.

    Examples
    --------
    >>> t = InputTransformer({"id": "$.detail.id", "total": "$.detail.total"},
    ...                      '{"order": "<id>", "amount": <total>}')
    >>> t.apply({"detail": {"id": "o-1", "total": 12.5}})
    {'order': 'o-1', 'amount': 12.5}
    """

    input_paths: dict[str, str]
    input_template: str

    def __post_init__(self):
        if len(self.input_paths) > 100:
            raise ValueError("input_paths may hold at most 100 entries")
        for name, path in self.input_paths.items():
            if not isinstance(path, str) or not path.startswith("$"):
                raise ValueError(f"input_paths[{name!r}] must be a JSON path starting with '$', "
                                 f"got {path!r}")
        for name in _PLACEHOLDER.findall(self.input_template):
            if name not in self.input_paths and name not in ("aws.events.event",
                                                             "aws.events.rule-name"):
                raise ValueError(f"input_template uses <{name}>, which input_paths does not "
                                 "define")

    @staticmethod
    def _lookup(event: Any, path: str) -> Any:
        value = event
        for part in [p for p in path[1:].split(".") if p]:
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return None
        return value

    def apply(self, event: dict, rule_name: str = "") -> Any:
        """Return the transformed payload (parsed JSON if the result is JSON, else text)."""
        values = {name: self._lookup(event, path) for name, path in self.input_paths.items()}
        values["aws.events.event"] = event
        values["aws.events.rule-name"] = rule_name
        template = self.input_template

        def replace(m: re.Match) -> str:
            value = values[m.group(1)]
            before = re.sub(r'\\.', "", template[:m.start()])
            quoted = before.count('"') % 2 == 1  # inside a JSON string in the template
            if quoted and isinstance(value, str):
                return json.dumps(value)[1:-1]
            return json.dumps(value)

        text = _PLACEHOLDER.sub(replace, template)
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text


@dataclass
class Target:
    """Where a rule sends matching events.

    ``endpoint`` is a queue (the event is sent as JSON text) or a callable
    ``(payload, now) -> None`` that raises :class:`TargetError` to fail retriably.
    """

    target_id: str
    endpoint: Any
    input_transformer: InputTransformer | None = None
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    dead_letter_queue: StandardQueue | None = None

    def __post_init__(self):
        if not (isinstance(self.endpoint, (StandardQueue, FifoQueue)) or callable(self.endpoint)):
            raise TypeError("endpoint must be a StandardQueue, FifoQueue or callable")


@dataclass
class Rule:
    """A named pattern and its targets (up to 5, as on EventBridge)."""

    name: str
    pattern: dict
    targets: list[Target]
    _prepared: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery attempt of one event to one target."""

    event_id: str
    rule: str
    target: str
    attempt: int
    time_s: float
    outcome: str  # "delivered", "failed", "dead_lettered", "dropped"


class EventBus:
    """An event bus with rules; ``put_event`` routes and delivers, recording every attempt.

    Examples
    --------
    >>> bus = EventBus("shop")
    >>> shipped = []
    >>> bus.put_rule("to-shipping", {"detail-type": ["OrderPaid"]},
    ...              [Target("shipping", lambda payload, now: shipped.append(payload["id"]))])
    >>> bus.put_event({"source": "shop", "detail-type": "OrderPaid", "detail": {}}, now=0.0)
    ['to-shipping']
    >>> shipped
    ['shop-000001']
    """

    def __init__(self, name: str = "default", *, seed: int | np.random.Generator = 0):
        if not isinstance(name, str) or not name:
            raise ValueError("name must be a non-empty string")
        self.name = name
        self.rules: dict[str, Rule] = {}
        self.records: list[DeliveryRecord] = []
        self._rng = make_rng(seed)
        self._events = 0

    def put_rule(self, name: str, pattern: Any, targets: list[Target]) -> None:
        """Create or replace a rule; raises InvalidEventPattern for a pattern AWS refuses."""
        if not isinstance(name, str) or not re.fullmatch(r"[\w.\-]{1,64}", name):
            raise ValueError("name must be 1-64 characters of letters, digits, '.', '-', '_'")
        checked = validate_pattern(pattern)
        targets = list(targets)
        if len(targets) > 5:
            raise ValueError(f"a rule has at most 5 targets, got {len(targets)}")
        for t in targets:
            if not isinstance(t, Target):
                raise TypeError("targets must be Target objects")
        self.rules[name] = Rule(name, checked, targets, _split_dotted(checked))

    def matching_rules(self, event: dict) -> list[str]:
        """Names of the rules whose pattern matches ``event``, in creation order."""
        return [r.name for r in self.rules.values() if _matches_prepared(r._prepared, event)]

    def put_event(self, event: dict, now: float) -> list[str]:
        """Route one event (an envelope dict) and deliver it; return the matched rule names.

        The bus fills in ``id``, ``time`` (the simulated ``now``), ``account``, ``region`` and
        ``version`` if missing, like PutEvents.
        """
        t = check_finite("now", now)
        if not isinstance(event, dict):
            raise TypeError("event must be a dict (the event envelope)")
        for key in ("source", "detail-type"):
            if key not in event:
                raise ValueError(f"event needs a {key!r} field (PutEvents requires it)")
        self._events += 1
        full = {"version": "0", "id": f"{self.name}-{self._events:06d}",
                "account": "123456789012", "region": "us-east-1", "time": t,
                "resources": [], "detail": {}, **event}
        matched = self.matching_rules(full)
        for rule_name in matched:
            rule = self.rules[rule_name]
            for target in rule.targets:
                self._deliver(full, rule, target, t)
        return matched

    def _deliver(self, event: dict, rule: Rule, target: Target, now: float) -> None:
        payload = (target.input_transformer.apply(event, rule.name)
                   if target.input_transformer else event)
        policy = target.retry_policy
        t = now
        attempt = 0
        while True:
            attempt += 1
            try:
                self._send(target.endpoint, payload, t)
                self.records.append(DeliveryRecord(event["id"], rule.name, target.target_id,
                                                   attempt, t, "delivered"))
                return
            except TargetError:
                self.records.append(DeliveryRecord(event["id"], rule.name, target.target_id,
                                                   attempt, t, "failed"))
            delay = min(policy.max_delay_s, policy.base_delay_s * 2 ** (attempt - 1))
            delay *= float(self._rng.uniform(0.5, 1.0))  # jitter
            if attempt > policy.maximum_retry_attempts or \
                    t + delay - now > policy.maximum_event_age_s:
                break
            t += delay
        if target.dead_letter_queue is not None:
            target.dead_letter_queue.send(json.dumps(event), t, attributes={
                "RULE_ARN": rule.name, "TARGET_ARN": target.target_id,
                "ERROR_CODE": "TargetError"})
            outcome = "dead_lettered"
        else:
            outcome = "dropped"
        self.records.append(DeliveryRecord(event["id"], rule.name, target.target_id, attempt, t,
                                           outcome))

    @staticmethod
    def _send(endpoint: Any, payload: Any, now: float) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        if isinstance(endpoint, FifoQueue):
            digest = hashlib.sha256(text.encode()).hexdigest()
            endpoint.send(text, now, group_id="bus", dedup_id=digest)
        elif isinstance(endpoint, StandardQueue):
            endpoint.send(text, now)
        else:
            endpoint(payload, now)

    def to_frame(self):
        """Every delivery attempt as a DataFrame (one row per attempt)."""
        import pandas as pd

        return pd.DataFrame([r.__dict__ for r in self.records],
                            columns=["event_id", "rule", "target", "attempt", "time_s", "outcome"])

