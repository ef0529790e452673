"""Lake Formation-style grants: what an analyst may see, and every query the gate refuses."""

import pytest

from labkit.lake.governance import check_row_filter, check_select

PII = ("email", "phone", "name")


@pytest.fixture(scope="module")
def lake(built_lake, grant_eu_without_pii):
    lake, _ = built_lake
    grant_eu_without_pii(lake, "analyst")
    return lake


def test_granted_query_runs_and_row_filter_holds(lake):
    r = lake.query("SELECT region, count(*) AS n, sum(amount_usd) AS s FROM orders GROUP BY 1",
                   principal="analyst")
    assert r.frame.region.tolist() == ["eu"]
    admin = lake.query("SELECT count(*) AS n FROM orders WHERE region = 'eu'").frame.n[0]
    assert r.frame.n[0] == admin
    assert r.bytes_scanned > 0 and r.principal == "analyst"


def test_row_filter_prunes_partitions(lake):
    r = lake.query("SELECT sum(amount_usd) AS s FROM orders", principal="analyst")
    assert r.files_scanned == 12           # only region=eu files, one per month


def test_star_shows_only_granted_columns(lake):
    cols = lake.query("SELECT * FROM customers LIMIT 1", principal="analyst").frame.columns
    assert not set(PII) & set(cols)
    assert "customer_id" in cols


def test_join_of_granted_tables_is_allowed(lake):
    r = lake.query("WITH c AS (SELECT customer_id, segment FROM customers) "
                   "SELECT segment, count(*) AS n FROM orders JOIN c USING (customer_id) "
                   "GROUP BY 1 ORDER BY 1", principal="analyst")
    assert set(r.frame.segment) <= {"consumer", "business"}


REFUSED = {
    "ungranted column": "SELECT email FROM customers",
    "ungranted column in WHERE": "SELECT count(*) FROM customers WHERE phone LIKE '+1%'",
    "ungranted column, other spelling": 'SELECT "EMAIL" FROM customers',
    "other table": "SELECT * FROM clickstream",
    "qualified name": "SELECT * FROM curated.orders",
    "raw zone": "SELECT * FROM raw.orders",
    "table function read_parquet": "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "table function read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "table function glob": "SELECT * FROM glob('/*')",
    "table function query_table": "SELECT * FROM query_table('orders')",
    "settings table function": "SELECT * FROM duckdb_settings()",
    "file path string": "SELECT * FROM '/tmp/orders.parquet'",
    "file path identifier": 'SELECT * FROM "data/orders.parquet"',
    "file path in subquery": "SELECT * FROM orders WHERE customer_id IN "
                             "(SELECT customer_id FROM read_parquet('/tmp/c.parquet'))",
    "current_setting": "SELECT current_setting('allowed_paths')",
    "COPY": "COPY orders TO '/tmp/out.csv'",
    "COPY a query": "COPY (SELECT * FROM orders) TO '/tmp/out.parquet' (FORMAT parquet)",
    "ATTACH": "ATTACH '/tmp/other.duckdb' AS other",
    "SET": "SET enable_external_access = true",
    "RESET": "RESET lock_configuration",
    "PRAGMA": "PRAGMA enable_profiling = 'json'",
    "INSTALL": "INSTALL httpfs",
    "LOAD": "LOAD httpfs",
    "CREATE": "CREATE TABLE t AS SELECT * FROM orders",
    "DROP": "DROP VIEW orders",
    "INSERT": "INSERT INTO orders SELECT * FROM orders",
    "several statements": "SELECT 1; SELECT 2",
    "statement smuggled after SELECT": "SELECT * FROM orders; COPY orders TO '/tmp/x.csv'",
    "unparseable": "SELEC * FROM orders",
    "FROM-first garbage": "FROM orders SELECT *,,",
    "SUMMARIZE": "SUMMARIZE orders",
    "DESCRIBE": "DESCRIBE customers",
    "EXPLAIN": "EXPLAIN SELECT * FROM orders",
    "SELECT INTO": "SELECT * INTO t FROM orders",
}


@pytest.mark.parametrize("sql", REFUSED.values(), ids=REFUSED.keys())
def test_gate_refuses(lake, sql, tmp_path):
    with pytest.raises(PermissionError, match="refused"):
        lake.query(sql, principal="analyst")


def test_empty_sql_is_a_value_error(lake):
    with pytest.raises(ValueError, match="sql"):
        lake.query("   ", principal="analyst")


def test_principal_without_grants_is_refused(lake):
    with pytest.raises(PermissionError, match="no grants"):
        lake.query("SELECT 1", principal="intern")


def test_sandbox_itself_blocks_files_and_settings(lake):
    """Behind the gate, the DuckDB connection is locked down too (defence in depth)."""
    import duckdb

    con = lake._sandbox("analyst").connection
    with pytest.raises(duckdb.Error):
        con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        con.execute("SELECT email FROM customers").fetchall()


def test_revoke_removes_access(built_lake):
    lake, _ = built_lake
    lake.grant("temp", "orders", columns=["order_id", "amount_usd"])
    assert list(lake.query("SELECT * FROM orders LIMIT 1", principal="temp").frame.columns) == \
        ["order_id", "amount_usd"]
    lake.revoke("temp")
    with pytest.raises(PermissionError):
        lake.query("SELECT * FROM orders", principal="temp")


def test_grants_table_names_the_lake_formation_kinds(lake):
    g = lake.grants().set_index(["principal", "table"])
    assert g.loc[("analyst", "customers"), "kind"] == "cell-level"
    assert g.loc[("analyst", "orders"), "kind"] == "row-level"


@pytest.mark.parametrize("kwargs, match", [
    ({"columns": ["nope"]}, "not in"),
    ({"columns": []}, "columns"),
    ({"row_filter": "region IN (SELECT 'eu')"}, "row_filter"),
    ({"row_filter": "read_csv('/etc/passwd') IS NULL"}, "row_filter"),
    ({"row_filter": "unknown_col = 1"}, "unknown column"),
    ({"row_filter": "region = "}, "row_filter"),
])
def test_bad_grants_are_refused(lake, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lake.grant("analyst2", "orders", **kwargs)


def test_grant_on_unknown_table_or_bad_principal(lake):
    with pytest.raises(ValueError, match="curated table"):
        lake.grant("analyst", "raw.orders")
    with pytest.raises(ValueError, match="principal"):
        lake.grant("bad name; drop", "orders")


def test_gate_and_row_filter_units():
    g = {"orders": ("order_id", "region")}
    assert check_select("SELECT order_id FROM orders UNION SELECT 1", g)
    with pytest.raises(PermissionError):
        check_select("SELECT amount_usd FROM orders", g, {"orders": ["order_id", "region",
                                                                     "amount_usd"]})
    assert check_row_filter("month BETWEEN 1 AND 3 AND region <> 'eu'",
                            ["month", "region"]) == "month BETWEEN 1 AND 3 AND region <> 'eu'"
