"""SNS-style topics: fan-out to subscriptions, each with an optional filter policy.

A :class:`Topic` delivers one copy of every published message to each subscription whose filter
policy matches (no policy = every message). Filter policies use the EventBridge operators with
SNS's limits (SNS Developer Guide, "Filter policy constraints",
https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html): no
wildcard, ``anything-but`` only as a literal, list or prefix, at most 5 keys and 150 value
combinations.

* ``scope="MessageAttributes"`` (default): the policy is flat and compares message attributes.
  Only ``String``, ``String.Array`` (a JSON array, matched per element) and ``Number`` attributes
  count; ``Binary`` ones are ignored. A ``String`` ``"300"`` is not a number.
* ``scope="MessageBody"``: the policy nests like an event pattern over the JSON body; a body that
  is not a JSON object matches nothing.

Arrays use EventBridge's per-element rule, including for ``anything-but`` (AWS's SNS pages
disagree with each other there).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labkit.core.validation import check_choice, check_finite
from labkit.messaging.patterns import InvalidEventPattern, validate_pattern
from labkit.messaging.patterns.matching import _matches_prepared, _split_dotted
from labkit.messaging.queue import FifoQueue, StandardQueue

__all__ = ["Delivery", "Subscription", "Topic", "attribute_view", "matches_filter_policy"]

SCOPES = ("MessageAttributes", "MessageBody")


def attribute_view(attributes: dict[str, Any]) -> dict[str, Any]:
    """Turn SNS message attributes into the values a filter policy compares.

    Each attribute is ``{"Type": "String" | "String.Array" | "Number" | "Binary", "Value": ...}``
    or a plain Python value (str -> String, int/float -> Number, list -> String.Array).

    >>> attribute_view({"store": "north", "price": {"Type": "Number", "Value": "9.5"},
    ...                 "tags": {"Type": "String.Array", "Value": '["a", "b"]'}})
    {'store': 'north', 'price': 9.5, 'tags': ['a', 'b']}
    """
    view: dict[str, Any] = {}
    for name, attr in attributes.items():
        if isinstance(attr, dict) and "Type" in attr:
            kind, value = attr["Type"], attr.get("Value")
            if kind == "String":
                view[name] = str(value)
            elif kind == "Number":
                try:
                    view[name] = float(value)
                except (TypeError, ValueError):
                    raise ValueError(f"attribute {name!r}: a Number attribute needs a numeric "
                                     f"Value, got {value!r}") from None
            elif kind == "String.Array":
                parsed = json.loads(value) if isinstance(value, str) else value
                if not isinstance(parsed, list):
                    raise ValueError(f"attribute {name!r}: String.Array must be a JSON array")
                view[name] = parsed
            elif kind == "Binary":
                continue
            else:
                raise ValueError(f"attribute {name!r}: Type must be String, String.Array, Number "
                                 f"or Binary, got {kind!r}")
        elif isinstance(attr, bool):
            view[name] = str(attr).lower()
        elif isinstance(attr, (str, int, float, list)):
            view[name] = attr
        else:
            raise TypeError(f"attribute {name!r} has unsupported value {attr!r}")
    return view


def _check_flat(policy: dict) -> None:
    for key, value in policy.items():
        if key == "$or" and isinstance(value, list):
            for branch in value:
                if isinstance(branch, dict):
                    _check_flat(branch)
        elif isinstance(value, dict):
            raise InvalidEventPattern(
                f'Filter policy for MessageAttributes scope must be flat; "{key}" is nested')


def matches_filter_policy(policy: Any, *, attributes: dict | None = None, body: Any = None,
                          scope: str = "MessageAttributes") -> bool:
    """Return True when a message passes the SNS filter ``policy`` (None = always).

    Examples
    --------
    >>> matches_filter_policy({"store": ["north"]}, attributes={"store": "north"})
    True
    >>> matches_filter_policy({"price": [{"numeric": [">", 5]}]}, attributes={"price": "9"})
    False
    >>> matches_filter_policy({"kind": ["refund"]}, body='{"kind": "refund"}', scope="MessageBody")
    True
    """
    check_choice("scope", scope, SCOPES)
    if policy is None:
        return True
    checked = validate_pattern(policy, dialect="sns")
    if scope == "MessageAttributes":
        _check_flat(checked)
        return _matches_prepared(checked, attribute_view(attributes or {}))
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except json.JSONDecodeError:
            return False
    if not isinstance(body, dict):
        return False
    return _matches_prepared(_split_dotted(checked), body)


@dataclass(frozen=True)
class Subscription:
    """A subscriber: a queue or a callable ``(message_body, attributes) -> None``."""

    name: str
    endpoint: StandardQueue | FifoQueue | Callable[[str, dict], None]
    filter_policy: dict | None = None
    scope: str = "MessageAttributes"


@dataclass(frozen=True)
class Delivery:
    """One message offered to one subscription: whether its policy let it through."""

    time_s: float
    message_id: str
    subscription: str
    delivered: bool


class Topic:
    """An SNS topic: ``subscribe`` endpoints with filter policies, then ``publish``.

    Examples
    --------
    >>> from labkit.messaging.queue import StandardQueue
    >>> topic = Topic("orders")
    >>> fraud, all_orders = StandardQueue("fraud"), StandardQueue("audit")
    >>> topic.subscribe("fraud", fraud, filter_policy={"total": [{"numeric": [">=", 1000]}]})
    >>> topic.subscribe("audit", all_orders)
    >>> [d.subscription for d in topic.publish('{"id": 1}', now=0, attributes={"total": 20})
    ...  if d.delivered]
    ['audit']
    """

    def __init__(self, name: str):
        if not isinstance(name, str) or not name:
            raise ValueError("name must be a non-empty string")
        self.name = name
        self.subscriptions: list[Subscription] = []
        self.deliveries: list[Delivery] = []
        self._published = 0

    def subscribe(self, name: str, endpoint: Any, *, filter_policy: Any = None,
                  scope: str = "MessageAttributes") -> None:
        """Add a subscription; the filter policy is validated now, as SNS does."""
        check_choice("scope", scope, SCOPES)
        if any(s.name == name for s in self.subscriptions):
            raise ValueError(f"subscription {name!r} already exists on topic {self.name!r}")
        if not (isinstance(endpoint, (StandardQueue, FifoQueue)) or callable(endpoint)):
            raise TypeError("endpoint must be a StandardQueue, FifoQueue or a callable")
        policy = None
        if filter_policy is not None:
            policy = validate_pattern(filter_policy, dialect="sns")
            if scope == "MessageAttributes":
                _check_flat(policy)
        self.subscriptions.append(Subscription(name, endpoint, policy, scope))

    def publish(self, body: str, now: float, *, attributes: dict | None = None,
                group_id: str | None = None) -> list[Delivery]:
        """Offer ``body`` to every subscription; deliver a copy where the policy matches."""
        t = check_finite("now", now)
        if not isinstance(body, str):
            raise TypeError("body must be a string (publish JSON text for structured data)")
        self._published += 1
        message_id = f"{self.name}-msg-{self._published:06d}"
        attributes = dict(attributes or {})
        out = []
        for sub in self.subscriptions:
            ok = matches_filter_policy(sub.filter_policy, attributes=attributes, body=body,
                                       scope=sub.scope)
            if ok:
                endpoint = sub.endpoint
                if isinstance(endpoint, FifoQueue):
                    endpoint.send(body, t, group_id=group_id or "default", dedup_id=message_id,
                                  attributes=attributes)
                elif isinstance(endpoint, StandardQueue):
                    endpoint.send(body, t, attributes=attributes)
                else:
                    endpoint(body, attributes)
            delivery = Delivery(t, message_id, sub.name, ok)
            out.append(delivery)
            self.deliveries.append(delivery)
        return out
