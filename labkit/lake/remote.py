"""Storage through fsspec: publish a built lake to any fsspec URL and query it there.

DuckDB writes partitioned Parquet with ``COPY`` to local folders, and reaching ``s3://`` from
DuckDB itself needs its ``httpfs`` extension, which is downloaded at run time. So the lake is
built locally, then:

- :func:`publish` uploads the zones and the catalog to ``s3://bucket/prefix`` (or ``memory://``,
  ``gs://``, ... any fsspec URL) and writes a **manifest** ``_SUCCESS.json`` last. S3 has no
  rename; a PUT is atomic per object, so readers trust only the files the manifest lists and a
  half-finished upload stays invisible (the same idea as Hadoop's ``_SUCCESS`` marker).
- :class:`RemoteLake` reads the manifest and the catalog through fsspec and queries the curated
  tables with DuckDB, which reads the objects through the registered fsspec filesystem (no
  extension needed). Bytes scanned are measured as for a local lake.

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

__all__ = ["publish", "RemoteLake", "MANIFEST"]

MANIFEST = "_SUCCESS.json"


def _fs(url: str, storage_options: dict):
    import fsspec

    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"url must be an fsspec URL such as 's3://bucket/lake', got {url!r}")
    fs, base = fsspec.core.url_to_fs(url, **storage_options)
    return fs, base.rstrip("/")


def publish(lake, url: str, *, zones: tuple[str, ...] = ("raw", "stage", "curated"),
            **storage_options) -> pd.DataFrame:
    """Upload ``lake``'s zones and catalog to ``url``; write the manifest last.

    Returns one row per uploaded file: ``path`` (relative), ``size_bytes``, ``sha256``.
    """
    lake._require_built()
    fs, base = _fs(url, storage_options)
    rows = []
    files = [f for z in zones for f in list_files(lake.path(z))]
    files.append(lake.root / "catalog" / "catalog.json")
    if fs.exists(f"{base}/{MANIFEST}"):
        fs.rm(f"{base}/{MANIFEST}")           # readers see nothing while the upload runs
    for f in files:
        rel = str(f.relative_to(lake.root))
        data = f.read_bytes()
        fs.pipe_file(f"{base}/{rel}", data)
        rows.append((rel, len(data), hashlib.sha256(data).hexdigest()))
    manifest = pd.DataFrame(rows, columns=["path", "size_bytes", "sha256"])
    fs.pipe_file(f"{base}/{MANIFEST}", json.dumps(
        {"files": manifest.to_dict(orient="records")}, indent=1).encode())
    return manifest


class RemoteLake:
    """A published lake read through fsspec: ``catalog`` and ``query`` like :class:`Lake`.

    Only the curated tables are queryable, by name, as the administrator.
    """

    def __init__(self, url: str, **storage_options) -> None:
        self.fs, self.base = _fs(url, storage_options)
        try:
            manifest = json.loads(self.fs.cat_file(f"{self.base}/{MANIFEST}"))
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"no complete lake at {url!r}: {MANIFEST} is missing "
                                    "(not published, or the upload did not finish)") from exc
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
