"""Storage through fsspec: publish a built lake to any fsspec URL and query it there.

DuckDB writes partitioned Parquet with ``COPY`` to local folders, and reaching ``s3://`` from
DuckDB itself needs its ``httpfs`` extension, which is downloaded at run time. So the lake is
built locally, then:

- :func:`publish` uploads the zones and the catalog to a **new version prefix**
  ``<url>/versions/v000001/`` (``v000002`` next time, ...), writes that version's manifest
  ``_SUCCESS.json`` in it, and only then flips the pointer ``<url>/_CURRENT.json`` to it. S3 has
  no rename, but a PUT of one object is atomic: an interrupted republish leaves the pointer on the
  previous version, whose objects are never overwritten, so it stays readable and complete.
- :class:`RemoteLake` follows the pointer once, when opened, and reads only that version's
  files (through fsspec; DuckDB reads them through the registered filesystem, no extension
  needed), so a reader opened before a republish keeps one consistent version. Bytes scanned
  are measured as for a local lake.

With s3fs installed, ``storage_options`` such as ``client_kwargs={"endpoint_url": ...}`` reach an
S3-compatible server (the tests use moto's server on 127.0.0.1 when moto and s3fs are installed).
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from labkit.lake.athena import QueryResult, run_measured
from labkit.lake.catalog import Catalog
from labkit.lake.etl import quote_identifier, sql_list, sql_literal
from labkit.lake.storage import list_files

__all__ = ["publish", "RemoteLake", "MANIFEST", "POINTER"]

#: The manifest of one version (its files, sizes and SHA-256), written after its files.
MANIFEST = "_SUCCESS.json"
#: The pointer to the current version, written last.
POINTER = "_CURRENT.json"


def _fs(url: str, storage_options: dict):
    import fsspec

    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"url must be an fsspec URL such as 's3://bucket/lake', got {url!r}")
    fs, base = fsspec.core.url_to_fs(url, **storage_options)
    return fs, base.rstrip("/")


def _current(fs, base: str) -> dict | None:
    try:
        return json.loads(fs.cat_file(f"{base}/{POINTER}"))
    except FileNotFoundError:
        return None


def _put(fs, path: str, data: bytes) -> None:
    from fsspec.implementations.local import LocalFileSystem

    if isinstance(fs, LocalFileSystem):          # local folders must exist before a write
        fs.makedirs(fs._parent(path), exist_ok=True)
    fs.pipe_file(path, data)


def publish(lake, url: str, *, zones: tuple[str, ...] = ("raw", "stage", "curated"),
            **storage_options) -> pd.DataFrame:
    """Upload ``lake``'s zones and catalog to a new version under ``url``; flip the pointer last.

    Returns one row per uploaded file: ``path`` (relative to the version), ``size_bytes``,
    ``sha256``; ``manifest.attrs["version"]`` names the version written.
    """
    lake._require_built()
    fs, base = _fs(url, storage_options)
    current = _current(fs, base)
    number = int(current["version"].removeprefix("v")) + 1 if current else 1
    version = f"v{number:06d}"
    prefix = f"{base}/versions/{version}"
    rows = []
    files = []
    for zone in zones:                  # raw: its files; stage, curated: current snapshots
        if zone == "raw":
            files += list_files(lake.path(zone))
        else:
            files += [lake.root / p for t in lake.catalog.tables(zone)
                      for p in lake.files(f"{zone}.{t}").path]
    files.append(lake.root / "catalog" / "catalog.json")
    for f in files:
        rel = str(f.relative_to(lake.root))
        data = f.read_bytes()
        _put(fs, f"{prefix}/{rel}", data)
        rows.append((rel, len(data), hashlib.sha256(data).hexdigest()))
    manifest = pd.DataFrame(rows, columns=["path", "size_bytes", "sha256"])
    _put(fs, f"{prefix}/{MANIFEST}", json.dumps(
        {"version": version, "files": manifest.to_dict(orient="records")}, indent=1).encode())
    _put(fs, f"{base}/{POINTER}", json.dumps({"version": version}).encode())   # the flip
    manifest.attrs["version"] = version
    return manifest


class RemoteLake:
    """A published lake read through fsspec: ``catalog`` and ``query`` like :class:`Lake`.

    Only the curated tables are queryable, by name, as the administrator.
    """

    def __init__(self, url: str, **storage_options) -> None:
        self.fs, root = _fs(url, storage_options)
        current = _current(self.fs, root)
        if current is None:
            raise FileNotFoundError(f"no complete lake at {url!r}: {POINTER} is missing "
                                    "(not published, or the first upload did not finish)")
        #: The version this reader follows (fixed when it was opened).
        self.version = current["version"]
        self.base = f"{root}/versions/{self.version}"
        manifest = json.loads(self.fs.cat_file(f"{self.base}/{MANIFEST}"))
        self.files = pd.DataFrame(manifest["files"])
        self.catalog = Catalog("catalog.json", text=self.fs.cat_file(
            f"{self.base}/catalog/catalog.json").decode())
        self._con = None

    def _url(self, rel: str) -> str:
        return self.fs.unstrip_protocol(f"{self.base}/{rel}")

    def _connection(self):
        if self._con is None:
            import duckdb

            con = duckdb.connect()
            con.register_filesystem(self.fs)
            for table in self.catalog.tables():
                entry = self.catalog.table(table)
                paths = [self._url(p) for p in self.files.path
                         if p.startswith(entry.location + "/") and p.endswith(".parquet")]
                types = "{" + ", ".join(f"{sql_literal(k)}: {sql_literal(v)}"
                                        for k, v in entry.partition_keys) + "}"
                con.execute(f"CREATE VIEW {quote_identifier(table)} AS SELECT * FROM "
                            f"read_parquet({sql_list(paths)}, hive_partitioning = true, "
                            f"hive_types = {types})")
            con.execute("PRAGMA enable_profiling = 'no_output'")
            self._con = con
        return self._con

    def query(self, sql: str) -> QueryResult:
        """Run ``sql`` over the remote curated tables; bytes scanned measured as locally."""
        if not isinstance(sql, str) or not sql.strip():
            raise ValueError("sql must be a non-empty SQL string")
        return run_measured(self._connection(), sql)
