import pytest

from labkit.lake.pricing import MB, TB, athena_billed_bytes, athena_cost_usd


def test_ten_mb_minimum_applies_to_small_and_empty_scans():
    assert athena_billed_bytes(0) == 10 * MB
    assert athena_billed_bytes(1) == 10 * MB
    assert athena_billed_bytes(10 * MB) == 10 * MB
    assert athena_cost_usd(0) == pytest.approx(10 * MB / TB * 5.0)


def test_rounds_up_to_the_next_megabyte():
    assert athena_billed_bytes(10 * MB + 1) == 11 * MB
    assert athena_billed_bytes(25 * MB) == 25 * MB


def test_five_dollars_per_terabyte():
    assert athena_cost_usd(TB) == pytest.approx(5.0)
    assert athena_cost_usd(3 * TB) == pytest.approx(15.0)


@pytest.mark.parametrize("bad", [-1, 1.5, "10"])
def test_rejects_bad_byte_counts(bad):
    with pytest.raises((ValueError, TypeError), match="bytes_scanned"):
        athena_billed_bytes(bad)
