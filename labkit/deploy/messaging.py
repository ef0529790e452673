"""Event-driven stacks: an EventBridge bus with its rules, SQS and SNS targets and their
dead-letter queues (notebook 03), and the DynamoDB event store with its stream and projector
(notebook 04).

Built from the lab's own objects: each :class:`labkit.messaging.EventBus` rule becomes an
``AWS::Events::Rule`` whose ``EventPattern`` is the very pattern the bus matched with, each
:class:`labkit.messaging.StandardQueue` / ``FifoQueue`` an ``AWS::SQS::Queue`` with the same
visibility timeout, retention, delay, long-poll wait and redrive policy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from labkit.core.validation import check_int, check_nonnegative
from labkit.deploy.limits import require_at_most
from labkit.deploy.template import Template, get_att, logical_id, ref

__all__ = ["event_bus_template", "event_store_template", "queue_properties"]


def _seconds(value: float) -> int:
    return int(math.ceil(value))


def queue_properties(queue: Any) -> dict[str, Any]:
    """``AWS::SQS::Queue`` properties for a lab queue (the redrive target by logical id).

    >>> from labkit.messaging import StandardQueue
    >>> dlq = StandardQueue("orders-dlq")
    >>> props = queue_properties(StandardQueue("orders", visibility_timeout_s=4,
    ...                                        dead_letter_queue=dlq, max_receive_count=3))
    >>> props["VisibilityTimeout"], props["RedrivePolicy"]["maxReceiveCount"]
    (4, 3)
    """
    from labkit.messaging import FifoQueue, StandardQueue

    if not isinstance(queue, (StandardQueue, FifoQueue)):
        raise TypeError(f"queue must be a StandardQueue or FifoQueue, got {type(queue).__name__}")
    vt = require_at_most(f"{queue.name}: visibility_timeout_s", queue.visibility_timeout_s,
                         "sqs_visibility_timeout_max_s")
    props: dict[str, Any] = {
        "QueueName": queue.name + (".fifo" if queue.fifo and not queue.name.endswith(".fifo")
                                   else ""),
        "VisibilityTimeout": _seconds(vt),
        "MessageRetentionPeriod": _seconds(queue.retention_s),
        "DelaySeconds": _seconds(queue.delay_s),
        "ReceiveMessageWaitTimeSeconds": _seconds(queue.receive_wait_s),
        "SqsManagedSseEnabled": True,
    }
    if queue.fifo:
        props["FifoQueue"] = True
        props["ContentBasedDeduplication"] = True
    if queue.dead_letter_queue is not None:
        count = require_at_most(f"{queue.name}: max_receive_count", queue.max_receive_count,
                                "sqs_max_receive_count_max")
        props["RedrivePolicy"] = {
            "deadLetterTargetArn": get_att(logical_id(queue.dead_letter_queue.name, "Queue"),
                                           "Arn"),
            "maxReceiveCount": int(count)}
    return props


def _add_queue(res: dict[str, Any], queue: Any) -> str:
    lid = logical_id(queue.name, "Queue")
    if lid not in res:
        if queue.dead_letter_queue is not None:
            _add_queue(res, queue.dead_letter_queue)
        res[lid] = {"Type": "AWS::SQS::Queue", "Properties": queue_properties(queue)}
    return lid


def _pattern_text(rule_name: str, pattern: dict) -> str:
    from labkit.messaging import validate_pattern

    checked = validate_pattern(pattern)
    text = json.dumps(checked, separators=(",", ":"))
    require_at_most(f"rule {rule_name!r}: event pattern size (characters)", len(text),
                    "eventbridge_event_pattern_max_chars")
    return text


def event_bus_template(bus: Any, *, topics: Sequence[Any] = (),
                       function_targets: str = "lambda") -> Template:
    """An EventBridge bus, its rules and targets, from a :class:`labkit.messaging.EventBus`.

    Queue targets become SQS queues (with their redrive policies and dead-letter queues) and a
    queue policy that lets the bus send to them; callable targets become Lambda functions (SAM,
    code from ``functions/<target id>/``). Each target keeps its retry policy, input
    transformer and dead-letter queue. ``topics`` (:class:`labkit.messaging.Topic`) add SNS
    topics whose queue subscriptions keep their filter policies.

    Refused before anything is written: a pattern longer than the EventBridge quota, or a rule
    with more targets than a rule may have.

    >>> from labkit.messaging import EventBus, StandardQueue, Target
    >>> bus = EventBus("shop")
    >>> q = StandardQueue("shipping", dead_letter_queue=StandardQueue("shipping-dlq"),
    ...                   max_receive_count=5)
    >>> bus.put_rule("paid", {"detail-type": ["OrderPaid"]}, [Target("ship", q)])
    >>> t = event_bus_template(bus)
    >>> t.resources["PaidRule"]["Properties"]["EventPattern"]
    {'detail-type': ['OrderPaid']}
    """
    from labkit.messaging import EventBus, FifoQueue, StandardQueue, Topic

    if not isinstance(bus, EventBus):
        raise TypeError(f"bus must be an EventBus, got {type(bus).__name__}")
    if function_targets != "lambda":
        raise ValueError("function_targets must be 'lambda' (the only target kind generated)")
    res: dict[str, Any] = {"Bus": {"Type": "AWS::Events::EventBus", "Properties": {
        "Name": bus.name}}}
    sam = False
    queue_ids: list[str] = []
    for rule in bus.rules.values():
        text = _pattern_text(rule.name, rule.pattern)
        require_at_most(f"rule {rule.name!r}: targets", len(rule.targets),
                        "eventbridge_targets_per_rule_max")
        targets = []
        for target in rule.targets:
            entry: dict[str, Any] = {"Id": target.target_id}
            if isinstance(target.endpoint, (StandardQueue, FifoQueue)):
                qid = _add_queue(res, target.endpoint)
                queue_ids.append(qid)
                entry["Arn"] = get_att(qid, "Arn")
                if target.endpoint.fifo:
                    entry["SqsParameters"] = {"MessageGroupId": rule.name}
            else:
                sam = True
                fid = logical_id(target.target_id, "Function")
                res[fid] = {"Type": "AWS::Serverless::Function", "Properties": {
                    "Runtime": "python3.12", "Handler": "app.handler",
                    "CodeUri": f"functions/{target.target_id}/"}}
                res[logical_id(target.target_id, "InvokePermission")] = {
                    "Type": "AWS::Lambda::Permission", "Properties": {
                        "Action": "lambda:InvokeFunction", "FunctionName": ref(fid),
                        "Principal": "events.amazonaws.com",
                        "SourceArn": get_att(logical_id(rule.name, "Rule"), "Arn")}}
                entry["Arn"] = get_att(fid, "Arn")
            rp = target.retry_policy
            entry["RetryPolicy"] = {"MaximumRetryAttempts": rp.maximum_retry_attempts,
                                    "MaximumEventAgeInSeconds": _seconds(rp.maximum_event_age_s)}
            if target.dead_letter_queue is not None:
                did = _add_queue(res, target.dead_letter_queue)
                queue_ids.append(did)
                entry["DeadLetterConfig"] = {"Arn": get_att(did, "Arn")}
            if target.input_transformer is not None:
                entry["InputTransformer"] = {
                    "InputPathsMap": dict(target.input_transformer.input_paths),
                    "InputTemplate": target.input_transformer.input_template}
            targets.append(entry)
        res[logical_id(rule.name, "Rule")] = {"Type": "AWS::Events::Rule", "Properties": {
            "Name": rule.name, "EventBusName": ref("Bus"), "State": "ENABLED",
            "EventPattern": json.loads(text), "Targets": targets}}
    for topic in topics:
        if not isinstance(topic, Topic):
            raise TypeError(f"topics must hold Topic objects, got {type(topic).__name__}")
        tid = logical_id(topic.name, "Topic")
        res[tid] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": topic.name}}
        for s in topic.subscriptions:
            if not isinstance(s.endpoint, (StandardQueue, FifoQueue)):
                raise ValueError(f"subscription {s.name!r}: only queue subscriptions are "
                                 "generated (a callable has no AWS endpoint)")
            qid = _add_queue(res, s.endpoint)
            props: dict[str, Any] = {"TopicArn": ref(tid), "Protocol": "sqs",
                                     "Endpoint": get_att(qid, "Arn"),
                                     "RawMessageDelivery": True}
            if s.filter_policy is not None:
                props["FilterPolicy"] = s.filter_policy
                props["FilterPolicyScope"] = s.scope
            res[logical_id(f"{topic.name}-{s.name}", "Subscription")] = {
                "Type": "AWS::SNS::Subscription", "Properties": props}
            res[logical_id(f"{topic.name}-{s.name}", "QueuePolicy")] = {
                "Type": "AWS::SQS::QueuePolicy", "Properties": {
                    "Queues": [ref(qid)], "PolicyDocument": {"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow",
                                   "Principal": {"Service": "sns.amazonaws.com"},
                                   "Action": "sqs:SendMessage", "Resource": get_att(qid, "Arn"),
                                   "Condition": {"ArnEquals": {"aws:SourceArn": ref(tid)}}}]}}}
    if queue_ids:
        unique = list(dict.fromkeys(queue_ids))
        res["BusToQueuesPolicy"] = {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [ref(q) for q in unique],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": [get_att(q, "Arn") for q in unique],
                "Condition": {"ArnEquals": {"aws:SourceArn": [
                    get_att(logical_id(r, "Rule"), "Arn") for r in bus.rules]}}}]}}}
    return Template(
        f"{bus.name}-events",
        f"EventBridge bus {bus.name!r} with its rules, SQS targets and dead-letter queues. "
        "Generated by labkit.deploy from the lab's EventBus.",
        res, sam=sam,
        cost_drivers=_bus_cost_drivers(
            queues=any(r["Type"] == "AWS::SQS::Queue" for r in res.values()), functions=sam,
            topics=bool(topics)))


def _bus_cost_drivers(*, queues: bool, functions: bool, topics: bool) -> tuple[str, ...]:
    """What the bus template's resources are billed for: one line per kind of resource it
    holds.

    >>> _bus_cost_drivers(queues=True, functions=False, topics=False)[1]
    'SQS: per million requests (each 64 KB chunk of a message is one request)'
    """
    lines = ["EventBridge: per million custom events published (matching and delivery to "
             "targets carry no extra charge)"]
    if queues:
        lines.append("SQS: per million requests (each 64 KB chunk of a message is one request)")
    if functions:
        lines.append("Lambda: per request and per GB-second of the target functions")
    if topics:
        lines.append("SNS: per million publishes; delivery charges depend on each "
                     "subscription's protocol")
    return tuple(lines)


def event_store_template(*, batch_size: int = 100, batching_window_s: float = 0.0,
                         retry_attempts: int = 3) -> Template:
    """The event store on DynamoDB: one item per event (partition key the stream id, sort key
    the version), appended with a conditional write (``attribute_not_exists``) that fails when
    another writer took the version: the store's optimistic concurrency. Its DynamoDB stream
    feeds a projector function that updates the read-model table (CQRS).

    ``batching_window_s`` is how long the projector waits to fill a batch (the notebook's poll
    interval, 0-300 s), ``batch_size`` records per invocation (1-10,000).

    >>> t = event_store_template(batching_window_s=1)
    >>> t.resources["EventsTable"]["Properties"]["KeySchema"][1]
    {'AttributeName': 'version', 'KeyType': 'RANGE'}
    """
    size = check_int("batch_size", batch_size, minimum=1, maximum=10_000)
    window = check_nonnegative("batching_window_s", batching_window_s)
    if window > 300:
        raise ValueError(f"batching_window_s must be in [0, 300], got {batching_window_s!r}")
    retries = check_int("retry_attempts", retry_attempts, minimum=-1, maximum=10_000)
    res: dict[str, Any] = {
        "EventsTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "stream_id", "AttributeType": "S"},
                                     {"AttributeName": "version", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "stream_id", "KeyType": "HASH"},
                          {"AttributeName": "version", "KeyType": "RANGE"}],
            "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}},
        "ReadModelTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "order_id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "order_id", "KeyType": "HASH"}]}},
        "ProjectorFailures": {"Type": "AWS::SQS::Queue", "Properties": {
            "MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": True}},
        "ProjectorFunction": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "functions/projector/",
            "Environment": {"Variables": {"READ_MODEL_TABLE": ref("ReadModelTable")}},
            "Policies": [{"DynamoDBCrudPolicy": {"TableName": ref("ReadModelTable")}},
                         {"SQSSendMessagePolicy": {"QueueName": get_att("ProjectorFailures",
                                                                        "QueueName")}}],
            "Events": {"EventStream": {"Type": "DynamoDB", "Properties": {
                "Stream": get_att("EventsTable", "StreamArn"), "StartingPosition": "TRIM_HORIZON",
                "BatchSize": size, "MaximumBatchingWindowInSeconds": _seconds(window),
                "MaximumRetryAttempts": retries, "BisectBatchOnFunctionError": True,
                "DestinationConfig": {"OnFailure": {"Destination": get_att(
                    "ProjectorFailures", "Arn")}}}}}}},
    }
    return Template(
        "order-event-store",
        "Event store on DynamoDB (conditional appends), its stream, and a projector that keeps "
        "the read model (CQRS). Generated by labkit.deploy.",
        res, sam=True,
        cost_drivers=(
            "DynamoDB on demand: one write request unit per 1 KB event appended, read units for "
            "replays; storage grows with the event history",
            "DynamoDB Streams read by Lambda: no charge for GetRecords from a Lambda trigger",
            "Lambda: projector invocations and GB-seconds (one invocation per batch)",
        ))
