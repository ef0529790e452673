"""Consumer scenarios: duplicates without idempotency, exactly-once effects with it."""

import pytest

from labkit.messaging.playground import DEFAULT_EVENT, DEFAULT_PATTERN, explain_text
from labkit.messaging.scenarios import run_consumers


def test_same_seed_same_frame():
    a = run_consumers(n_messages=40, visibility_timeout_s=3, crash_probability=0.05, seed=5)
    b = run_consumers(n_messages=40, visibility_timeout_s=3, crash_probability=0.05, seed=5)
    assert a.deliveries.equals(b.deliveries)


def test_idempotent_consumer_gives_exactly_once_effects():
    kw = dict(n_messages=120, visibility_timeout_s=3, crash_probability=0.05,
              duplicate_probability=0.05, seed=11)
    naive, idem = run_consumers(**kw), run_consumers(idempotent=True, **kw)
    assert naive.deliveries.equals(idem.deliveries.assign(
        outcome=naive.deliveries.outcome, effect_applied=naive.deliveries.effect_applied))
    assert naive.summary()["duplicate_effects"] > 0
    s = idem.summary()
    assert s["duplicate_effects"] == 0 and s["orders_with_effect"] == 120
    assert s["redeliveries"] == naive.summary()["redeliveries"]


def test_long_visibility_timeout_without_crashes_has_no_duplicates():
    s = run_consumers(n_messages=60, visibility_timeout_s=60, seed=2).summary()
    assert s["deliveries"] == 60 and s["duplicate_effects"] == 0


def test_poison_message_goes_to_dlq_after_max_receive_count():
    run = run_consumers(n_messages=20, poison_orders=(3,), max_receive_count=4, seed=1)
    poison = run.deliveries[run.deliveries.order_id == "order-0003"]
    assert list(poison.receive_count) == [1, 2, 3, 4]
    assert run.summary()["moved_to_dlq"] == 1 and run.summary()["orders_with_effect"] == 19


def test_scenario_argument_checks():
    with pytest.raises(ValueError, match="crash_probability"):
        run_consumers(crash_probability=2)
    with pytest.raises(ValueError, match="visibility_timeout_s"):
        run_consumers(visibility_timeout_s=-1)


def test_playground_default_example_needs_one_consistent_array_element():
    text = explain_text(DEFAULT_PATTERN, DEFAULT_EVENT)
    assert text.startswith("NO MATCH") and "no single array element" in text
    gift_book = {**DEFAULT_EVENT, "detail": {**DEFAULT_EVENT["detail"], "items": [
        {"sku": "PEN-7", "gift": True}, {"sku": "BOOK-42", "gift": True}]}}
    assert "items[1]" in explain_text(DEFAULT_PATTERN, gift_book)
    assert explain_text("{", "{}").startswith("PATTERN REFUSED")
    assert explain_text({"a": ["b"]}, "[1]").startswith("EVENT NOT USABLE")
