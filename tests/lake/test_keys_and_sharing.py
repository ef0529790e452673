"""SSE-KMS per zone in the read path, and cross-account sharing (producer share through RAM,
consumer acceptance, the consumer administrator's narrower grant)."""

import pytest

from labkit.lake import Lake
from labkit.lake.keys import LAKE_FORMATION_ROLE, ZoneKeys
from labkit.lake.sharing import Shares, consumer_principal

CONSUMER = "444455556666"


@pytest.fixture()
def lake(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.build(rows=1_000, seed=4)
    lake.grant("analyst", "orders", columns=["order_id", "region", "amount_usd"],
               row_filter="region = 'eu'")
    yield lake
    lake.close()


def _eu_orders(lake):
    return int(lake.query("SELECT count(*) AS n FROM orders WHERE region = 'eu'").frame.n[0])


def test_registered_zone_is_read_with_the_registration_role(lake):
    sql = "SELECT count(*) AS n FROM orders"
    assert lake.query(sql, principal="analyst").frame.n[0] == _eu_orders(lake)
    lake.keys.revoke_decrypt(LAKE_FORMATION_ROLE, "curated")     # key policy loses the role
    with pytest.raises(PermissionError, match="kms:Decrypt on alias/lake-curated"):
        lake.query(sql, principal="analyst")
    lake.keys.allow_decrypt("analyst", "curated")                # the analyst's own right ...
    with pytest.raises(PermissionError, match="registration role"):
        lake.query(sql, principal="analyst")                     # ... does not matter here
    lake.keys.register("curated", None)                          # not registered: own creds
    assert lake.query(sql, principal="analyst").frame.n[0] == _eu_orders(lake)
    lake.keys.revoke_decrypt("analyst", "curated")
    with pytest.raises(PermissionError, match="own credentials"):
        lake.query(sql, principal="analyst")


def test_zone_keys_defaults_and_bad_input():
    keys = ZoneKeys()
    frame = keys.frame().set_index("zone")
    assert list(frame.key) == ["alias/lake-raw", "alias/lake-stage", "alias/lake-curated"]
    assert frame.loc["curated", "registered_with"] == LAKE_FORMATION_ROLE
    assert not keys.can_read("analyst", "raw") and not keys.can_read("analyst", "stage")
    assert keys.can_read("EtlJobRole", "stage")
    with pytest.raises(ValueError, match="zone"):
        keys.allow_decrypt("x", "gold")
    with pytest.raises(ValueError, match="identity"):
        keys.allow_decrypt("", "raw")


def test_cross_account_share_needs_acceptance_and_the_consumer_admins_grant(lake):
    share = lake.share("orders", CONSUMER, columns=["order_id", "region", "amount_usd",
                                                    "status"],
                       row_filter="status = 'delivered'")
    assert share.resource_share.startswith("arn:aws:ram:us-east-1:111122223333:resource-share/")
    with pytest.raises(PermissionError, match="not accepted"):
        lake.grant_in_account(CONSUMER, "bi", "orders")
    lake.accept_share(CONSUMER, "orders")
    with pytest.raises(ValueError, match="not shared"):
        lake.grant_in_account(CONSUMER, "bi", "orders", columns=["customer_id"])
    bi = consumer_principal(CONSUMER, "bi")
    with pytest.raises(PermissionError, match="no grants"):
        lake.query("SELECT count(*) FROM orders", principal=bi)   # shared, not yet granted
    grant = lake.grant_in_account(CONSUMER, "bi", "orders", columns=["order_id", "region",
                                                                     "amount_usd"],
                                  row_filter="region = 'na'")
    assert grant.columns == ("order_id", "amount_usd", "region")
    seen = lake.query("SELECT count(*) AS n FROM orders", principal=bi).frame.n[0]
    expected = lake.query("SELECT count(*) AS n FROM orders WHERE region = 'na' "
                          "AND status = 'delivered'").frame.n[0]
    assert seen == expected > 0                                   # both filters apply
    with pytest.raises(PermissionError, match="status"):
        lake.query("SELECT status FROM orders", principal=bi)     # shared, but not granted on
    with pytest.raises(PermissionError, match="not shared"):
        lake.grant_in_account("777788889999", "bi", "orders")


def test_shares_refuse_bad_accounts():
    shares = Shares("111122223333")
    with pytest.raises(ValueError, match="12-digit"):
        shares.share("orders", "12", None, None)
    with pytest.raises(ValueError, match="another account"):
        shares.share("orders", "111122223333", None, None)
    with pytest.raises(ValueError, match="role"):
        consumer_principal(CONSUMER, "bad role!")


def test_federated_query_joins_the_lake_and_the_source_and_counts_each_side(lake):
    lake_sql = ("SELECT customer_id, amount_usd FROM orders "
                "WHERE year = 2024 AND month = 3 AND region = 'eu'")
    sql = ("SELECT c.segment, round(sum(o.amount_usd), 2) AS revenue_usd FROM lake_rows o "
           "JOIN sales.customers c USING (customer_id) GROUP BY 1 ORDER BY 1")
    pushed = lake.federated_query(sql, lake_sql=lake_sql, columns=["customer_id", "segment"])
    everything = lake.federated_query(sql, lake_sql=lake_sql,
                                      columns=list(lake.source_customers().columns))
    assert pushed.frame.equals(everything.frame)                 # same answer ...
    assert pushed.source_rows == everything.source_rows          # ... same rows, fewer bytes
    assert pushed.source_arrow_bytes < everything.source_arrow_bytes / 4
    filtered = lake.federated_query(sql, lake_sql=lake_sql, columns=["customer_id", "segment"],
                                    where="region = 'eu'")
    source = lake.source_customers()
    assert filtered.source_rows == int((source.region == "eu").sum()) < pushed.source_rows
    assert pushed.lake_bytes_scanned == lake.query(lake_sql).bytes_scanned > 0
    assert pushed.summary()["lake_files_scanned"] == 1
    with pytest.raises(ValueError, match="columns"):
        lake.federated_query(sql, lake_sql=lake_sql, columns=["password"])
    with pytest.raises(ValueError, match="where"):
        lake.federated_query(sql, lake_sql=lake_sql, columns=["customer_id"],
                             where="1 = 1; DROP TABLE customers")
