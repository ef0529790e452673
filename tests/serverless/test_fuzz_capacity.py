"""Fuzzing DynamoDB capacity arithmetic: item sizes outside (0, 400] KB are refused."""

from __future__ import annotations

from fuzzing import FUZZ, junk_numbers, runs_or_refuses
from hypothesis import given

from labkit.serverless import write_units
from labkit.serverless.dynamodb import read_units


@FUZZ
@given(item_kb=junk_numbers)
def test_capacity_units_run_or_refuse(item_kb):
    for fn in (write_units, read_units):
        ok, units = runs_or_refuses(fn, item_kb)
        if ok:
            assert 0 < item_kb <= 400 and units >= 0.5


def test_item_larger_than_400_kb_is_refused():
    """*Constraints in Amazon DynamoDB*, Items: the maximum item size is 400 KB
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html)."""
    assert write_units(400) == 400
    ok, error = runs_or_refuses(write_units, 500)
    assert not ok and "400" in str(error)
