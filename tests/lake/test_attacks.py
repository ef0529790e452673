"""Every way a restricted principal tried to read past its grant.

The analyst may read ``customers`` without name/email/phone and ``orders``, both only where
``region = 'eu'``. Each attack is tried twice: through :meth:`Lake.query` (the gate refuses it
with PermissionError), and straight on the sandbox's DuckDB connection, gate skipped, to show
the boundary holds by construction: whatever the engine answers contains no other region, no
personal data and no path into the lake.
"""

import duckdb
import pytest

PII = ("email", "phone", "name")


@pytest.fixture(scope="module")
def lake(built_lake, grant_eu_without_pii):
    lake, _ = built_lake
    grant_eu_without_pii(lake, "attacker")
    yield lake
    lake.revoke("attacker")


def _files(lake, table, part):
    return [str(lake.root / p) for p in lake.files(table).path if part in p]


def attacks(lake):
    apac = _files(lake, "orders", "region=apac")[0]
    cust = _files(lake, "customers", "region=apac")[0]
    root = str(lake.root)
    a = {
        # CTE shadowing: a CTE named like a file or catalog, defined in an inner scope
        "cte shadowing a file path": f'SELECT * FROM "{apac}" WHERE EXISTS '
                                     f'(WITH "{apac}" AS (SELECT 1) SELECT 1)',
        "cte shadowing customers file": f'SELECT * FROM "{cust}" WHERE EXISTS '
                                        f'(WITH "{cust}" AS (SELECT 1) SELECT 1)',
        "cte shadowing sqlite_master": "SELECT * FROM sqlite_master WHERE EXISTS "
                                       "(WITH sqlite_master AS (SELECT 1) SELECT 1)",
        "cte shadowing pg_views": "SELECT * FROM pg_views WHERE EXISTS "
                                  "(WITH pg_views AS (SELECT 1) SELECT 1)",
        "cte shadowing pg_settings": "SELECT * FROM pg_settings WHERE EXISTS "
                                     "(WITH pg_settings AS (SELECT 1) SELECT 1)",
        "cte defined after its use": "WITH a AS (SELECT * FROM pg_settings), "
                                     "pg_settings AS (SELECT 1) SELECT * FROM a",
        "cte in a scalar subquery": "SELECT (WITH duckdb_views AS (SELECT 1) SELECT 1), * "
                                    "FROM duckdb_views",
        # system catalogs
        "sqlite_master": "SELECT * FROM sqlite_master",
        "sqlite_schema": "SELECT * FROM sqlite_schema",
        "pg_views": "SELECT * FROM pg_views",
        "pg_settings": "SELECT * FROM pg_settings",
        "pg_tables": "SELECT * FROM pg_tables",
        "information_schema.tables": "SELECT * FROM information_schema.tables",
        "information_schema.columns": "SELECT * FROM information_schema.columns",
        "duckdb_views()": "SELECT sql FROM duckdb_views()",
        "duckdb_settings()": "SELECT * FROM duckdb_settings()",
        "duckdb_tables()": "SELECT * FROM duckdb_tables()",
        "duckdb_functions()": "SELECT * FROM duckdb_functions()",
        "duckdb_secrets()": "SELECT * FROM duckdb_secrets()",
        "duckdb_extensions()": "SELECT * FROM duckdb_extensions()",
        "duckdb_databases()": "SELECT * FROM duckdb_databases()",
        "system.main qualified": "SELECT * FROM system.main.duckdb_settings",
        "temp qualified": "SELECT * FROM temp.main.x",
        "memory qualified": "SELECT * FROM memory.main.orders",
        # table functions
        "read_parquet": f"SELECT * FROM read_parquet('{apac}')",
        "read_parquet list": f"SELECT * FROM read_parquet(['{apac}'])",
        "read_parquet glob": f"SELECT * FROM read_parquet('{root}/**/*.parquet')",
        "parquet_scan": f"SELECT * FROM parquet_scan('{apac}')",
        "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
        "read_csv_auto": f"SELECT * FROM read_csv_auto('{root}/raw/dms/sales/orders/*.csv')",
        "read_json": f"SELECT * FROM read_json('{root}/raw/firehose/**/*.json')",
        "read_json_auto": "SELECT * FROM read_json_auto('/etc/hostname')",
        "read_text": "SELECT * FROM read_text('/etc/passwd')",
        "read_blob": "SELECT * FROM read_blob('/etc/passwd')",
        "glob": f"SELECT * FROM glob('{root}/**')",
        "parquet_metadata": f"SELECT * FROM parquet_metadata('{apac}')",
        "parquet_schema": f"SELECT * FROM parquet_schema('{apac}')",
        "sniff_csv": "SELECT * FROM sniff_csv('/etc/passwd')",
        "query_table": "SELECT * FROM query_table('orders')",
        "query_table of a path": f"SELECT * FROM query_table('{apac}')",
        "query()": "SELECT * FROM query('SELECT * FROM pg_settings')",
        "generate_series": "SELECT * FROM generate_series(1, 200000000)",
        "range": "SELECT * FROM range(1000000000)",
        "iceberg_scan": f"SELECT * FROM iceberg_scan('{root}')",
        "sqlite_scan": f"SELECT * FROM sqlite_scan('{root}/sources/sales.sqlite', 'customers')",
        "table function in a join": f"SELECT * FROM orders JOIN read_parquet('{apac}') USING "
                                    "(order_id)",
        "table function in a subquery": f"SELECT * FROM orders WHERE order_id IN (SELECT "
                                        f"order_id FROM read_parquet('{apac}'))",
        "table function in a lateral": f"SELECT * FROM orders, LATERAL read_parquet('{apac}')",
        # scalar functions that reveal things
        "current_setting": "SELECT current_setting('allowed_paths')",
        "getenv": "SELECT getenv('HOME')",
        "read_text as scalar": "SELECT (SELECT content FROM read_text('/etc/passwd'))",
        "pragma_ function": "SELECT * FROM pragma_database_list()",
        # file paths in FROM
        "path string": f"SELECT * FROM '{apac}'",
        "path identifier": f'SELECT * FROM "{apac}"',
        "relative path": 'SELECT * FROM "curated/orders/year=2024/month=1/region=apac/'
                         'part-0.parquet"',
        "path with backslashes": 'SELECT * FROM "C:\\\\lake\\\\x.parquet"',
        "url": "SELECT * FROM 'https://example.com/x.parquet'",
        "s3 url": "SELECT * FROM 's3://bucket/x.parquet'",
        "path in a union": f"SELECT order_id FROM orders UNION ALL SELECT order_id FROM '{apac}'",
        "path in EXISTS": f"SELECT * FROM orders WHERE EXISTS (SELECT * FROM '{apac}')",
        "dotted name": 'SELECT * FROM "orders.parquet"',
        # statements other than SELECT
        "COPY to file": "COPY orders TO '/tmp/labkit-attack.csv'",
        "COPY from file": "COPY orders FROM '/tmp/labkit-attack.csv'",
        "COPY query": "COPY (SELECT * FROM orders) TO '/tmp/labkit-attack.parquet'",
        "EXPORT DATABASE": "EXPORT DATABASE '/tmp/labkit-attack'",
        "ATTACH file": f"ATTACH '{root}/x.duckdb' AS x",
        "ATTACH sqlite": f"ATTACH '{root}/sources/sales.sqlite' AS s (TYPE sqlite)",
        "ATTACH memory": "ATTACH ':memory:' AS m",
        "DETACH": "DETACH memory",
        "USE": "USE system",
        "INSTALL": "INSTALL httpfs",
        "FORCE INSTALL": "FORCE INSTALL httpfs",
        "LOAD": "LOAD httpfs",
        "SET external access": "SET enable_external_access = true",
        "SET lock": "SET lock_configuration = false",
        "SET allowed paths": f"SET allowed_paths = ['{apac}']",
        "RESET": "RESET lock_configuration",
        "PRAGMA": "PRAGMA enable_profiling = 'json'",
        "PRAGMA table_info": "PRAGMA table_info('orders')",
        "CREATE VIEW": f"CREATE VIEW v AS SELECT * FROM '{apac}'",
        "CREATE MACRO": f"CREATE MACRO m() AS TABLE SELECT * FROM '{apac}'",
        "CREATE TABLE AS": "CREATE TABLE t AS SELECT * FROM orders",
        "CREATE SECRET": "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
        "DROP VIEW": "DROP VIEW orders",
        "INSERT": "INSERT INTO orders SELECT * FROM orders",
        "UPDATE": "UPDATE orders SET region = 'apac'",
        "DELETE": "DELETE FROM orders",
        "ALTER VIEW": "ALTER VIEW orders RENAME TO o",
        "PREPARE": f"PREPARE p AS SELECT * FROM '{apac}'",
        "EXECUTE": "EXECUTE p",
        "EXPLAIN": "EXPLAIN SELECT * FROM orders",
        "EXPLAIN ANALYZE": f"EXPLAIN ANALYZE SELECT * FROM '{apac}'",
        "DESCRIBE": "DESCRIBE customers",
        "SHOW TABLES": "SHOW TABLES",
        "SUMMARIZE": "SUMMARIZE orders",
        "CALL": "CALL duckdb_settings()",
        "CHECKPOINT": "CHECKPOINT",
        "VACUUM": "VACUUM",
        "SELECT INTO": "SELECT * INTO t FROM orders",
        # several statements, comments, quoting tricks
        "two statements": "SELECT 1; SELECT 2",
        "statement after a comment": f"SELECT 1 -- x\n; SELECT * FROM '{apac}'",
        "block comment hiding a statement": f"SELECT 1 /* */; SELECT * FROM '{apac}'",
        "trailing COPY": "SELECT * FROM orders; COPY orders TO '/tmp/labkit-attack.csv'",
        "comment inside a path": f"SELECT * FROM /* x */ '{apac}'",
        "ungranted column": "SELECT email FROM customers",
        "ungranted column quoted": 'SELECT "Email" FROM customers',
        "ungranted column in WHERE": "SELECT count(*) FROM customers WHERE phone LIKE '+1%'",
        "ungranted column via table alias": "SELECT c.name FROM customers c",
        "other table": "SELECT * FROM clickstream",
        "other zone": "SELECT * FROM raw.customers",
        "quarantine": "SELECT * FROM stage.quarantine",
        "homoglyph table name": "SELECT * FROM оrders",          # Cyrillic o
        "homoglyph column": "SELECT еmail FROM customers",        # Cyrillic e
        "unicode escape identifier": 'SELECT * FROM U&"\\006Frders"',
        "unparseable": "SELEC * FROM orders",
        "FROM-first garbage": "FROM orders SELECT *,,",
        "deep nesting": "SELECT " + "(" * 3000 + "1" + ")" * 3000,
        "very long text": "SELECT 1" + " " * 30_000,
    }
    return a


SECRETS = ("@example", "+1-555", "Customer ")


def _leaks(rows, lake) -> list:
    found = []
    for row in rows:
        for value in row:
            text = str(value)
            if text in ("apac", "na", "latam") or str(lake.root) in text:
                found.append(text[:80])
            found += [s for s in SECRETS if s in text]
    return found


def test_there_are_at_least_96_attacks(lake):
    assert len(attacks(lake)) >= 96


def test_gate_refuses_every_attack(lake):
    accepted = []
    for name, sql in attacks(lake).items():
        try:
            lake.query(sql, principal="attacker")
        except PermissionError:
            continue
        accepted.append(name)
    assert accepted == []


def test_sandbox_holds_without_the_gate(lake):
    """Gate skipped: each attack runs straight on the sandbox engine; nothing leaks."""
    sandbox = lake._sandbox("attacker")
    con = sandbox.connection
    leaks = {}
    for name, sql in attacks(lake).items():
        if name in ("generate_series", "range"):          # harmless, only slow: see below
            continue
        try:
            rows = con.execute(sql).fetchall()
        except (duckdb.Error, RecursionError):
            continue
        bad = _leaks(rows, lake)
        if bad:
            leaks[name] = bad[:3]
    assert leaks == {}
    # the engine still works and still applies the grant
    n = con.execute("SELECT count(*) FROM orders WHERE region <> 'eu'").fetchall()[0][0]
    assert n == 0
    assert "email" not in [r[0] for r in con.execute("DESCRIBE customers").fetchall()]


def test_sandbox_files_hold_only_granted_rows_and_columns(lake):
    sandbox = lake._sandbox("attacker")
    files = list(sandbox.folder.rglob("*.parquet"))
    assert files and all("region=eu" in str(f) for f in files if "orders" in str(f))
    import pyarrow.parquet as pq

    for f in files:
        if "customers" in str(f):
            assert not set(PII) & set(pq.read_schema(f).names)


def test_row_filter_still_prunes_files(lake):
    r = lake.query("SELECT sum(amount_usd) AS s FROM orders WHERE month = 3",
                   principal="attacker")
    assert r.files_scanned == 1 and r.bytes_scanned > 0


def test_statement_timeout_stops_a_long_query(built_lake, tmp_path):
    from labkit.lake import Lake
    from labkit.lake.athena import QueryLimitExceeded

    lake, _ = built_lake
    with Lake(lake.root, query_timeout_s=0.5) as short:
        short.grant("t", "orders", columns=["order_id"])
        with pytest.raises(QueryLimitExceeded, match="statement timeout of 0.5 s"):
            short.query("SELECT count(*) FROM orders a, orders b, orders c "
                        "WHERE a.order_id + b.order_id > c.order_id", principal="t")
        with pytest.raises(PermissionError, match="timeout"):
            short.query("SELECT count(*) FROM range(100000000000) r(x) WHERE x % 7 = 3")
        assert short.query("SELECT 1 AS one").frame.one[0] == 1     # still usable


def test_sandboxes_are_bounded_and_closed(built_lake):
    from labkit.lake import Lake

    lake, _ = built_lake
    with Lake(lake.root, max_sandboxes=2) as small:
        folders = []
        for k in range(5):
            small.grant(f"p{k}", "orders", columns=["order_id"])
            small.query("SELECT count(*) FROM orders", principal=f"p{k}")
            folders.append(small._sandboxes[f"p{k}"].folder)
        assert list(small._sandboxes) == ["p3", "p4"]
        assert [f.exists() for f in folders] == [False, False, False, True, True]
    assert not any(f.exists() for f in folders)


def test_deep_nesting_is_refused_with_a_reason(lake):
    from labkit.lake import check_row_filter

    with pytest.raises(PermissionError, match="at most 32 levels"):
        lake.query("SELECT " + "(" * 3000 + "1" + ")" * 3000, principal="attacker")
    with pytest.raises(ValueError, match="at most 32 levels"):
        check_row_filter("(" * 3000 + "region = 'eu'" + ")" * 3000, ["region"])
    assert len(lake.query("SELECT " + "(" * 30 + "1" + ")" * 30 + " AS x",
                          principal="attacker").frame) == 1
