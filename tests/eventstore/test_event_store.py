"""Event store, order aggregate and projections (the eventsourcing library's rules, https://eventsourcing.readthedocs.io)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.eventstore import (
    ConcurrencyError,
    EventStore,
    NewEvent,
    OrderError,
    OrderRepository,
    OrderSummaryProjection,
    Projection,
    apply_event,
    replay,
)


def ev(kind="Ping", **data):
    return NewEvent(kind, data)


def test_append_checks_expected_version_and_writes_nothing_on_conflict():
    store = EventStore()
    store.append("s", [ev(), ev()], expected_version=0, now=0)
    with pytest.raises(ConcurrencyError) as info:
        store.append("s", [ev(), ev(), ev()], expected_version=1, now=1)
    assert info.value.expected_version == 1 and info.value.actual_version == 2
    assert "version 2" in str(info.value) and "expected version 1" in str(info.value)
    assert len(store) == 2 and store.last_position() == 2  # nothing from the failed append
    store.append("s", [ev()], expected_version=2, now=2)
    assert [e.position for e in store.read_all()] == [1, 2, 3]  # no gap after the conflict
    store.append("s", [ev()], expected_version="any", now=3)
    assert store.current_version("s") == 4


def test_two_connections_racing_on_one_database_file(tmp_path):
    path = str(tmp_path / "orders.db")
    a, b = EventStore(path), EventStore(path)
    a.append("o", [ev()], expected_version=0, now=0)
    seen_by_a, seen_by_b = a.current_version("o"), b.current_version("o")
    a.append("o", [ev("A")], expected_version=seen_by_a, now=1)
    with pytest.raises(ConcurrencyError):
        b.append("o", [ev("B")], expected_version=seen_by_b, now=1)
    assert [e.type for e in b.read_stream("o")] == ["Ping", "A"]
    a.close()
    b.close()


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"expected_version": -1}, ValueError, "expected_version"),
    ({"expected_version": 1.5}, TypeError, "expected_version"),
    ({"expected_version": "latest"}, TypeError, "expected_version"),
])
def test_bad_expected_version(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        EventStore().append("s", [ev()], now=0, **kwargs)


def test_bad_events():
    store = EventStore()
    with pytest.raises(ValueError, match="at least one"):
        store.append("s", [], expected_version=0, now=0)
    with pytest.raises(ValueError, match="type"):
        NewEvent("", {})
    with pytest.raises(ValueError, match="stream_id"):
        store.append("", [ev()], expected_version=0, now=0)


def test_order_lifecycle_rules_and_time_travel():
    repo = OrderRepository(EventStore())
    repo.place("o-1", "ana", now=0)
    with pytest.raises(OrderError, match="already exists"):
        repo.place("o-1", "bob", now=1)
    with pytest.raises(OrderError, match="cannot pay"):
        repo.pay("o-1", now=1)
    repo.add_item("o-1", "book", 2, 10.0, now=10)
    repo.add_item("o-1", "pen", 1, 1.5, now=20)
    repo.pay("o-1", now=30)
    with pytest.raises(OrderError, match="cannot add"):
        repo.add_item("o-1", "mug", 1, 5.0, now=40)
    repo.ship("o-1", now=50)
    now = repo.load("o-1").state
    assert (now.status, now.total_usd, now.version) == ("shipped", 21.5, 5)
    yesterday = repo.load("o-1", as_of=15).state
    assert (yesterday.status, yesterday.total_usd, yesterday.version) == ("placed", 20.0, 2)
    assert repo.load("o-1", as_of=-1).state.version == 0


def test_two_writers_racing_on_an_order():
    repo = OrderRepository(EventStore())
    repo.place("o", "ana", now=0)
    repo.add_item("o", "book", 1, 10.0, now=1)
    seen_by_alice = repo.load("o").state
    seen_by_bob = repo.load("o").state
    repo.pay("o", now=2, based_on=seen_by_alice)
    with pytest.raises(ConcurrencyError):
        repo.add_item("o", "pen", 1, 2.0, now=2, based_on=seen_by_bob)
    assert repo.load("o").state.total_usd == 10.0  # Bob's item was not slipped into a paid order


def test_snapshots_cut_replay_and_give_the_same_state():
    full = OrderRepository(EventStore())
    snap = OrderRepository(EventStore(), snapshot_every=10)
    for repo in (full, snap):
        repo.place("o", "ana", now=0)
        for i in range(55):
            repo.add_item("o", f"sku{i % 7}", 1, 1.0 + i % 3, now=1 + i)
    a, b = full.load("o"), snap.load("o")
    assert a.state == b.state
    assert a.events_replayed == 56 and b.events_replayed == 6 and b.from_snapshot_version == 50
    past_full, past_snap = full.load("o", as_of=25.5), snap.load("o", as_of=25.5)
    assert past_full.state == past_snap.state and past_snap.from_snapshot_version == 20


def test_apply_event_refuses_gaps():
    store = EventStore()
    store.append("o", [ev("OrderPlaced", customer="a"), ev("OrderPaid")], expected_version=0,
                 now=0)
    events = store.read_stream("o")
    with pytest.raises(ValueError, match="without gaps"):
        replay([events[1]])
    assert apply_event(replay([events[0]]), events[1]).status == "paid"


# --- properties ---------------------------------------------------------------------------

commands = st.lists(st.tuples(st.sampled_from(["place", "add", "remove", "pay", "ship", "cancel",
                                               "stale"]),
                              st.integers(0, 3), st.integers(1, 3)), max_size=50)


def run_commands(repo, steps):
    now = 0.0
    for cmd, k, q in steps:
        oid = f"o{k}"
        now += 1
        try:
            if cmd == "place":
                repo.place(oid, f"c{k}", now=now)
            elif cmd == "add":
                repo.add_item(oid, f"s{q}", q, float(q), now=now)
            elif cmd == "remove":
                repo.remove_item(oid, f"s{q}", now=now)
            elif cmd == "pay":
                repo.pay(oid, now=now)
            elif cmd == "ship":
                repo.ship(oid, now=now)
            elif cmd == "cancel":
                repo.cancel(oid, now=now)
            else:
                stale = repo.load(oid).state
                if stale.version:
                    repo.store.append(oid, [NewEvent("ItemAdded", {"sku": "x", "quantity": 1,
                                                                   "unit_price_usd": 1.0})],
                                      expected_version=stale.version, now=now)
                    repo.cancel(oid, now=now + 0.5, based_on=stale)  # must conflict
        except (OrderError, ConcurrencyError):
            pass
    return now


@settings(max_examples=80, deadline=None)
@given(commands)
def test_versions_are_gap_free_and_positions_monotonic(steps):
    repo = OrderRepository(EventStore())
    run_commands(repo, steps)
    events = repo.store.read_all()
    assert [e.position for e in events] == list(range(1, len(events) + 1))
    by_stream: dict[str, list[int]] = {}
    for e in events:
        by_stream.setdefault(e.stream_id, []).append(e.version)
    for versions in by_stream.values():
        assert versions == list(range(1, len(versions) + 1))
    times = [e.recorded_at for e in events]
    assert times == sorted(times)


@settings(max_examples=80, deadline=None)
@given(commands, st.integers(1, 5))
def test_projection_rebuilt_from_scratch_equals_incremental(steps, every):
    store = EventStore()
    repo = OrderRepository(store, snapshot_every=every)
    incremental = OrderSummaryProjection()
    for i in range(0, len(steps), 7):
        run_commands(repo, steps[i:i + 7])
        incremental.catch_up(store)
        incremental.catch_up(store)  # a repeated catch-up changes nothing
    rebuilt = OrderSummaryProjection("rebuilt")
    rebuilt.rebuild(store)
    assert rebuilt.rows == incremental.rows and rebuilt.position == incremental.position
    for oid, row in rebuilt.rows.items():
        state = repo.load(oid).state  # snapshot + tail equals the read model
        assert (state.status, state.total_usd, state.version) == (
            row["status"], row["total_usd"], row["version"])
        assert state == repo.load(oid, use_snapshots=False).state


def test_projection_refuses_out_of_order_events():
    store = EventStore()
    store.append("s", [ev(), ev()], expected_version=0, now=0)
    p = Projection("p", lambda rows, e: None)
    with pytest.raises(ValueError, match="in order"):
        p.apply([store.read_all()[1]])
