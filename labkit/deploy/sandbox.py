"""boto3 calls the notebooks show, run in-process against moto: offline and deterministic.

:func:`aws_session` gives a boto3 session inside ``moto.mock_aws`` with fixed dummy credentials
and Region, so no request leaves the process and no real credentials are read. The same code
reaches a real account **only** when the learner sets the environment variable
``LAB_USE_REAL_AWS=1`` before starting Jupyter; then the calls create real (billed) resources in
the learner's default account and Region.

moto: https://docs.getmoto.org/ ; Step Functions executions run on moto's States Language
interpreter (``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["REAL_AWS_VARIABLE", "aws_session", "breaker_state_put", "event_store_append",
           "glue_create_tables", "organizations_attach_scps",
           "eventbridge_delivery", "run_definition", "sqs_redrive", "target"]

REAL_AWS_VARIABLE = "LAB_USE_REAL_AWS"
REGION = "us-east-1"


def target() -> str:
    """``"moto"`` (the default) or ``"real AWS"`` when ``LAB_USE_REAL_AWS=1``."""
    return "real AWS" if os.environ.get(REAL_AWS_VARIABLE) == "1" else "moto"


@contextmanager
def aws_session(*, execute_state_machines: bool = False) -> Iterator[Any]:
    """A boto3 session: moto in-process by default (dummy credentials, ``us-east-1``), a real
    account only when ``LAB_USE_REAL_AWS=1``."""
    import boto3

    if target() == "real AWS":
        yield boto3.session.Session()
        return
    from moto import mock_aws

    config = {"stepfunctions": {"execute_state_machine": execute_state_machines}}
    with mock_aws(config=config):
        yield boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    aws_session_token="testing", region_name=REGION)


def eventbridge_delivery(pattern: dict | str, events: Sequence[dict]) -> list[bool]:
    """Put a rule with ``pattern`` on a new bus (target: an SQS queue), ``put_events`` each event
    and report which ones reached the queue: EventBridge's own matching decides."""
    pattern_text = pattern if isinstance(pattern, str) else json.dumps(pattern)
    with aws_session() as session:
        events_api, sqs = session.client("events"), session.client("sqs")
        events_api.create_event_bus(Name="lab-bus")
        url = sqs.create_queue(QueueName="lab-matched")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        events_api.put_rule(Name="lab-rule", EventBusName="lab-bus", EventPattern=pattern_text)
        events_api.put_targets(Rule="lab-rule", EventBusName="lab-bus",
                               Targets=[{"Id": "queue", "Arn": arn}])
        delivered = []
        for i, event in enumerate(events):
            detail = event.get("detail", {})
            events_api.put_events(Entries=[{
                "EventBusName": "lab-bus", "Source": event["source"],
                "DetailType": event["detail-type"], "Detail": json.dumps(detail),
                "Resources": event.get("resources", [])}])
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
            messages = got.get("Messages", [])
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            delivered.append(bool(messages))
            del i
        return delivered


def sqs_redrive(max_receive_count: int, receives: int) -> dict[str, int]:
    """Receive one message ``receives`` times without deleting it, from a queue with a redrive
    policy (visibility timeout 0 so it is visible again at once); return how many receives
    returned it and how many messages the dead-letter queue then holds."""
    with aws_session() as session:
        sqs = session.client("sqs")
        dlq = sqs.create_queue(QueueName="lab-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName="lab-work", Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                         "maxReceiveCount": str(max_receive_count)})})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="order-1")
        seen = 0
        for _ in range(receives):
            seen += len(sqs.receive_message(QueueUrl=url).get("Messages", []))
        in_dlq = int(sqs.get_queue_attributes(
            QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"])
        return {"receives_returning_message": seen, "messages_in_dlq": in_dlq}


def _events_table(session: Any, name: str, key: tuple[str, str | None]) -> Any:
    ddb = session.client("dynamodb")
    attrs = [{"AttributeName": key[0], "AttributeType": "S"}]
    schema = [{"AttributeName": key[0], "KeyType": "HASH"}]
    if key[1]:
        attrs.append({"AttributeName": key[1], "AttributeType": "N"})
        schema.append({"AttributeName": key[1], "KeyType": "RANGE"})
    ddb.create_table(TableName=name, AttributeDefinitions=attrs, KeySchema=schema,
                     BillingMode="PAY_PER_REQUEST")
    return ddb


def event_store_append(appends: Sequence[tuple[str, int]]) -> list[str]:
    """Append events to a DynamoDB event store, each ``(stream_id, version)`` with
    ``attribute_not_exists(version)``: ``"appended"`` or ``"conflict"`` (the conditional check
    failed because another writer already took that version)."""
    with aws_session() as session:
        ddb = _events_table(session, "events", ("stream_id", "version"))
        out = []
        for stream_id, version in appends:
            try:
                ddb.put_item(TableName="events",
                             Item={"stream_id": {"S": stream_id}, "version": {"N": str(version)}},
                             ConditionExpression="attribute_not_exists(version)")
                out.append("appended")
            except ddb.exceptions.ConditionalCheckFailedException:
                out.append("conflict")
        return out


def breaker_state_put(writes: Sequence[tuple[str, int]]) -> list[str]:
    """Move a circuit's state with conditional puts, each ``(new_state, expected_version)``:
    the write succeeds only if the item is still at ``expected_version`` (0: no item yet), so
    two callers cannot both move the breaker from the same state."""
    with aws_session() as session:
        ddb = _events_table(session, "circuits", ("circuit", None))
        out = []
        for state, expected in writes:
            cond = ("attribute_not_exists(circuit)" if expected == 0 else "version = :expected")
            kwargs: dict[str, Any] = {"ConditionExpression": cond}
            if expected:
                kwargs["ExpressionAttributeValues"] = {":expected": {"N": str(expected)}}
            try:
                ddb.put_item(TableName="circuits", Item={
                    "circuit": {"S": "payments"}, "state": {"S": state},
                    "version": {"N": str(expected + 1)}}, **kwargs)
                out.append("written")
            except ddb.exceptions.ConditionalCheckFailedException:
                out.append("refused")
        return out


def run_definition(definition: dict, execution_input: dict, *,
                   items: dict[str, dict] | None = None) -> dict[str, Any]:
    """``create_state_machine`` with ``definition`` and ``start_execution`` on moto's States
    Language interpreter; ``items`` (``{table: item}``) are put in DynamoDB tables first (key
    attribute ``circuit``). Returns the execution's status, error and the state names entered,
    in order."""
    import time

    text = json.dumps(definition)
    with aws_session(execute_state_machines=True) as session:
        for table, item in (items or {}).items():
            ddb = _events_table(session, table, ("circuit", None))
            ddb.put_item(TableName=table, Item=item)
        sfn = session.client("stepfunctions")
        arn = sfn.create_state_machine(
            name="lab-machine", definition=text,
            roleArn="arn:aws:iam::123456789012:role/lab-states")["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input))
        for _ in range(200):
            described = sfn.describe_execution(executionArn=ex["executionArn"])
            if described["status"] != "RUNNING":
                break
            time.sleep(0.05)
        history = sfn.get_execution_history(executionArn=ex["executionArn"])["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in history
                   if "stateEnteredEventDetails" in e]
        return {"status": described["status"], "error": described.get("error"),
                "entered": entered}


def _resolve(node: Any, values: dict[str, str]) -> Any:
    """Replace ``Fn::Sub`` / ``Ref`` with ``values`` (what CloudFormation would substitute)."""
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
            text = node["Fn::Sub"]
            for name, value in values.items():
                text = text.replace("${" + name + "}", value)
            return text.replace("${!", "${")
        if set(node) == {"Ref"} and node["Ref"] in values:
            return values[node["Ref"]]
        return {k: _resolve(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, values) for v in node]
    return node


def glue_create_tables(template: Any, *, bucket: str = "example-lake") -> dict[str, list[str]]:
    """``glue.create_database`` / ``create_table`` with the ``TableInput`` of every Glue table
    in a :func:`labkit.deploy.data_lake_template` (``bucket`` in place of the stack's bucket);
    returns each table's partition keys as Glue stored them."""
    with aws_session() as session:
        glue = session.client("glue")
        created: dict[str, list[str]] = {}
        databases = template.resources_of_type("AWS::Glue::Database")
        for db in databases.values():
            glue.create_database(DatabaseInput=db["Properties"]["DatabaseInput"])
        for table in template.resources_of_type("AWS::Glue::Table").values():
            props = _resolve(table["Properties"], {"LakeBucket": bucket})
            glue.create_table(DatabaseName=props["DatabaseName"], TableInput=props["TableInput"])
            name = props["TableInput"]["Name"]
            got = glue.get_table(DatabaseName=props["DatabaseName"], Name=name)["Table"]
            created[name] = [k["Name"] for k in got.get("PartitionKeys", [])]
        return created


def organizations_attach_scps(template: Any) -> dict[str, list[str]]:
    """``organizations.create_policy`` / ``attach_policy`` for every SCP in a
    :func:`labkit.deploy.scp_template`: an organization is created, one OU per OU parameter
    (accounts are left out), and each OU's attached SCPs are listed back."""
    with aws_session() as session:
        org = session.client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ids = {p: (root if p.endswith("RootId") else
                   org.create_organizational_unit(ParentId=root, Name=p[:-4])[
                       "OrganizationalUnit"]["Id"])
               for p in template.parameters}
        attached: dict[str, list[str]] = {}
        for resource in template.resources_of_type("AWS::Organizations::Policy").values():
            props = resource["Properties"]
            policy = org.create_policy(Name=props["Name"], Description=props["Description"],
                                       Type=props["Type"],
                                       Content=json.dumps(props["Content"]))["Policy"]
            for t in props["TargetIds"]:
                if isinstance(t, dict) and t["Ref"] in ids:
                    org.attach_policy(PolicyId=policy["PolicySummary"]["Id"],
                                      TargetId=ids[t["Ref"]])
        for param, target_id in ids.items():
            found = org.list_policies_for_target(TargetId=target_id,
                                                 Filter="SERVICE_CONTROL_POLICY")["Policies"]
            attached[param] = sorted(p["Name"] for p in found)
        return attached
