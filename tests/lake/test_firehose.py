import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.lake.firehose import MIB, firehose_object_key, plan_firehose_batches


def test_interval_flush_splits_records_by_time():
    b = plan_firehose_batches([0, 100, 299, 300, 650], [10] * 5, buffer_interval_s=300)
    assert b.batch.tolist() == [0, 0, 0, 1, 2]
    assert b.flush_s.tolist() == [300.0, 600.0, 950.0]
    assert b.reason == ["interval"] * 3


def test_size_flush_comes_first_when_the_buffer_fills():
    b = plan_firehose_batches([0, 1, 2, 3], [3 * MIB] * 4, buffer_size_mib=5)
    assert b.batch.tolist() == [0, 0, 1, 1]
    assert b.reason == ["size", "size"]
    assert b.size_bytes.tolist() == [6 * MIB, 6 * MIB]


def test_small_buffers_mean_more_objects():
    t = np.arange(0, 3600, 1.0)
    sizes = np.full(len(t), 200)
    small = plan_firehose_batches(t, sizes, buffer_interval_s=60).n_objects
    large = plan_firehose_batches(t, sizes, buffer_interval_s=900).n_objects
    assert small == 60 and large == 4


@pytest.mark.parametrize("kwargs", [{"buffer_size_mib": 0.5}, {"buffer_size_mib": 129},
                                    {"buffer_interval_s": 901}, {"buffer_interval_s": -1}])
def test_rejects_settings_firehose_does_not_allow(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        plan_firehose_batches([0.0], [1], **kwargs)


def test_rejects_time_going_backwards():
    with pytest.raises(ValueError, match="non-decreasing"):
        plan_firehose_batches([5.0, 1.0], [1, 1])


def test_default_key_layout_is_utc_time_folders():
    key = firehose_object_key("clicks/", "web", 1735689599.0, "abc", extension=".json")
    assert key == "clicks/2024/12/31/23/web-1-2024-12-31-23-59-59-abc.json"


@settings(max_examples=60, deadline=None)
@given(gaps=st.lists(st.floats(0, 400), min_size=1, max_size=80),
       sizes=st.integers(1, 3 * MIB), interval=st.floats(0, 900))
def test_every_record_lands_in_exactly_one_object(gaps, sizes, interval):
    t = np.cumsum(gaps)
    rec = np.full(len(t), sizes)
    b = plan_firehose_batches(t, rec, buffer_size_mib=5, buffer_interval_s=interval)
    assert len(b.batch) == len(t)
    assert np.all(np.diff(b.batch) >= 0) and b.batch[0] == 0
    assert set(b.batch.tolist()) == set(range(b.n_objects))
    assert b.size_bytes.sum() == rec.sum()
    for k in range(b.n_objects):
        members = t[b.batch == k]
        assert members.max() - members.min() < interval or b.reason[k] == "size" \
            or len(members) == 1 or members.max() - members.min() <= interval
        assert b.flush_s[k] >= members.max()


def test_firehose_follows_the_runner_convention():
    import numpy as np

    from labkit.core.runner import compare
    from labkit.lake.firehose import FirehoseConfig, plan_firehose_batches, simulate_firehose

    rng = np.random.default_rng(3)
    arrival = np.cumsum(rng.exponential(2.0, 2_000))
    sizes = rng.integers(200, 2_000, 2_000)
    config = FirehoseConfig(arrival_s=arrival, record_bytes=sizes)
    result = simulate_firehose(config)
    assert result.records["size_bytes"].sum() == sizes.sum()
    assert result.summary()["objects"] == len(result.records) == result.n_objects
    table = compare(simulate_firehose, config, {"60 s": {"buffer_interval_s": 60.0},
                                                "300 s": {}})
    assert table.loc["60 s", "objects"] > table.loc["300 s", "objects"]   # more, smaller
    same = plan_firehose_batches(arrival, sizes)
    assert same.batch.tolist() == result.batch.tolist()
    with pytest.raises(ValueError, match="buffer_interval_s"):
        config.replace(buffer_interval_s=901)
