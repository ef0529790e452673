"""The lab's key takeaways, one per pattern notebook (01 to 12), each with a small run that
measures the number behind it.

Each :class:`Takeaway` names the notebook that teaches it and a ``measure`` function that calls
that notebook's labkit models on a small seeded workload (well under a second each), so the
numbers in notebook 13 are recomputed on every run and never typed in by hand.

Contents
    Takeaway, Measurement, TAKEAWAYS, measure_all
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from labkit.core.validation import check_int

__all__ = ["Measurement", "Takeaway", "TAKEAWAYS", "measure_all"]


@dataclass(frozen=True)
class Measurement:
    """What one small run measured: the headline ``value`` (with ``unit``) and a sentence."""

    value: float
    unit: str
    text: str


@dataclass(frozen=True)
class Takeaway:
    """One key takeaway: the lesson, the notebook that teaches it, and how to measure it."""

    number: int
    notebook: str
    lesson: str
    measure: Callable[[int], Measurement]

    def run(self, seed: int = 42) -> Measurement:
        """Measure this takeaway on a small seeded run."""
        check_int("seed", seed, minimum=0)
        return self.measure(seed)


def _circuit_breaker(seed: int) -> Measurement:
    from labkit.resilience import CircuitBreaker, OutageConfig, simulate_outage

    config = OutageConfig(arrival_rate=20, horizon_s=120, incident_start_s=30.0,
                          incident_end_s=90.0, seed=seed)
    plain = simulate_outage(config).summary()
    guarded = simulate_outage(config.replace(
        breaker=lambda: CircuitBreaker(window_size=50, minimum_calls=20, wait_in_open_s=10,
                                       half_open_calls=5))).summary()
    cut = 1.0 - guarded["calls_during_incident"] / plain["calls_during_incident"]
    return Measurement(100 * cut, "% fewer calls",
                       f"calls into a 60 s outage: {plain['calls_during_incident']:,} without a "
                       f"breaker, {guarded['calls_during_incident']:,} with one ({cut:.1%} fewer)")


def _retry_budget(seed: int) -> Measurement:
    from labkit.mesh.storm import StormConfig, run_retry_storm

    config = StormConfig(layers=3, attempts=3, backend_error=1.0, arrival_rate=100.0,
                         horizon_s=1.0, seed=seed)
    none = run_retry_storm(config)
    budget = run_retry_storm(config.replace(policy="budget"))
    return Measurement(none.amplification, "x backend calls",
                       f"3 layers x 3 attempts against a failing database: "
                       f"{none.amplification:.1f}x backend calls per request without a limit, "
                       f"{budget.amplification:.1f}x with a 20% retry budget")


def _cold_starts(seed: int) -> Measurement:
    from labkit.serverless.functions import FunctionsConfig, run_functions
    from labkit.serverless.pricing import lambda_monthly_cost

    config = FunctionsConfig(arrival_rate=0.005, warm_service_s=0.3, cold_service_s=1.5,
                             idle_timeout_s=300.0, horizon_s=400_000, seed=seed)
    runs = {p: run_functions(config.replace(provisioned=p)) for p in (0, 1)}
    bills = {p: lambda_monthly_cost(config.arrival_rate, duration_s=r.mean_response_s,
                                    memory_mb=1024, provisioned=p).total_usd
             for p, r in runs.items()}
    return Measurement(100 * runs[0].cold_start_prob, "% cold starts",
                       f"one request every 200 s, an assumed 5 min idle timeout "
                       f"(AWS publishes none): "
                       f"{runs[0].cold_start_prob:.1%} of requests start cold on demand "
                       f"(${bills[0]:.2f} a month), {runs[1].cold_start_prob:.1%} with one "
                       f"provisioned environment (${bills[1]:.2f} a month)")


def _queue(seed: int) -> Measurement:
    from labkit.microservices.handoff import HandoffConfig, compare_handoff_designs

    runs = compare_handoff_designs(HandoffConfig(arrival_rate=10.0, horizon_s=60.0,
                                                 outage_start_s=20.0, outage_end_s=35.0,
                                                 drain_s=60.0, seed=seed))
    sync, queued = runs["sync"], runs["async"]
    s, q = sync.summary(), queued.summary()
    return Measurement(s["failed"], "orders lost",
                       f"a 15 s order-service outage: the synchronous chain failed "
                       f"{s['failed']} of {s['requests']} checkouts, the queue failed "
                       f"{q['failed']} "
                       f"(p99 end-to-end {q['p99_end_to_end_s']:.1f} s instead)")


def _write_behind(seed: int) -> Measurement:
    from labkit.caching.strategies import StrategyConfig, simulate_strategy

    config = StrategyConfig("write_behind", n_requests=2_000, n_keys=500, write_fraction=0.2,
                            arrival_rate=500.0, capacity=100, flush_interval_s=1.0,
                            crash_at_s=2.5, seed=seed)
    plain = simulate_strategy(config)
    logged = simulate_strategy(config.replace(durable_log=True))
    return Measurement(plain.writes_lost, "writes lost",
                       f"a cache node dies 2.5 s into a write-behind run: {plain.writes_lost} "
                       f"acknowledged writes lost, {logged.writes_lost} with a durable log")


def _idempotent(seed: int) -> Measurement:
    from labkit.messaging.scenarios import ConsumerConfig, simulate_consumers

    config = ConsumerConfig(n_messages=100, arrival_rate=4.0, consumers=3,
                            visibility_timeout_s=4.0, crash_probability=0.02,
                            duplicate_probability=0.01, seed=seed)
    naive = simulate_consumers(config).summary()
    safe = simulate_consumers(config.replace(idempotent=True)).summary()
    return Measurement(naive["duplicate_effects"], "duplicate charges",
                       f"{naive['redeliveries']} redeliveries of {naive['messages_sent']} "
                       f"messages: {naive['duplicate_effects']} duplicate charges with a naive "
                       f"consumer, {safe['duplicate_effects']} with an idempotent one")


def _event_store(seed: int) -> Measurement:
    from labkit.eventstore.contention import ContentionConfig, simulate_contention

    config = ContentionConfig(writers=8, commands_per_writer=20, mode="crud", seed=seed)
    crud = simulate_contention(config).summary()
    store = simulate_contention(config.replace(mode="event_store")).summary()
    return Measurement(crud["lost_updates"], "lost updates",
                       f"8 writers, {crud['commands']} commands on hot orders: "
                       f"{crud['lost_updates']} lost updates with last-writer-wins rows, "
                       f"{store['lost_updates']} with expected-version appends "
                       f"({store['conflicts']} conflicts retried)")


def _saga(seed: int) -> Measurement:
    from labkit.workflows import FaultPlan
    from labkit.workflows.experiments import run_sagas

    faults = FaultPlan({"reserve": 0.05, "charge": 0.15, "fulfil": 0.10, "complete": 0.05},
                       compensation_rate=0.2)
    shop = dict(stock=5000, customers=100, balance_usd=3000)
    plain = run_sagas(300, style="no saga", faults=faults, seed=seed, **shop)
    saga = run_sagas(300, style="orchestration", faults=faults, seed=seed, **shop)
    return Measurement(len(plain.violations), "violations",
                       f"300 orders with injected failures: {len(plain.violations)} orders left "
                       f"with stock held or money taken without a saga, {len(saga.violations)} "
                       f"with the orchestrated saga")


def _guardrails(seed: int) -> Measurement:
    from labkit.org.scenarios import GUARDRAIL_REQUESTS, GuardrailConfig, run_guardrails

    risky = GUARDRAIL_REQUESTS[:4]   # trail, log bucket, root access key, ungoverned Region
    summary = run_guardrails(GuardrailConfig(requests=risky)).summary()
    return Measurement(summary["allowed_landing_zone"], "risky requests allowed",
                       f"{summary['n_requests']} risky requests: {summary['allowed_flat']} "
                       f"allowed in a flat organization, {summary['allowed_landing_zone']} in "
                       f"the landing zone (explicit SCP denies)")


def _poison_record(seed: int) -> Measurement:
    from labkit.serverless.streams import EventSourceMapping, StreamConfig, simulate_stream

    config = StreamConfig(horizon_s=120.0, poison_at_s=30.0, seed=seed)
    stuck = simulate_stream(config).summary()
    handled = simulate_stream(config.replace(mapping=EventSourceMapping(
        bisect_on_error=True, maximum_retries=2, on_failure_destination=True))).summary()
    return Measurement(stuck["final_iterator_age_s"], "s iterator age",
                       f"one poison record 30 s into a Kinesis stream: the iterator age grows to "
                       f"{stuck['final_iterator_age_s']:.0f} s with the default retries, "
                       f"{handled['final_iterator_age_s']:.0f} s with bisect-on-error, 2 retries "
                       f"and an on-failure destination ({handled['to_destination']} record set "
                       f"aside)")


def _partitioning(seed: int) -> Measurement:
    import tempfile

    from labkit.core.facts import fact_value
    from labkit.lake import Lake

    with tempfile.TemporaryDirectory() as root:
        lake = Lake(root)
        lake.build(rows=500, seed=seed)
        full = lake.query("SELECT * FROM stage.orders WHERE region = 'eu' AND order_ts >= "
                          "TIMESTAMP '2024-03-01 00:00:00' AND order_ts < "
                          "TIMESTAMP '2024-04-01 00:00:00'").bytes_scanned
        pruned = lake.query("SELECT * FROM orders WHERE year = 2024 AND month = 3 AND "
                            "region = 'eu'").bytes_scanned
    return Measurement(100 * (1 - pruned / full), "% fewer bytes scanned",
                       f"one month of one region's orders: {full:,} bytes scanned in unpartitioned "
                       f"Parquet, {pruned:,} in Parquet partitioned by year, month and region "
                       f"(Athena on per-query billing charges the bytes scanned but at least "
                       f"{fact_value('athena_min_scan_mb'):g} MB a query, so at this size both "
                       f"pay the minimum; at scale the cut is the bill)")


def _bulkhead(seed: int) -> Measurement:
    from labkit.resilience import NoisyNeighbourConfig, pool_summary, simulate_noisy_neighbour

    config = NoisyNeighbourConfig("shared", arrival_rate_a=40.0, arrival_rate_b=80.0,
                                  overload_b=5.0, permits=20, max_wait_s=0.05, horizon_s=10.0,
                                  overload_window=(2.0, 8.0), seed=seed)
    shared = pool_summary(simulate_noisy_neighbour(config).records).set_index("tenant")
    split = pool_summary(simulate_noisy_neighbour(
        config.replace(design="partitioned", permits_a=10)).records).set_index("tenant")
    a_shared, a_split = shared.loc["A", "success_rate"], split.loc["A", "success_rate"]
    return Measurement(100 * a_split, "% of A served",
                       f"tenant B floods a shared pool: tenant A served {a_shared:.1%} with one "
                       f"shared pool, {a_split:.1%} with its own compartment")


TAKEAWAYS: tuple[Takeaway, ...] = (
    Takeaway(1, "01-microservices.ipynb",
             "A queue between services turns a downstream outage into delay instead of failures.",
             _queue),
    Takeaway(2, "02-service-mesh.ipynb",
             "Retries at every layer multiply load on a failing dependency; a retry budget "
             "bounds it.", _retry_budget),
    Takeaway(3, "03-event-driven.ipynb",
             "Delivery is at least once; only an idempotent consumer makes effects happen once.",
             _idempotent),
    Takeaway(4, "04-event-sourcing-cqrs.ipynb",
             "Optimistic concurrency (expected versions) turns silent lost updates into "
             "detected conflicts.", _event_store),
    Takeaway(5, "05-saga.ipynb",
             "Without one transaction across services, a saga's compensations keep the ledgers "
             "consistent.", _saga),
    Takeaway(6, "06-serverless-web.ipynb",
             "Cold starts are a low-traffic problem; provisioned concurrency removes them for a "
             "fixed monthly price.", _cold_starts),
    Takeaway(7, "07-serverless-data-processing.ipynb",
             "One poison record stalls its shard until it expires; bisect-on-error, bounded "
             "retries and an on-failure destination set it aside.", _poison_record),
    Takeaway(8, "08-data-lake.ipynb",
             "Partitioned, columnar files let a query read only the data it needs; above "
             "Athena's per-query minimum (on-demand billing), that is also all it pays for.",
             _partitioning),
    Takeaway(9, "09-multi-account.ipynb",
             "Guardrail SCPs in a landing zone stop risky actions that IAM alone would allow.",
             _guardrails),
    Takeaway(10, "10-circuit-breaker.ipynb",
             "A circuit breaker stops callers hammering a failing dependency and fails them "
             "fast.", _circuit_breaker),
    Takeaway(11, "11-bulkhead.ipynb",
             "A bulkhead keeps one tenant's overload from starving the others.", _bulkhead),
    Takeaway(12, "12-caching.ipynb",
             "Write-behind buys fast writes with the risk of losing acknowledged ones; a durable "
             "log closes the gap.", _write_behind),
)


def measure_all(seed: int = 42):
    """Measure every takeaway; a DataFrame with ``number``, ``notebook``, ``lesson``, ``value``,
    ``unit`` and ``measured``.

    >>> frame = measure_all(seed=1)  # doctest: +SKIP
    """
    import pandas as pd

    check_int("seed", seed, minimum=0)
    rows = []
    for item in TAKEAWAYS:
        m = item.run(seed)
        rows.append({"number": item.number, "notebook": item.notebook, "lesson": item.lesson,
                     "value": m.value, "unit": m.unit, "measured": m.text})
    return pd.DataFrame(rows)
