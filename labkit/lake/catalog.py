"""The catalog (a Glue Data Catalog stand-in) and the crawler that fills it.

Glue's model: one catalog -> databases -> tables -> partitions. A table holds **metadata only**:
its columns and types, partition keys, location, format, and the partitions found there. Here the
databases are the zones (``raw``, ``stage``, ``curated``); the default database is ``curated``,
the one analysts query.

- :class:`Catalog`: ``databases()``, ``tables(database)``, ``columns(table)``, ``schema(table)``,
  ``partitions(table)``, ``versions(table)``; saved as JSON next to the zones.
- :func:`crawl_table`: the crawler. It infers the schema from the files themselves (DuckDB's
  ``DESCRIBE`` over ``read_parquet``/``read_csv``/``read_json``) and the partitions from
  ``key=value`` folders. With Glue's ``UPDATE_IN_DATABASE`` policy a changed schema becomes a new
  **table version**; new tables and partitions are always added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from labkit.lake.storage import atomic_write_text, list_files

__all__ = ["Catalog", "CatalogError", "TableEntry", "crawl_table", "DEFAULT_DATABASE",
           "split_table_name"]

DEFAULT_DATABASE = "curated"


def split_table_name(name: str, default: str = DEFAULT_DATABASE) -> tuple[str, str]:
    """Split ``"db.table"`` (or ``"table"``) into ``(database, table)``, lower case.

    >>> split_table_name("orders"), split_table_name("raw.Orders")
    (('curated', 'orders'), ('raw', 'orders'))
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"table must be a non-empty string, got {name!r}")
    parts = name.strip().lower().split(".")
    if len(parts) == 1:
        return default, parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise ValueError(f"table must be 'table' or 'database.table', got {name!r}")


@dataclass(frozen=True)
class TableEntry:
    """One catalog table: metadata only (never the data)."""

    database: str
    name: str
    location: str
    format: str
    columns: tuple[tuple[str, str], ...]
    partition_keys: tuple[tuple[str, str], ...]
    partitions: tuple[tuple[str, ...], ...]
    files: int
    size_bytes: int
    version: int

    def to_dict(self) -> dict:
        return {"database": self.database, "name": self.name, "location": self.location,
                "format": self.format, "columns": [list(c) for c in self.columns],
                "partition_keys": [list(c) for c in self.partition_keys],
                "partitions": [list(p) for p in self.partitions], "files": self.files,
                "size_bytes": self.size_bytes, "version": self.version}

    @classmethod
    def from_dict(cls, d: dict) -> TableEntry:
        return cls(d["database"], d["name"], d["location"], d["format"],
                   tuple(tuple(c) for c in d["columns"]),
                   tuple(tuple(c) for c in d["partition_keys"]),
                   tuple(tuple(p) for p in d["partitions"]), int(d["files"]),
                   int(d["size_bytes"]), int(d["version"]))


class Catalog:
    """Databases, tables, columns, partitions and schema versions of one lake.

    >>> import tempfile, pathlib
    >>> cat = Catalog(pathlib.Path(tempfile.mkdtemp()) / "catalog.json")
    >>> cat.tables()
    []
    """

    def __init__(self, path: str | Path, *, text: str | None = None) -> None:
        self.path = Path(path)
        self._tables: dict[tuple[str, str], TableEntry] = {}
        self._history: dict[tuple[str, str], list[dict]] = {}
        if text is None and self.path.exists():
            text = self.path.read_text()
        if text is not None:
            source = "text" if self.path is None or not self.path.exists() else str(self.path)
            tables, history = _parse_catalog(text, source)
            for entry in tables:
                self._tables[(entry.database, entry.name)] = entry
            self._history.update(history)

    # -- reading -----------------------------------------------------------------------------
    def databases(self) -> list[str]:
        """Database names, sorted."""
        return sorted({db for db, _ in self._tables})

    def tables(self, database: str = DEFAULT_DATABASE) -> list[str]:
        """Table names in ``database`` (default ``curated``), sorted."""
        return sorted(name for db, name in self._tables if db == database)

    def table(self, table: str) -> TableEntry:
        """The entry for ``table`` (``"name"`` or ``"database.name"``)."""
        key = split_table_name(table)
        if key not in self._tables:
            known = ", ".join(f"{d}.{t}" for d, t in sorted(self._tables)) or "none (build first)"
            raise KeyError(f"table {table!r} is not in the catalog; known tables: {known}")
        return self._tables[key]

    def columns(self, table: str) -> list[str]:
        """Column names of ``table``: data columns, then partition keys (as Athena shows them)."""
        e = self.table(table)
        return [c for c, _ in e.columns] + [c for c, _ in e.partition_keys]

    def schema(self, table: str) -> pd.DataFrame:
        """One row per column: ``column``, ``type``, ``partition_key``."""
        e = self.table(table)
        rows = [(c, t, False) for c, t in e.columns] + [(c, t, True) for c, t in e.partition_keys]
        return pd.DataFrame(rows, columns=["column", "type", "partition_key"])

    def partitions(self, table: str) -> pd.DataFrame:
        """One row per partition, one column per partition key (values as text)."""
        e = self.table(table)
        return pd.DataFrame(list(e.partitions), columns=[c for c, _ in e.partition_keys])

    def versions(self, table: str) -> pd.DataFrame:
        """Schema history: ``version``, ``columns`` (``name type`` list), ``change``."""
        key = split_table_name(table)
        self.table(table)
        return pd.DataFrame(self._history.get(key, []),
                            columns=["version", "columns", "change"])

    def to_frame(self) -> pd.DataFrame:
        """One row per table: database, table, format, location, columns, partitions, files,
        size_bytes, version."""
        rows = [(e.database, e.name, e.format, e.location, len(e.columns) + len(e.partition_keys),
                 len(e.partitions), e.files, e.size_bytes, e.version)
                for _, e in sorted(self._tables.items())]
        return pd.DataFrame(rows, columns=["database", "table", "format", "location", "columns",
                                           "partitions", "files", "size_bytes", "version"])

    # -- writing -----------------------------------------------------------------------------
    def register(self, entry: TableEntry) -> TableEntry:
        """Add or update a table (``UPDATE_IN_DATABASE``); a changed schema gets a new version."""
        key = (entry.database, entry.name)
        signature = [f"{c} {t}" for c, t in entry.columns + entry.partition_keys]
        history = self._history.setdefault(key, [])
        if not history:
            version, change = 1, "created"
        elif history[-1]["columns"] != signature:
            old = set(history[-1]["columns"])
            added = [s for s in signature if s not in old]
            removed = [s for s in history[-1]["columns"] if s not in set(signature)]
            version = history[-1]["version"] + 1
            change = "; ".join(filter(None, [
                "added " + ", ".join(added) if added else "",
                "removed " + ", ".join(removed) if removed else ""]))
        else:
            version, change = history[-1]["version"], None
        if change is not None:
            history.append({"version": version, "columns": signature, "change": change})
        entry = TableEntry(entry.database, entry.name, entry.location, entry.format,
                           entry.columns, entry.partition_keys, entry.partitions, entry.files,
                           entry.size_bytes, version)
        self._tables[key] = entry
        return entry

    def to_json(self) -> str:
        """The catalog as JSON text (what :meth:`save` writes)."""
        data = {"tables": [e.to_dict() for _, e in sorted(self._tables.items())],
                "history": {f"{d}.{t}": v for (d, t), v in sorted(self._history.items())}}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    def save(self) -> Path:
        """Write the catalog as JSON (atomically)."""
        return atomic_write_text(self.path, self.to_json())


class CatalogError(ValueError):
    """A catalog file or text that is not a valid catalog; the message names the bad element."""


def _parse_catalog(text: str, source: str):
    """Validate catalog JSON and return ``(entries, history)``; refuse with the element's path.

    >>> _parse_catalog('{"tables": [{"name": 1}], "history": {}}', "text")
    Traceback (most recent call last):
    ...
    labkit.lake.catalog.CatalogError: catalog (text): tables[0].database is missing
    """
    def bad(where: str, what: str) -> CatalogError:
        return CatalogError(f"catalog ({source}): {where} {what}")

    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise CatalogError(f"catalog ({source}) is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad("the top level", f"must be an object, got {type(data).__name__}")
    for key, kind in (("tables", list), ("history", dict)):
        if not isinstance(data.get(key), kind):
            raise bad(key, "is missing" if key not in data else f"must be a {kind.__name__}")
    entries = []
    text_fields = ("database", "name", "location", "format")
    for i, d in enumerate(data["tables"]):
        where = f"tables[{i}]"
        if not isinstance(d, dict):
            raise bad(where, "must be an object")
        for field in text_fields + ("columns", "partition_keys", "partitions", "files",
                                    "size_bytes", "version"):
            if field not in d:
                raise bad(f"{where}.{field}", "is missing")
        for field in text_fields:
            if not isinstance(d[field], str) or not d[field]:
                raise bad(f"{where}.{field}", "must be a non-empty string")
        for field in ("columns", "partition_keys"):
            if not isinstance(d[field], list):
                raise bad(f"{where}.{field}", "must be a list")
            for k, c in enumerate(d[field]):
                if not (isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) for x in c)):
                    raise bad(f"{where}.{field}[{k}]", "must be [name, type] (two strings)")
        if not isinstance(d["partitions"], list) or not all(
                isinstance(p, list) and all(isinstance(x, str) for x in p)
                for p in d["partitions"]):
            raise bad(f"{where}.partitions", "must be a list of lists of strings")
        for field in ("files", "size_bytes", "version"):
            if isinstance(d[field], bool) or not isinstance(d[field], int) or d[field] < 0:
                raise bad(f"{where}.{field}", "must be a non-negative integer")
        entries.append(TableEntry.from_dict(d))
    history = {}
    for key, versions in data["history"].items():
        where = f"history[{key!r}]"
        if key.count(".") != 1:
            raise bad(where, "must be keyed 'database.table'")
        if not isinstance(versions, list) or not all(
                isinstance(v, dict) and {"version", "columns", "change"} <= set(v)
                for v in versions):
            raise bad(where, "must be a list of {version, columns, change} objects")
        db, name = key.split(".", 1)
        history[(db, name)] = versions
    return entries, history


_READERS = {
    "parquet": ("read_parquet({files}, hive_partitioning = true, hive_types = {types})",
                ".parquet"),
    "csv": ("read_csv({files}, header = true, all_varchar = true)", ".csv"),
    "json": ("read_json({files}, format = 'newline_delimited', ignore_errors = true)",
             ".json"),
}


def reader_sql(fmt: str, files, partition_types: dict[str, str] | None = None) -> str:
    """The DuckDB table function that reads ``files`` of format ``fmt``."""
    from labkit.lake.etl import sql_list, sql_literal

    template, _ = _READERS[fmt]
    types = "{" + ", ".join(f"{sql_literal(k)}: {sql_literal(v)}"
                            for k, v in (partition_types or {}).items()) + "}"
    if fmt == "parquet" and not partition_types:
        template = "read_parquet({files}, hive_partitioning = false)"
    return template.format(files=sql_list(files), types=types)


def _natural(values: tuple[str, ...]) -> tuple:
    return tuple((0, int(v), "") if v.isdigit() else (1, 0, v) for v in values)


def crawl_table(con, root: str | Path, database: str, table: str, location: str, fmt: str,
                *, partition_types: dict[str, str] | None = None,
                files: list[Path] | None = None) -> TableEntry:
    """Infer a catalog entry for the files under ``root/location`` (the crawler).

    Columns and types come from the files (``DESCRIBE``); partition keys from the ``key=value``
    folders, with their types pinned by ``partition_types``. ``files`` (for an Iceberg table:
    the files of its current snapshot) replaces the listing of the folder.
    """
    if fmt not in _READERS:
        raise ValueError(f"fmt must be one of {sorted(_READERS)}, got {fmt!r}")
    root = Path(root)
    if files is None:
        files = list_files(root / location, _READERS[fmt][1])
    files = [Path(f) for f in files]
    if not files:
        raise FileNotFoundError(f"no {fmt} files under {location!r} to crawl")
    described = con.execute(f"DESCRIBE SELECT * FROM {reader_sql(fmt, files, partition_types)}"
                            ).fetchall()
    keys = list((partition_types or {}).items())
    key_names = {k for k, _ in keys}
    columns = tuple((r[0], r[1]) for r in described if r[0] not in key_names)
    partitions = set()
    for f in files:
        rel = f.relative_to(root / location).parts[:-1]
        values = dict(p.split("=", 1) for p in rel if "=" in p)
        if key_names:
            partitions.add(tuple(values.get(k, "") for k, _ in keys))
    size = sum(f.stat().st_size for f in files)
    return TableEntry(database, table, location, fmt, columns, tuple(keys),
                      tuple(sorted(partitions, key=_natural)), len(files), size, 0)
