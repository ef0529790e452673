"""Property: whatever the size, seed and Firehose buffering, every raw record is accounted for."""

import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.lake import Lake


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.integers(100, 900), seed=st.integers(0, 2**31),
       interval=st.sampled_from([0, 60, 900]), per_file=st.integers(50, 400))
def test_raw_records_equal_landed_plus_quarantined(rows, seed, interval, per_file):
    with tempfile.TemporaryDirectory() as tmp:
        lake = Lake(tmp)
        report = lake.build(rows=rows, seed=seed, firehose_interval_s=interval,
                            max_rows_per_file=per_file)
        rec = report.reconciliation.set_index("table")
        assert (rec.unaccounted == 0).all()
        assert rec.loc["orders", "raw_records"] == rows
        assert len(lake.files("raw.orders")) == -(-rows // per_file)
        assert rec.loc["customers", "curated_rows"] == len(lake.source_customers())
        assert (rec.quarantined > 0).all()
