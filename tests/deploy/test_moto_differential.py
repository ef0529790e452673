"""Differential checks: the lab's models and moto (in-process AWS) get the same inputs and must
agree where moto implements the behaviour; where moto departs from the AWS documentation, the
documentation wins and the test says why.

EventBridge pattern matching: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
SQS redrive: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
DynamoDB conditions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
Step Functions errors: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
"""

from __future__ import annotations

import json

import pytest

from labkit.deploy.sandbox import (
    aws_session,
    breaker_state_put,
    event_store_append,
    eventbridge_delivery,
    run_definition,
    sqs_redrive,
    target,
)

pytestmark = pytest.mark.skipif(target() != "moto", reason="differential checks run on moto only")

EVENTS = [
    {"source": "shop", "detail-type": "OrderPaid",
     "detail": {"total": 150, "region": "eu-west-1", "tier": "gold", "items": ["book", "pen"]}},
    {"source": "shop", "detail-type": "OrderPaid",
     "detail": {"total": 50, "region": "us-east-1", "tier": "silver", "items": ["pen"]}},
    {"source": "shop", "detail-type": "OrderShipped",
     "detail": {"total": 100, "region": "eu-central-1", "coupon": None}},
    {"source": "billing", "detail-type": "OrderPaid", "detail": {"total": 100.0, "tier": "Gold"}},
]
PATTERNS = [
    {"detail-type": ["OrderPaid"]},
    {"detail": {"total": [{"numeric": [">", 100]}]}},
    {"detail": {"total": [{"numeric": [">=", 50, "<", 150]}]}},
    {"detail": {"region": [{"prefix": "eu-"}]}},
    {"detail": {"region": [{"suffix": "-1"}]}},
    {"detail": {"tier": [{"anything-but": "gold"}]}},
    {"detail": {"tier": [{"anything-but": {"prefix": "g"}}]}},
    {"detail": {"tier": [{"equals-ignore-case": "gold"}]}},
    {"detail": {"coupon": [{"exists": True}]}},
    {"detail": {"coupon": [{"exists": False}]}},
    {"detail": {"coupon": [None]}},
    {"detail": {"items": ["pen"]}},
    {"source": ["shop"], "detail": {"region": [{"wildcard": "eu-*-1"}]}},
    {"$or": [{"source": ["billing"]}, {"detail": {"total": [{"numeric": ["<", 60]}]}}]},
    {"detail": {"total": [100]}},
]


def test_eventbridge_matching_agrees_with_moto():
    """Every pattern × event: the lab's matcher and moto's put_events delivery agree."""
    from labkit.messaging import matches

    with aws_session() as session:
        ev, sqs = session.client("events"), session.client("sqs")
        ev.create_event_bus(Name="lab")
        urls = []
        for i, pattern in enumerate(PATTERNS):
            url = sqs.create_queue(QueueName=f"q{i}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"]
            ev.put_rule(Name=f"r{i}", EventBusName="lab", EventPattern=json.dumps(pattern))
            ev.put_targets(Rule=f"r{i}", EventBusName="lab", Targets=[{"Id": "q", "Arn": arn}])
            urls.append(url)
        lab, aws = [], []
        for event in EVENTS:
            ev.put_events(Entries=[{"EventBusName": "lab", "Source": event["source"],
                                    "DetailType": event["detail-type"],
                                    "Detail": json.dumps(event["detail"])}])
            for pattern, url in zip(PATTERNS, urls, strict=True):
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages",
                                                                                     [])
                for m in got:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                aws.append(bool(got))
                lab.append(matches(pattern, {**event, "account": "123456789012",
                                             "region": "us-east-1", "resources": []}))
    disagreements = [(PATTERNS[k % len(PATTERNS)], k // len(PATTERNS))
                     for k, (a, b) in enumerate(zip(lab, aws, strict=True)) if a != b]
    assert disagreements == []
    assert 0 < sum(lab) < len(lab)   # the cases exercise both outcomes


def test_eventbridge_delivery_helper_reports_matches():
    pattern = {"detail": {"total": [{"numeric": [">", 100]}]}}
    assert eventbridge_delivery(pattern, EVENTS[:2]) == [True, False]


@pytest.mark.parametrize("max_receive_count,receives", [(1, 3), (3, 5), (5, 4)])
def test_sqs_redrive_agrees_with_moto(max_receive_count, receives):
    """A message received ``maxReceiveCount`` times moves to the dead-letter queue on the next
    receive, in the lab's queue and in moto."""
    from labkit.messaging import StandardQueue

    dlq = StandardQueue("dlq")
    q = StandardQueue("work", visibility_timeout_s=0, dead_letter_queue=dlq,
                      max_receive_count=max_receive_count)
    q.send("order-1", 0.0)
    seen = sum(len(q.receive(float(i), wait_time_s=1)) for i in range(receives))
    lab = {"receives_returning_message": seen, "messages_in_dlq": len(dlq)}
    assert sqs_redrive(max_receive_count, receives) == lab
    assert lab["receives_returning_message"] == min(max_receive_count, receives)


def test_sqs_visibility_hides_a_received_message_in_both():
    from labkit.messaging import StandardQueue

    q = StandardQueue("work", visibility_timeout_s=30)
    q.send("m", 0.0)
    lab = [len(q.receive(0.0, wait_time_s=1)), len(q.receive(1.0, wait_time_s=1))]
    with aws_session() as session:
        sqs = session.client("sqs")
        url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "30"})[
            "QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="m")
        aws = [len(sqs.receive_message(QueueUrl=url).get("Messages", [])) for _ in range(2)]
    assert lab == aws == [1, 0]


def test_dynamodb_conditional_append_agrees_with_the_event_store():
    """Appending at a version another writer already took is refused by both the lab's event
    store (ConcurrencyError) and DynamoDB (ConditionalCheckFailedException)."""
    from labkit.eventstore import ConcurrencyError, EventStore, NewEvent

    store = EventStore()
    lab = []
    for expected in (0, 1, 1):
        try:
            store.append("order-1", [NewEvent("Changed", {})], expected_version=expected, now=0.0)
            lab.append("appended")
        except ConcurrencyError:
            lab.append("conflict")
    aws = event_store_append([("order-1", 1), ("order-1", 2), ("order-1", 2)])
    assert lab == aws == ["appended", "appended", "conflict"]


def test_breaker_state_moves_with_conditional_puts():
    assert breaker_state_put([("open", 0), ("half_open", 1), ("closed", 1), ("open", 0)]) == \
        ["written", "written", "refused", "refused"]


RETRY_CATCH = {"StartAt": "Charge", "States": {
    "Charge": {"Type": "Parallel", "Branches": [{"StartAt": "Call", "States": {
        "Call": {"Type": "Fail", "Error": "ServiceUnavailable", "Cause": "down"}}}],
        "Retry": [{"ErrorEquals": ["ServiceUnavailable"], "IntervalSeconds": 1,
                   "MaxAttempts": 1, "BackoffRate": 2.0}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
        "Next": "Done"},
    "Refund": {"Type": "Pass", "Result": "refunded", "ResultPath": "$.refund", "Next": "Failed"},
    "Failed": {"Type": "Fail", "Error": "OrderFailed"},
    "Done": {"Type": "Succeed"}}}


def test_retry_then_catch_agrees_with_moto():
    """One retry, then the catcher's compensation: the same states, in the same order, and
    the same final error on the lab's executor and on moto's interpreter."""
    from labkit.workflows import run_state_machine

    ex = run_state_machine(RETRY_CATCH, {"order": 1}, {})
    lab = {"status": ex.status, "error": ex.error,
           "entered": list(ex.history[ex.history.event == "entered"].state)}
    assert run_definition(RETRY_CATCH, {"order": 1}) == lab
    assert lab["entered"] == ["Charge", "Call", "Call", "Refund", "Failed"]


def test_open_breaker_refuses_the_call_documentation_wins_over_moto():
    """The breaker's workflow on an item that says ``open`` until 2099: the documented
    behaviour is that ``TimestampGreaterThanPath`` compares two ISO 8601 timestamps (the item's
    ``open_until`` and the execution's ``$$.State.EnteredTime``), so the call is refused with
    ``CircuitOpen``; the lab's executor does exactly that. moto 5.2.5's interpreter cannot
    compare the EnteredTime it produces (copied into ``$.clock.time`` by the first state) and
    ends in ``States.Runtime`` instead. The test holds
    the lab to the documentation and records moto's departure, so a moto that gets it right
    turns this into plain agreement.
    (Choice rules: https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html;
    context object: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html)
    """
    from labkit.deploy import breaker_definition
    from labkit.resilience import CircuitBreaker
    from labkit.workflows import run_state_machine

    definition = json.loads(json.dumps(breaker_definition(CircuitBreaker()))
                            .replace("${CircuitTable}", "circuits"))
    item = {"circuit": {"S": "payments"}, "state": {"S": "open"},
            "open_until": {"S": "2099-01-01T00:00:00Z"}}
    called = []
    tasks = {"arn:aws:states:::dynamodb:getItem": lambda _: {"Item": item},
             "arn:aws:lambda:us-east-1:123456789012:function:ProtectedService":
                 lambda payload: called.append(payload) or {},
             "arn:aws:states:::lambda:invoke": lambda _: {}}
    ex = run_state_machine(definition, {"circuit": "payments", "request": {}}, tasks)
    assert (ex.status, ex.error, called) == ("FAILED", "CircuitOpen", [])
    closed = run_state_machine(definition, {"circuit": "payments", "request": {}},
                               {**tasks, "arn:aws:states:::dynamodb:getItem": lambda _: {}})
    assert closed.status == "SUCCEEDED" and len(called) == 1   # no item yet: the call is made
    aws = run_definition(definition, {"circuit": "payments", "request": {}},
                         items={"circuits": item})
    assert aws["entered"][:4] == ["ReadClock", "GetCircuitState", "HasCircuitState",
                                  "IsCircuitOpen"]
    assert (aws["status"], aws["error"]) == ("FAILED", "States.Runtime"), \
        "moto now compares the timestamps: require agreement (CircuitOpen) here"


def test_scps_attached_through_organizations_match_the_lab_tree():
    """create_policy/attach_policy with the template's SCPs: each OU ends with the SCPs the
    lab's organization attaches to it (FullAWSAccess is attached by AWS itself)."""
    from labkit.deploy import scp_template
    from labkit.deploy.sandbox import organizations_attach_scps
    from labkit.org import build_landing_zone

    lz = build_landing_zone(region_deny=True, strongly_recommended=True)
    attached = organizations_attach_scps(scp_template(lz))
    lab = {node.name.replace(" ", "") + "OuId": sorted(node.scps)
           for node in lz.organization.nodes() if node.type == "ou"}
    assert attached == {k: v for k, v in lab.items() if k in attached}
    assert attached


def test_glue_tables_from_the_template_keep_the_lab_partitions(tmp_path):
    from labkit.deploy import data_lake_template
    from labkit.deploy.sandbox import glue_create_tables
    from labkit.lake import Lake

    lake = Lake(tmp_path)
    lake.build(rows=2000, seed=0)
    created = glue_create_tables(data_lake_template(lake))
    assert created == {t: [k for k, _ in lake.catalog.table(f"curated.{t}").partition_keys]
                       for t in lake.catalog.tables()}


def test_arrays_of_objects_documentation_wins_over_moto():
    """A pattern on fields inside an array of objects. The documentation: "If the value in the
    event is an array, then the event pattern matches if the intersection of the event pattern
    array and the event array is non-empty" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html),
    so an order whose only item is a gift book matches ``items.sku`` prefix ``BOOK-`` and
    ``items.gift`` true. The lab's matcher says so; moto 5.2.5 delivers nothing (it does not
    descend into arrays of objects). The lab is held to the documentation and moto's
    departure is recorded, so a fixed moto turns this into agreement."""
    from labkit.messaging import matches
    from labkit.messaging.playground import DEFAULT_EVENT, DEFAULT_PATTERN

    gift_book = {**DEFAULT_EVENT, "detail": {**DEFAULT_EVENT["detail"],
                                              "items": [{"sku": "BOOK-42", "gift": True}]}}
    assert [matches(DEFAULT_PATTERN, e) for e in (DEFAULT_EVENT, gift_book)] == [False, True]
    aws = eventbridge_delivery(DEFAULT_PATTERN, [DEFAULT_EVENT, gift_book])
    assert aws[0] is False   # agreement where moto follows the documentation
    assert aws[1] is False, "moto now matches arrays of objects: require agreement here"
