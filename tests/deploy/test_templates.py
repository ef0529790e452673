"""Every pattern's template passes cfn-lint with no error (SAM templates as written and after the
aws-sam-translator transform), every States Language definition the lab runs is linted inside a
template, and model objects AWS cannot express are refused before any template is written."""

from __future__ import annotations

import json
import time

import pytest

from labkit.deploy import (
    NotDeployable,
    aws_limit,
    breaker_template,
    bulkhead_template,
    cache_layers_template,
    data_lake_template,
    event_bus_template,
    event_store_template,
    microservices_template,
    saga_template,
    scp_template,
    serverless_web_template,
    service_connect_template,
    stream_processing_template,
)
from labkit.deploy.lint import lint_template, sam_transform
from labkit.deploy.template import Template
from labkit.lake import Lake
from labkit.messaging import EventBus, InputTransformer, StandardQueue, Target, Topic
from labkit.org import QuotaProfile, build_landing_zone
from labkit.resilience import CircuitBreaker, LambdaFunction
from labkit.serverless import ApiGatewayThrottle, EventSourceMapping, UsagePlan


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    lk = Lake(tmp_path_factory.mktemp("lake"))
    lk.build(rows=2000, seed=0)
    lk.grant("analyst-eu", "orders", row_filter="region = 'eu'")
    lk.grant("marketing", "orders", columns=["order_id", "amount_usd"])
    return lk


def _bus() -> tuple[EventBus, Topic]:
    bus = EventBus("shop")
    shipping = StandardQueue("shipping", visibility_timeout_s=4,
                             dead_letter_queue=StandardQueue("shipping-dlq"), max_receive_count=5)
    bus.put_rule("paid", {"detail-type": ["OrderPaid"],
                          "detail": {"total": [{"numeric": [">", 100]}]}},
                 [Target("ship", shipping, dead_letter_queue=StandardQueue("bus-dlq")),
                  Target("audit", lambda payload, now: None,
                         input_transformer=InputTransformer({"id": "$.detail.id"},
                                                            '{"order": "<id>"}'))])
    topic = Topic("orders")
    topic.subscribe("big", StandardQueue("big-orders"),
                    filter_policy={"total": [{"numeric": [">", 100]}]})
    return bus, topic


@pytest.fixture(scope="module")
def templates(lake) -> dict[str, Template]:
    bus, topic = _bus()
    gw = ApiGatewayThrottle(stage_rate_rps=100, stage_burst=50,
                            plans={"k1": UsagePlan("basic", rate_rps=5, burst=10, quota=1000)})
    return {
        "01": microservices_template(),
        "02": service_connect_template(per_request_timeout_s=2),
        "03": event_bus_template(bus, topics=[topic]),
        "04": event_store_template(batching_window_s=1),
        "05": saga_template(),
        "06": serverless_web_template(gw, reserved=50, provisioned=5),
        "07": stream_processing_template(EventSourceMapping(
            batch_size=10, bisect_on_error=True, maximum_retries=2,
            on_failure_destination=True), shards=2),
        "08": data_lake_template(lake),
        "09": scp_template(build_landing_zone(region_deny=True, strongly_recommended=True)),
        "10": breaker_template(CircuitBreaker(failure_rate_threshold=40, wait_in_open_s=10)),
        "11": bulkhead_template([LambdaFunction("checkout", 10, 0.1, reserved=200),
                                 LambdaFunction("reports", 5, 1.0, reserved=100),
                                 LambdaFunction("misc", 1, 0.2)]),
        "12": cache_layers_template(ttl_s=30),
    }


def test_every_template_passes_cfn_lint_within_the_budget(templates):
    """One template per pattern notebook; cfn-lint reports no error and no unaccepted warning.
    No template accepts any warning today (``lint_ignores`` is empty everywhere), so any
    warning fails here until it is fixed or justified in the template."""
    assert sorted(templates) == [f"{n:02d}" for n in range(1, 13)]
    start = time.perf_counter()
    reports = {n: lint_template(t) for n, t in templates.items()}
    elapsed = time.perf_counter() - start
    problems = {n: [(f.rule, f.stage, f.path, f.message) for f in r.findings
                    if f.level in ("error", "warning") and not f.accepted]
                for n, r in reports.items()}
    assert all(not p for p in problems.values()), problems
    assert all(not t.lint_ignores for t in templates.values())
    assert elapsed <= 60, f"linting all templates took {elapsed:.1f} s (budget 60 s)"


def test_sam_templates_transform_to_plain_cloudformation(templates):
    for n, t in templates.items():
        if t.sam:
            out = sam_transform(t)
            types = {r["Type"] for r in out["Resources"].values()}
            assert not any(x.startswith("AWS::Serverless::") for x in types), n
            assert "AWS::Lambda::Function" in types, n


def test_lint_catches_a_broken_state_machine(templates):
    """cfn-lint's States Language schema is a real second opinion: a dangling StartAt and an
    unknown state type are errors (E3601)."""
    good = templates["05"]
    res = json.loads(json.dumps(good.resources))
    definition = res["OrderSaga"]["Properties"]["Definition"]
    definition["StartAt"] = "Nowhere"
    definition["States"]["OrderCompleted"]["Type"] = "Bogus"
    broken = Template("broken-saga", "broken", res, sam=True)
    rules = {f.rule for f in lint_template(broken).errors}
    assert "E3601" in rules


def test_state_machines_in_templates_are_the_ones_the_lab_runs(templates):
    from labkit.serverless import etl_definition
    from labkit.workflows import order_saga_definition

    saga = templates["05"].state_machine_definitions()["OrderSaga"]
    assert list(saga["States"]) == list(order_saga_definition()["States"])
    assert saga["States"]["ChargePayment"]["Retry"] == \
        order_saga_definition()["States"]["ChargePayment"]["Retry"]
    etl = templates["07"].state_machine_definitions()["EtlStateMachine"]
    assert list(etl["States"]) == list(etl_definition()["States"])


def test_templates_follow_the_model_objects():
    q = StandardQueue("work", visibility_timeout_s=7, dead_letter_queue=StandardQueue("dlq"),
                      max_receive_count=4)
    bus = EventBus("b")
    pattern = {"source": ["shop"], "detail": {"total": [{"numeric": [">=", 10]}]}}
    bus.put_rule("r", pattern, [Target("t", q)])
    props = event_bus_template(bus).resources["WorkQueue"]["Properties"]
    assert props["VisibilityTimeout"] == 7 and props["RedrivePolicy"]["maxReceiveCount"] == 4
    assert event_bus_template(bus).resources["RRule"]["Properties"]["EventPattern"] == pattern
    b = breaker_template(CircuitBreaker(failure_rate_threshold=30, window_size=20,
                                        minimum_calls=10, slow_call_duration_s=4))
    settings = b.state_machine_definitions()["Breaker"]["States"]["RecordFailure"][
        "Parameters"]["Payload"]["settings"]
    assert (settings["failureRateThreshold"], settings["windowSize"]) == (30.0, 20)
    assert b.state_machine_definitions()["Breaker"]["States"]["CallService"][
        "TimeoutSeconds"] == 4


# -- refusals: the AWS limit and its source, before any template is written -------------------

def _refusal(excinfo, key):
    assert excinfo.value.limit is not None and excinfo.value.limit.key == key
    assert excinfo.value.limit.source_url.startswith("https://docs.aws.amazon.com/")
    assert excinfo.value.limit.source_url in str(excinfo.value)


def test_pattern_too_large_for_a_rule_is_refused():
    bus = EventBus("b")
    big = {"source": [f"service-{i:04d}" for i in range(200)]}
    bus.put_rule("big", big, [Target("t", StandardQueue("q"))])
    assert len(json.dumps(big, separators=(",", ":"))) > \
        aws_limit("eventbridge_event_pattern_max_chars").value
    with pytest.raises(NotDeployable) as excinfo:
        event_bus_template(bus)
    _refusal(excinfo, "eventbridge_event_pattern_max_chars")


def test_state_machine_over_the_definition_quota_is_refused():
    from labkit.workflows import order_saga_definition

    definition = order_saga_definition()
    definition["Comment"] = "x" * int(aws_limit("stepfunctions_definition_max_bytes").value)
    with pytest.raises(NotDeployable) as excinfo:
        saga_template(definition)
    _refusal(excinfo, "stepfunctions_definition_max_bytes")


def test_breaker_call_timeout_beyond_an_express_execution_is_refused():
    with pytest.raises(NotDeployable) as excinfo:
        breaker_template(CircuitBreaker(slow_call_duration_s=301))
    _refusal(excinfo, "stepfunctions_express_max_duration_s")
    assert breaker_template(CircuitBreaker(slow_call_duration_s=300)) is not None


def test_reservations_that_starve_the_unreserved_pool_are_refused():
    fns = [LambdaFunction("a", 1, 0.1, reserved=600), LambdaFunction("b", 1, 0.1, reserved=301)]
    with pytest.raises(NotDeployable) as excinfo:
        bulkhead_template(fns)
    _refusal(excinfo, "lambda_unreserved_concurrency_min")
    with pytest.raises(NotDeployable):
        serverless_web_template(reserved=901)
    with pytest.raises(NotDeployable):   # provisioned above the reservation
        serverless_web_template(reserved=5, provisioned=6)


def test_throttle_above_the_account_limit_is_refused():
    with pytest.raises(NotDeployable) as excinfo:
        serverless_web_template(ApiGatewayThrottle(stage_rate_rps=20_000, stage_burst=100))
    _refusal(excinfo, "apigateway_account_throttle_rps")
    with pytest.raises(NotDeployable):
        microservices_template(throttle_rate_rps=10_001)


def test_athena_cutoff_below_the_minimum_is_refused(lake):
    with pytest.raises(NotDeployable) as excinfo:
        data_lake_template(lake, bytes_scanned_cutoff=1_000_000)
    _refusal(excinfo, "athena_bytes_scanned_cutoff_min_bytes")


def test_scp_over_the_size_quota_is_refused():
    """The lab's organization may allow larger SCPs than AWS does (a profile of twice the
    quota); the template follows the documented quota, so such a policy is refused."""
    quota = int(aws_limit("organizations_scp_max_chars").value)
    org = build_landing_zone(quotas=QuotaProfile("roomy", max_scp_chars=2 * quota,
                                                 max_scps_per_node=10)).organization
    # each action adds 20 characters ('"ec2:Describe00000",')
    org.add_policy("huge", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": [f"ec2:Describe{i:05d}" for i in range(quota // 20 + 1)],
        "Resource": "*"}]})
    org.find("Sandbox").scps.append("huge")
    with pytest.raises(NotDeployable) as excinfo:
        scp_template(org)
    _refusal(excinfo, "organizations_scp_max_chars")


def test_bad_arguments_name_the_parameter():
    with pytest.raises(TypeError, match="bus"):
        event_bus_template("not a bus")
    with pytest.raises(ValueError, match="batching_window_s"):
        event_store_template(batching_window_s=301)
    with pytest.raises(TypeError, match="breaker"):
        breaker_template(object())


def test_a_bus_template_names_the_cost_of_each_kind_of_resource_it_holds():
    """The cost lines follow the resources: a function target is billed by Lambda, and SNS
    appears only when the template has a topic."""
    bus = EventBus("b")
    bus.put_rule("r", {"source": ["shop"]}, [Target("invoice", lambda event: None)])
    drivers = " ".join(event_bus_template(bus).cost_drivers)
    assert "Lambda:" in drivers and "SNS:" not in drivers and "SQS:" not in drivers
    topic = Topic("orders")
    topic.subscribe("audit", StandardQueue("audit"))
    drivers = " ".join(event_bus_template(bus, topics=[topic]).cost_drivers)
    assert "SNS:" in drivers and "SQS:" in drivers


def test_the_cache_template_names_both_ways_cloudfront_is_billed():
    """A distribution is billed pay-as-you-go (per GB and per request) unless it is on a
    flat-rate pricing plan, a fixed monthly rate instead of usage-based charges (CloudFront is
    the only plan family):
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-pricingplanmanager-subscription.html"""
    cloudfront = [d for d in cache_layers_template(ttl_s=30).cost_drivers
                  if d.startswith("CloudFront:")]
    assert len(cloudfront) == 1
    assert "pay-as-you-go" in cloudfront[0] and "flat-rate pricing plan" in cloudfront[0]
