"""The chapter's selection table as catalog rows: every row implemented by catalog patterns
taught in the lab, the two rows the catalog lacked, and the note on the retired App Mesh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from labkit.core.facts import fact_value
from labkit.guide import load_catalog, recommend

ROOT = Path(__file__).resolve().parents[2]


def test_every_row_names_patterns_taught_in_a_lab_notebook():
    catalog = load_catalog()
    assert len(catalog.selection) >= 14
    for row in catalog.selection:
        for pid in row.patterns:
            assert (ROOT / "notebooks" / catalog.pattern(pid).notebook).exists()
    table = catalog.selection_frame()
    assert list(table.columns) == ["need", "choose", "patterns", "notebooks", "note"]
    assert {"CQRS + Read Replicas", "Step Functions"} <= set(table["choose"])


def test_the_new_rows_are_ranked_first_for_their_requirement():
    assert recommend(["read_heavy_queries"])[0].pattern.id == "cqrs_read_replicas"
    assert recommend(["complex_workflow"])[0].pattern.id == "step_functions_workflow"
    # replica lag counts against CQRS + read replicas when every read must see the last write
    ranked = recommend(["read_heavy_queries", "read_latest_write"], limit=10)
    lagging = next(r for r in ranked if r.pattern.id == "cqrs_read_replicas")
    assert lagging.conflicts


def test_the_retired_app_mesh_is_named_with_its_replacement_and_date():
    end = dt.date.fromisoformat(str(fact_value("app_mesh_end_of_support")))
    notes = [r.note for r in load_catalog().selection if "App Mesh" in r.note]
    assert len(notes) == 1
    assert end.strftime("%-d %B %Y") in notes[0]
    assert "ECS Service Connect" in notes[0] and "VPC Lattice" in notes[0]
