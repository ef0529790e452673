"""The selection table and the recommender: known best patterns, clear errors."""

import json
import tomllib
from pathlib import Path

import pytest

from labkit.guide import (
    ContradictoryRequirementsError,
    EmptyRequirementsError,
    RequirementsError,
    load_catalog,
    recommend,
)
from labkit.guide.catalog import default_catalog_path

ROOT = Path(__file__).resolve().parents[2]
LAB_NOTEBOOKS = {n["file"] for n in
                 tomllib.loads((ROOT / "tools" / "notebooks.toml").read_text())["notebook"]}


def test_catalog_checks_out_against_the_lab():
    catalog = load_catalog(default_catalog_path(), notebooks=LAB_NOTEBOOKS)
    assert len(catalog.patterns) >= 25
    # every requirement is answered by at least one pattern, so any single choice ranks something
    for r in catalog.requirements:
        assert recommend([r.id], catalog=catalog), r.id
    # the patterns the notebooks add are in the table
    ids = {p.id for p in catalog.patterns}
    assert {"retry_budget", "outlier_detection", "idempotent_consumer", "cdc",
            "write_behind", "circuit_breaker", "bulkhead", "saga"} <= ids
    assert all(p.sources and p.aws_services for p in catalog.patterns)


@pytest.mark.parametrize("requirements, best", [
    (["duplicate_delivery"], "idempotent_consumer"),
    (["dependency_failures", "fail_fast"], "circuit_breaker"),
    (["distributed_transaction"], "saga"),
    (["audit_history"], "event_sourcing"),
    (["read_write_scale"], "cqrs"),
    (["noisy_neighbours"], "bulkhead"),
    (["transient_errors", "dependency_failures"], "retry_budget"),
    (["sick_instances"], "outlier_detection"),
    (["replicate_changes"], "cdc"),
    (["fast_writes"], "write_behind"),
    (["read_latency", "read_latest_write"], "write_through"),
    (["read_latency"], "cache_aside"),
    (["account_isolation", "central_governance"], "landing_zone"),
    (["poison_messages"], "dead_letter_queue"),
    (["many_consumers"], "pub_sub_event_bus"),
    (["pay_per_use"], "serverless_web"),
    (["analytics", "fine_grained_access"], "data_lake"),
])
def test_known_best_pattern_ranks_first(requirements, best):
    top = recommend(requirements)[0]
    assert top.pattern.id == best
    assert top.rank == 1 and top.reasons and set(top.covers) <= set(requirements)


def test_ranking_is_by_score_and_penalises_conflicting_tradeoffs():
    recs = recommend(["read_latency"])
    by_id = {r.pattern.id: r for r in recs}
    assert by_id["cache_aside"].score > by_id["write_through"].score
    # asking for fresh reads too: cache-aside's staleness now counts against it
    recs = recommend(["read_latency", "read_latest_write"])
    by_id = {r.pattern.id: r for r in recs}
    assert by_id["cache_aside"].score == 3 - 1
    assert any("stale" in c for c in by_id["cache_aside"].conflicts)
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)
    assert [r.rank for r in recs] == list(range(1, len(recs) + 1))


def test_limit_and_duplicates():
    assert len(recommend(["dependency_failures"], limit=2)) == 2
    assert recommend(["fail_fast", "fail_fast"]) == recommend(["fail_fast"])
    with pytest.raises(ValueError, match="limit"):
        recommend(["fail_fast"], limit=0)


def test_empty_requirements_give_a_clear_message():
    with pytest.raises(EmptyRequirementsError, match="choose at least one of"):
        recommend([])
    with pytest.raises(ValueError):  # a ValueError subclass, as docs/architecture.md asks
        recommend(set())


def test_contradictory_requirements_are_named_with_the_reason():
    with pytest.raises(ContradictoryRequirementsError) as err:
        recommend(["synchronous_answer", "traffic_spikes", "fail_fast"])
    assert "synchronous_answer" in str(err.value) and "traffic_spikes" in str(err.value)
    assert "202 Accepted" in str(err.value)
    with pytest.raises(ContradictoryRequirementsError, match="scaling to zero"):
        recommend(["no_cold_starts", "pay_per_use"])
    with pytest.raises(ContradictoryRequirementsError, match="flush"):
        recommend(["fast_writes", "no_write_loss"])


def test_unknown_requirement_and_bare_string():
    with pytest.raises(RequirementsError, match="unknown requirements \\['fast'\\]"):
        recommend(["fast"])
    with pytest.raises(TypeError, match="not one string"):
        recommend("fail_fast")


def test_catalog_rejects_broken_tables(tmp_path):
    raw = json.loads(default_catalog_path().read_text())
    raw["patterns"][0]["serves"][0]["requirement"] = "no_such_requirement"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match="unknown requirements"):
        load_catalog(bad)
    raw = json.loads(default_catalog_path().read_text())
    raw["patterns"][0]["notebook"] = "99-nowhere.ipynb"
    bad.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match="not in the lab"):
        load_catalog(bad, notebooks=LAB_NOTEBOOKS)


def test_rows_flatten_the_table():
    rows = load_catalog().rows()
    assert {"requirement", "pattern", "aws_services", "notebook", "weight"} == set(rows[0])
    assert len(rows) == sum(len(p.serves) for p in load_catalog().patterns)
