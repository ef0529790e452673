"""The pattern selection table as data: requirements, patterns, the AWS services that implement
them and the notebook that teaches each one.

The table lives in ``labkit/data/patterns.json`` (reviewed, with sources). This module reads it into
frozen records and checks it: every requirement a pattern names must exist, every notebook must
be one of the lab's.

Contents
    Requirement, Serves, TradeOff, Pattern, Contradiction, SelectionRow, PatternCatalog,
    load_catalog, default_catalog_path
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from labkit.core.data import data_dir

__all__ = ["Contradiction", "Pattern", "PatternCatalog", "Requirement", "SelectionRow", "Serves",
           "TradeOff", "default_catalog_path", "load_catalog"]


@dataclass(frozen=True)
class Requirement:
    """Something a system must do or be, in the reader's words (``id`` is the short key)."""

    id: str
    label: str
    group: str


@dataclass(frozen=True)
class Serves:
    """A pattern answers ``requirement`` with a ``weight`` (1 = helps, 3 = the classic answer)."""

    requirement: str
    weight: int
    reason: str


@dataclass(frozen=True)
class TradeOff:
    """A cost of a pattern; ``hurts`` lists the requirements it works against (may be empty)."""

    text: str
    hurts: tuple[str, ...]


@dataclass(frozen=True)
class Pattern:
    """One row of the selection table."""

    id: str
    name: str
    notebook: str
    aws_services: tuple[str, ...]
    serves: tuple[Serves, ...]
    tradeoffs: tuple[TradeOff, ...]
    sources: tuple[str, ...]

    def weight_for(self, requirement: str) -> int:
        """How strongly this pattern answers ``requirement`` (0 if it does not)."""
        return max((s.weight for s in self.serves if s.requirement == requirement), default=0)


@dataclass(frozen=True)
class Contradiction:
    """Two requirements that cannot both hold, and why."""

    requirements: tuple[str, str]
    reason: str


@dataclass(frozen=True)
class SelectionRow:
    """One row of the chapter's selection table: a need, the pattern to choose, the catalog
    patterns that implement it, and a note where the chapter is out of date."""

    need: str
    choose: str
    patterns: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class PatternCatalog:
    """Requirements, patterns and contradictions, as read from the table."""

    requirements: tuple[Requirement, ...]
    patterns: tuple[Pattern, ...]
    contradictions: tuple[Contradiction, ...]
    examples: tuple[tuple[str, tuple[str, ...]], ...] = ()
    selection: tuple[SelectionRow, ...] = ()

    def selection_frame(self):
        """The chapter's selection table with each row's patterns, services and notebooks.

        >>> table = load_catalog().selection_frame()
        >>> "CQRS + Read Replicas" in set(table["choose"])
        True
        """
        import pandas as pd

        rows = []
        for row in self.selection:
            found = [self.pattern(pid) for pid in row.patterns]
            rows.append({"need": row.need, "choose": row.choose,
                         "patterns": "; ".join(p.name for p in found),
                         "notebooks": ", ".join(dict.fromkeys(p.notebook for p in found)),
                         "note": row.note})
        return pd.DataFrame(rows)

    def requirement(self, requirement_id: str) -> Requirement:
        """The requirement with this id; ``KeyError`` naming the valid ids otherwise."""
        for r in self.requirements:
            if r.id == requirement_id:
                return r
        raise KeyError(f"unknown requirement {requirement_id!r}; known: "
                       f"{', '.join(r.id for r in self.requirements)}")

    def pattern(self, pattern_id: str) -> Pattern:
        """The pattern with this id; ``KeyError`` naming the valid ids otherwise."""
        for p in self.patterns:
            if p.id == pattern_id:
                return p
        raise KeyError(f"unknown pattern {pattern_id!r}; known: "
                       f"{', '.join(p.id for p in self.patterns)}")

    def rows(self) -> list[dict[str, str]]:
        """The table flattened: one row per (requirement, pattern), for a DataFrame."""
        out = []
        for p in self.patterns:
            for s in p.serves:
                out.append({"requirement": self.requirement(s.requirement).label,
                            "pattern": p.name, "aws_services": "; ".join(p.aws_services),
                            "notebook": p.notebook, "weight": s.weight})
        return out


def default_catalog_path() -> Path:
    """``labkit/data/patterns.json`` in the installed package (labkit/data/)."""
    return data_dir() / "patterns.json"


def _catalog_from_dict(raw: dict[str, Any], notebooks: set[str] | None) -> PatternCatalog:
    if not isinstance(raw, dict) or not {"requirements", "patterns"} <= set(raw):
        raise ValueError("catalog must be an object with 'requirements' and 'patterns'")
    requirements = tuple(Requirement(r["id"], r["label"], r.get("group", "")) for r in
                         raw["requirements"])
    ids = [r.id for r in requirements]
    if len(set(ids)) != len(ids):
        raise ValueError("catalog: requirement ids must be unique")
    known = set(ids)
    patterns = []
    for p in raw["patterns"]:
        serves = tuple(Serves(s["requirement"], int(s["weight"]), s["reason"]) for s in p["serves"])
        tradeoffs = tuple(TradeOff(t["text"], tuple(t.get("hurts", ()))) for t in p["tradeoffs"])
        named = {s.requirement for s in serves} | {h for t in tradeoffs for h in t.hurts}
        if named - known:
            raise ValueError(f"pattern {p['id']!r} names unknown requirements "
                             f"{sorted(named - known)}")
        if not serves:
            raise ValueError(f"pattern {p['id']!r} serves no requirement")
        if any(not 1 <= s.weight <= 3 for s in serves):
            raise ValueError(f"pattern {p['id']!r}: weights must be 1, 2 or 3")
        if notebooks is not None and p["notebook"] not in notebooks:
            raise ValueError(f"pattern {p['id']!r}: notebook {p['notebook']!r} is not in the lab")
        if not p.get("sources"):
            raise ValueError(f"pattern {p['id']!r} has no sources")
        patterns.append(Pattern(p["id"], p["name"], p["notebook"], tuple(p["aws_services"]),
                                serves, tradeoffs, tuple(p["sources"])))
    pids = [p.id for p in patterns]
    if len(set(pids)) != len(pids):
        raise ValueError("catalog: pattern ids must be unique")
    contradictions = []
    for c in raw.get("contradictions", []):
        pair = tuple(c["requirements"])
        if len(pair) != 2 or set(pair) - known:
            raise ValueError(f"contradiction {pair!r} must name two known requirements")
        contradictions.append(Contradiction(pair, c["reason"]))  # type: ignore[arg-type]
    examples = []
    for e in raw.get("examples", []):
        wanted = tuple(e["requirements"])
        if set(wanted) - known:
            raise ValueError(f"example {e['system']!r} names unknown requirements "
                             f"{sorted(set(wanted) - known)}")
        examples.append((e["system"], wanted))
    selection = []
    for row in raw.get("selection_table", []):
        unknown = set(row["patterns"]) - set(pids)
        if unknown or not row["patterns"]:
            raise ValueError(f"selection row {row['choose']!r} must name known patterns, got "
                             f"{row['patterns']!r}")
        selection.append(SelectionRow(row["need"], row["choose"], tuple(row["patterns"]),
                                      row.get("note", "")))
    return PatternCatalog(requirements, tuple(patterns), tuple(contradictions), tuple(examples),
                          tuple(selection))


def load_catalog(path: str | Path | None = None, *,
                 notebooks: set[str] | None = None) -> PatternCatalog:
    """Read and check the selection table (default: the committed ``labkit/data/patterns.json``).

    ``notebooks``, if given, is the set of notebook file names a pattern may point to.

    >>> catalog = load_catalog()
    >>> catalog.pattern("circuit_breaker").notebook
    '10-circuit-breaker.ipynb'
    """
    if path is None:
        return _default_catalog()
    with open(path, encoding="utf-8") as fh:
        return _catalog_from_dict(json.load(fh), notebooks)


@lru_cache(maxsize=1)
def _default_catalog() -> PatternCatalog:
    with open(default_catalog_path(), encoding="utf-8") as fh:
        return _catalog_from_dict(json.load(fh), None)
