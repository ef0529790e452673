"""The compute cost model against worked numbers from the AWS pricing pages, the price table,
bad input."""

from __future__ import annotations

import math

import pytest

from labkit.microservices.cost import (
    AppRunnerOption,
    EC2Option,
    FargateOption,
    LambdaOption,
    PriceTable,
    Workload,
    break_even_rate,
    break_even_table,
    cost_curve,
    load_prices,
    monthly_cost,
    operational_tradeoffs,
)

MONTH_S = 730 * 3600


def per_million(duration_s, memory_mb, **kw):
    w = Workload(1e6 / MONTH_S, duration_s, memory_mb)
    return monthly_cost(LambdaOption(**kw), w)


def test_price_table_rows_carry_source_and_date():
    frame = load_prices().to_frame()
    assert (frame.source.str.startswith("https://aws.amazon.com/")).all()
    assert frame.source_date.str.match(r"^\d{4}(-\d{2}(-\d{2})?)?$").all()
    assert (frame.price_usd >= 0).all()


@pytest.mark.parametrize(("duration_s", "memory_mb", "expected"),
                         [(0.1, 512, 1.033), (0.2, 512, 1.867), (0.1, 1024, 1.867),
                          (2.0, 128, 4.367)])
def test_lambda_cost_per_million_matches_reference(duration_s, memory_mb, expected):
    assert per_million(duration_s, memory_mb) == pytest.approx(expected, abs=0.001)


def test_free_tier_covers_eight_million_small_requests():
    # Lambda pricing: 400,000 GB-s covers 8 M requests of 512 MB x 100 ms; 1 M requests are free
    w = Workload(8e6 / MONTH_S, 0.1, 512)
    assert monthly_cost(LambdaOption(free_tier=True), w) == pytest.approx(7e6 * 2e-7, rel=1e-9)


@pytest.mark.parametrize(("option", "expected"), [
    (FargateOption(), 9.01), (FargateOption(vcpu=0.5, memory_gb=1.0), 18.02),
    (FargateOption(vcpu=1.0, memory_gb=2.0), 36.04),
    (FargateOption(vcpu=1.0, memory_gb=4.0), 42.53),
    (FargateOption(architecture="arm64"), 7.21), (EC2Option(instance_type="t3.large"), 60.74),
    (EC2Option(instance_type="m7g.large"), 59.57), (EC2Option(instance_type="t3.small"), 15.18),
])
def test_always_on_monthly_cost_matches_reference(option, expected):
    assert monthly_cost(option, Workload(0.0, 0.1, 512)) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(("duration_s", "memory_mb", "free_tier", "fargate", "millions"), [
    (0.1, 512, False, FargateOption(), 8.7), (0.1, 512, True, FargateOption(), 15.4),
    (0.1, 512, False, FargateOption(vcpu=1.0, memory_gb=2.0), 34.9),
    (0.1, 512, True, FargateOption(vcpu=1.0, memory_gb=2.0), 41.5),
    (0.2, 512, False, FargateOption(), 4.8), (0.2, 512, True, FargateOption(), 8.5),
    (2.0, 128, False, FargateOption(), 2.1), (2.0, 128, True, FargateOption(), 3.6),
    (2.0, 128, False, FargateOption(vcpu=1.0, memory_gb=2.0), 8.3),
])
def test_break_even_matches_reference_table(duration_s, memory_mb, free_tier, fargate, millions):
    rate = break_even_rate(fargate, duration_s=duration_s, memory_mb=memory_mb,
                           lambda_option=LambdaOption(free_tier=free_tier))
    assert rate * MONTH_S / 1e6 == pytest.approx(millions, abs=0.05)


def test_break_even_is_where_costs_cross():
    rate = break_even_rate(EC2Option(), duration_s=0.1, memory_mb=512)
    below, above = Workload(rate * 0.99, 0.1, 512), Workload(rate * 1.01, 0.1, 512)
    assert monthly_cost(LambdaOption(), below) < monthly_cost(EC2Option(), below)
    assert monthly_cost(LambdaOption(), above) > monthly_cost(EC2Option(), above)


def test_no_break_even_when_lambda_always_cheaper():
    # a container with tiny capacity per instance: every extra instance costs more than Lambda
    tiny = FargateOption(concurrency_per_vcpu=0.1)
    assert math.isnan(break_even_rate(tiny, duration_s=0.1, memory_mb=128, max_arrival_rate=50))


def test_containers_scale_out_by_littles_law():
    opt = FargateOption(vcpu=1.0, memory_gb=2.0, concurrency_per_vcpu=10, target_utilization=0.5)
    # 5 in flight per task; 100 req/s x 0.2 s = 20 in flight -> 4 tasks
    assert opt.instances_for(Workload(100, 0.2, 512)) == 4
    assert opt.instances_for(Workload(0, 0.2, 512)) == 1
    assert FargateOption(min_instances=3).instances_for(Workload(0, 0.2, 512)) == 3


def test_app_runner_idle_pays_memory_only():
    idle = monthly_cost(AppRunnerOption(), Workload(0.0, 0.1, 512))
    assert idle == pytest.approx(2.0 * 0.007 * 730)
    busy = monthly_cost(AppRunnerOption(), Workload(50.0, 0.1, 512))
    assert busy > idle


def test_cost_curve_is_tidy_and_monotone():
    df = cost_curve([0, 1, 10, 100, 1000], duration_s=0.1, memory_mb=512)
    assert list(df.columns) == ["rate_per_s", "requests_per_month", "option", "instances",
                                "monthly_cost_usd"]
    assert len(df) == 5 * 4
    for _, g in df.groupby("option"):
        assert g.monthly_cost_usd.is_monotonic_increasing


def test_changing_a_price_in_the_file_changes_the_cost(tmp_path):
    path = tmp_path / "prices.csv"
    load_prices().to_frame().to_csv(path, index=False)
    text = path.read_text().replace("fargate,vcpu_hour_x86,0.04048,",
                                    "fargate,vcpu_hour_x86,0.08096,")
    path.write_text(text)
    w = Workload(1.0, 0.1, 512)
    old = monthly_cost(FargateOption(), w, load_prices())
    new = monthly_cost(FargateOption(), w, load_prices(path))
    assert new - old == pytest.approx(0.25 * 0.04048 * 730)
    # and the break-even moves with it
    changed = load_prices(path)
    assert (break_even_rate(FargateOption(), duration_s=0.1, memory_mb=512, prices=changed)
            > break_even_rate(FargateOption(), duration_s=0.1, memory_mb=512))


def test_with_price_returns_a_changed_copy():
    prices = load_prices()
    cheaper = prices.with_price("lambda", "request", 0.0)
    assert cheaper.price("lambda", "request") == 0.0
    assert prices.price("lambda", "request") == 2e-7


def test_break_even_table_and_tradeoffs():
    t = break_even_table(duration_s=0.1, memory_mb=512)
    assert list(t.columns) == ["option", "break_even_rate_per_s", "break_even_requests_per_month",
                               "monthly_cost_usd"]
    assert (t.break_even_rate_per_s > 0).all()
    assert set(operational_tradeoffs().option) == {"Lambda (default)", "Lambda Managed Instances",
                                                   "Fargate", "EC2", "App Runner"}


def test_tradeoffs_tell_default_lambda_from_managed_instances():
    """Lambda Managed Instances run on EC2 instances in the account, start environments before
    traffic (no cold starts, no scale to zero) and allow longer asynchronous and event source
    mapping invocations: https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html,
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-best-practices.html,
    https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html."""
    rows = operational_tradeoffs().set_index("option")
    default, managed = rows.loc["Lambda (default)"], rows.loc["Lambda Managed Instances"]
    assert default.cold_start.startswith("yes") and default.scale_to_zero == "yes"
    assert managed.cold_start.startswith("no") and managed.scale_to_zero.startswith("no (3 ")
    assert "900 s per invocation" in default.limits
    assert "900 s per synchronous" in managed.limits and "5,400 s asynchronous" in managed.limits
    assert "EC2" in managed.billed_for and "Savings Plans" in managed.billed_for


# ---- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "name"), [
    ({"arrival_rate": -1, "duration_s": 0.1, "memory_mb": 512}, "arrival_rate"),
    ({"arrival_rate": 1, "duration_s": 0, "memory_mb": 512}, "duration_s"),
    ({"arrival_rate": 1, "duration_s": 0.1, "memory_mb": -5}, "memory_mb"),
    ({"arrival_rate": float("nan"), "duration_s": 0.1, "memory_mb": 512}, "arrival_rate"),
    ({"arrival_rate": float("inf"), "duration_s": 0.1, "memory_mb": 512}, "arrival_rate"),
])
def test_workload_rejects_bad_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Workload(**kwargs)


def test_workload_rejects_non_numbers():
    with pytest.raises(TypeError, match="arrival_rate"):
        Workload("10", 0.1, 512)


@pytest.mark.parametrize(("memory_mb", "duration_s", "match"), [
    (64, 0.1, "memory_mb"), (20480, 0.1, "memory_mb"), (512, 901, "duration_s")])
def test_lambda_limits(memory_mb, duration_s, match):
    with pytest.raises(ValueError, match=match):
        monthly_cost(LambdaOption(), Workload(1, duration_s, memory_mb))


def test_lambda_beyond_first_tier_is_refused_not_mispriced():
    with pytest.raises(ValueError, match="tier"):
        monthly_cost(LambdaOption(), Workload(1e6, 10.0, 10240))


@pytest.mark.parametrize(("factory", "match"), [
    (lambda: FargateOption(vcpu=0.3), "vcpu"),
    (lambda: FargateOption(memory_gb=0), "memory_gb"),
    (lambda: FargateOption(target_utilization=1.5), "target_utilization"),
    (lambda: FargateOption(min_instances=0), "min_instances"),
    (lambda: EC2Option(instance_type="x9.huge"), "instance_type"),
    (lambda: AppRunnerOption(vcpu=8.0), "vcpu"),
    (lambda: LambdaOption(architecture="sparc"), "architecture"),
])
def test_options_reject_bad_settings(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_lambda_free_tier_must_be_bool():
    with pytest.raises(TypeError, match="free_tier"):
        LambdaOption(free_tier="yes")


def test_break_even_needs_a_container_option():
    with pytest.raises(ValueError, match="container"):
        break_even_rate(LambdaOption(), duration_s=0.1, memory_mb=512)


def test_cost_curve_rejects_negative_and_empty_rates():
    with pytest.raises(ValueError, match="arrival_rates"):
        cost_curve([1, -2], duration_s=0.1, memory_mb=512)
    with pytest.raises(ValueError, match="arrival_rates"):
        cost_curve([], duration_s=0.1, memory_mb=512)


def test_monthly_cost_needs_a_workload():
    with pytest.raises(TypeError, match="workload"):
        monthly_cost(LambdaOption(), (1, 0.1, 512))


def _row(**over):
    row = {"service": "lambda", "item": "request", "price_usd": "2e-7", "unit": "per request",
           "region": "us-east-1", "source": "https://aws.amazon.com/lambda/pricing/",
           "source_date": "2022-08", "note": ""}
    row.update(over)
    return row


@pytest.mark.parametrize(("over", "match"), [
    ({"price_usd": "-1"}, "price_usd"), ({"price_usd": "abc"}, "price_usd"),
    ({"price_usd": "nan"}, "price_usd"), ({"source": " "}, "source"),
    ({"source_date": "last year"}, "source_date"), ({"source_date": ""}, "source_date"),
])
def test_price_table_rejects_bad_rows(over, match):
    with pytest.raises(ValueError, match=match):
        PriceTable.from_rows([_row(**over)])


def test_price_table_rejects_duplicates_and_missing_columns(tmp_path):
    with pytest.raises(ValueError, match="repeats"):
        PriceTable.from_rows([_row(), _row()])
    bad = tmp_path / "bad.csv"
    bad.write_text("service,item,price_usd\nlambda,request,2e-7\n")
    with pytest.raises(ValueError, match="source"):
        load_prices(bad)
    with pytest.raises(FileNotFoundError):
        load_prices(tmp_path / "missing.csv")


def test_unknown_price_names_what_exists():
    with pytest.raises(KeyError, match="duration_x86"):
        load_prices().price("lambda", "duration_sparc")
