"""Bad and random input to the lake's public functions: each either runs within its bound or
raises a documented error (ValueError, TypeError, PermissionError) naming what was wrong."""

import json
import math

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.lake import (
    Catalog,
    Lake,
    athena_billed_bytes,
    athena_cost_usd,
    check_row_filter,
    check_rules,
    check_select,
    firehose_object_key,
    plan_firehose_batches,
    profile_table,
    to_athena_sql,
)
from labkit.lake.catalog import CatalogError, split_table_name
from labkit.lake.firehose import MAX_EPOCH_S
from labkit.lake.zones import MAX_ROWS

DOCUMENTED = (ValueError, TypeError, PermissionError)
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40),
                     st.lists(st.integers(), max_size=3), st.binary(max_size=8))


def test_build_refuses_rows_above_the_bound(tmp_path):
    lake = Lake(tmp_path)
    with pytest.raises(ValueError, match=rf"rows must be .*{MAX_ROWS}.*got 10000000000"):
        lake.build(rows=10**10)
    with pytest.raises(TypeError, match="rows"):
        lake.build(rows=1e6)
    assert not (tmp_path / "raw").exists()         # nothing was written


def test_firehose_key_out_of_range_names_the_parameter():
    with pytest.raises(ValueError, match=r"first_arrival_s must be within \[0, 253402300799\]"):
        firehose_object_key("", "s", 1e20, "id")
    with pytest.raises(ValueError, match="first_arrival_s"):
        firehose_object_key("", "s", -1, "id")
    assert firehose_object_key("", "s", MAX_EPOCH_S, "id").startswith("9999/12/31/23/")


@FAST
@given(t=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), anything),
       version=anything)
def test_firehose_key_property(t, version):
    try:
        key = firehose_object_key("p/", "s", t, "id", version=version)
    except DOCUMENTED:
        return
    assert key.startswith("p/") and key.count("/") == 5


@pytest.mark.parametrize("text, where", [
    ("{", "not valid JSON"),
    ("[]", "top level must be an object"),
    ("{}", "tables is missing"),
    ('{"tables": {}, "history": {}}', "tables must be a list"),
    ('{"tables": [], "history": []}', "history must be a dict"),
    ('{"tables": [{}], "history": {}}', r"tables\[0\].database is missing"),
    ('{"tables": [{"database": "curated", "name": "o", "location": "x", "format": "parquet", '
     '"columns": [["a"]], "partition_keys": [], "partitions": [], "files": 1, "size_bytes": 1, '
     '"version": 1}], "history": {}}', r"tables\[0\].columns\[0\] must be \[name, type\]"),
    ('{"tables": [{"database": "curated", "name": "o", "location": "x", "format": "parquet", '
     '"columns": [], "partition_keys": [], "partitions": [], "files": -1, "size_bytes": 1, '
     '"version": 1}], "history": {}}', r"tables\[0\].files must be a non-negative integer"),
    ('{"tables": [], "history": {"orders": []}}', r"history\['orders'\] must be keyed"),
])
def test_malformed_catalog_is_refused_with_the_element_path(tmp_path, text, where):
    with pytest.raises(CatalogError, match=where):
        Catalog(tmp_path / "c.json", text=text)


def test_catalog_round_trips(built_lake, tmp_path):
    lake, _ = built_lake
    again = Catalog(tmp_path / "c.json", text=lake.catalog.to_json())
    assert again.to_json() == lake.catalog.to_json()


@FAST
@given(st.recursive(st.one_of(st.none(), st.integers(), st.text(max_size=5)),
                    lambda c: st.one_of(st.lists(c, max_size=3),
                                        st.dictionaries(st.sampled_from(
                                            ["tables", "history", "name", "columns", "files",
                                             "database", "a.b"]), c, max_size=4)),
                    max_leaves=12))
def test_catalog_property(tmp_path, value):
    try:
        Catalog(tmp_path / "c.json", text=json.dumps(value))
    except DOCUMENTED:
        pass


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS x, 'a' || range AS y FROM range(10)")
    yield con
    con.close()


@pytest.mark.parametrize("rules, match", [
    ({"r": "nope > 1"}, "cannot be checked"),
    ({"r": "x >"}, "not one SQL condition"),
    ({"r": "x > 1) OR (1"}, "not one SQL condition"),
    ({"r": "(" * 100 + "x > 1" + ")" * 100}, "deeper than"),
    ({"r": ""}, "rules must map"),
    ({}, "non-empty dict"),
])
def test_check_rules_translates_engine_errors(con, rules, match):
    with pytest.raises(ValueError, match=match):
        check_rules(con, "t", rules)


def test_profile_table_translates_engine_errors(con):
    with pytest.raises(ValueError, match="cannot be profiled"):
        profile_table(con, "missing_table")
    assert profile_table(con, "t")["rows"].tolist() == [10, 10]


@FAST
@given(condition=st.text(alphabet="xy()<>=!'0123 ANDORNT-+*/%", max_size=30))
def test_check_rules_property(con, condition):
    try:
        out = check_rules(con, "t", {"r": condition})
    except DOCUMENTED:
        return
    assert 0 <= out.failed_rows[0] <= 10


@FAST
@given(text=st.text(alphabet="regionamout_='eu()<>AND OR 0123.,;\"*-/", max_size=60))
def test_check_row_filter_property(text):
    try:
        out = check_row_filter(text, ["region", "amount_usd"])
    except DOCUMENTED:
        return
    assert isinstance(out, str) and out


def test_check_row_filter_refuses_deep_nesting():
    with pytest.raises(ValueError, match="at most 32 levels"):
        check_row_filter("(" * 3000 + "region = 'eu'" + ")" * 3000, ["region"])


@FAST
@given(sql=st.text(alphabet="SELECT FROMWHERorders*,;()'\"/._-1 ", max_size=60))
def test_check_select_property(sql):
    try:
        out = check_select(sql, {"orders": ("order_id",)})
    except DOCUMENTED:
        return
    assert out == sql


@FAST
@given(sql=st.text(max_size=60))
def test_to_athena_sql_property(sql):
    try:
        out = to_athena_sql(sql)
    except DOCUMENTED:
        return
    assert isinstance(out, str)


@FAST
@given(b=st.one_of(st.integers(min_value=-10, max_value=10**18), anything))
def test_athena_cost_property(b):
    try:
        billed = athena_billed_bytes(b)
        cost = athena_cost_usd(b)
    except DOCUMENTED:
        return
    assert billed >= max(b, 10 * 1024**2) and billed % 1024**2 == 0
    assert math.isclose(cost, billed / 1024**4 * 5.0)


@FAST
@given(n=st.integers(min_value=0, max_value=50), size=st.floats(0, 200),
       interval=st.floats(-10, 1000))
def test_plan_firehose_property(n, size, interval):
    arrivals = [float(i) for i in range(n)]
    try:
        plan = plan_firehose_batches(arrivals, [100] * n, buffer_size_mib=size,
                                     buffer_interval_s=interval)
    except DOCUMENTED:
        return
    assert len(plan.batch) == n


@FAST
@given(name=anything)
def test_split_table_name_property(name):
    try:
        db, table = split_table_name(name)
    except DOCUMENTED:
        return
    assert isinstance(db, str) and isinstance(table, str)


@FAST
@given(sql=st.text(max_size=40), principal=st.one_of(st.none(), st.text(max_size=10)))
def test_lake_query_property(built_lake, sql, principal):
    lake, _ = built_lake
    try:
        lake.query(sql, principal=principal)
    except DOCUMENTED:
        return
    except duckdb.Error:
        assert principal is None          # the administrator sees the engine's own errors


@pytest.mark.parametrize("sql, problem", [
    ("SELECT * FROM t QUALIFY row_number() OVER (ORDER BY x) = 1", "QUALIFY"),
    ("SELECT a, count(*) FROM t GROUP BY ALL", "GROUP BY ALL"),
    ("SELECT a FROM t ORDER BY ALL", "ORDER BY ALL"),
    ("SELECT * EXCLUDE (a) FROM t", "EXCLUDE"),
    ("SELECT median(x) FROM t", "MEDIAN"),
    ("SELECT * FROM read_parquet('x.parquet')", "READ_PARQUET"),
    ("SELECT * FROM 'data/x.parquet'", "file path"),
    ("SELEC 1", "does not parse"),
])
def test_athena_sql_problems_flags_duckdb_only_sql(sql, problem):
    from labkit.lake import athena_sql_problems

    assert any(problem in p for p in athena_sql_problems(sql))


def test_athena_sql_problems_passes_portable_sql():
    from labkit.lake import athena_sql_problems

    assert athena_sql_problems(
        "SELECT region, count(*) AS n, approx_count_distinct(customer_id) FROM orders "
        "WHERE order_ts >= TIMESTAMP '2024-03-01 00:00:00' GROUP BY region ORDER BY region") == []
    assert athena_sql_problems(
        "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER BY t DESC) AS r "
        "FROM c) WHERE r = 1") == []
