"""Consumer scenarios: duplicates without idempotency, exactly-once effects with it.

SQS standard queues deliver at least once; a message not deleted within the visibility timeout
is delivered again, and one that exceeds maxReceiveCount moves to the dead-letter queue
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html,
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
"""

import pytest

from labkit.core.runner import compare, replicate
from labkit.messaging.playground import DEFAULT_EVENT, DEFAULT_PATTERN, explain_text
from labkit.messaging.scenarios import ConsumerConfig, run_consumers, simulate_consumers


def test_same_seed_same_frame():
    config = ConsumerConfig(n_messages=40, visibility_timeout_s=3, crash_probability=0.05, seed=5)
    assert simulate_consumers(config).records.equals(simulate_consumers(config).records)


def test_idempotent_consumer_gives_exactly_once_effects():
    config = ConsumerConfig(n_messages=120, visibility_timeout_s=3, crash_probability=0.05,
                            duplicate_probability=0.05, seed=11)
    naive, idem = simulate_consumers(config), simulate_consumers(config.replace(idempotent=True))
    assert naive.records.equals(idem.records.assign(
        outcome=naive.records.outcome, effect_applied=naive.records.effect_applied))
    assert naive.summary()["duplicate_effects"] > 0
    s = idem.summary()
    assert s["duplicate_effects"] == 0 and s["orders_with_effect"] == 120
    assert s["redeliveries"] == naive.summary()["redeliveries"]


def test_long_visibility_timeout_without_crashes_has_no_duplicates():
    s = simulate_consumers(ConsumerConfig(n_messages=60, visibility_timeout_s=60, seed=2)).summary()
    assert s["deliveries"] == 60 and s["duplicate_effects"] == 0


def test_poison_message_goes_to_dlq_after_max_receive_count():
    run = simulate_consumers(ConsumerConfig(n_messages=20, poison_orders=(3,),
                                            max_receive_count=4, seed=1))
    poison = run.records[run.records.order_id == "order-0003"]
    assert list(poison.receive_count) == [1, 2, 3, 4]
    assert run.summary()["moved_to_dlq"] == 1 and run.summary()["orders_with_effect"] == 19


def test_config_checks_name_the_field():
    with pytest.raises(ValueError, match="crash_probability"):
        ConsumerConfig(crash_probability=2)
    with pytest.raises(ValueError, match="visibility_timeout_s"):
        ConsumerConfig(visibility_timeout_s=-1)
    with pytest.raises(ValueError, match="visibility_timeout_s"):
        ConsumerConfig(visibility_timeout_s=43_201)  # SQS's maximum is 12 hours
    with pytest.raises(ValueError, match="poison_orders"):
        ConsumerConfig(n_messages=5, poison_orders=(5,))
    with pytest.raises(TypeError, match="rate"):
        ConsumerConfig().replace(rate=2)
    with pytest.raises(TypeError, match="ConsumerConfig"):
        simulate_consumers({"n_messages": 5})


def test_compare_and_replicate_work_on_the_consumer_run():
    config = ConsumerConfig(n_messages=40, visibility_timeout_s=3, seed=3)
    table = compare(simulate_consumers, config, {"naive": {}, "idempotent": {"idempotent": True}})
    assert table.loc["idempotent", "duplicate_effects"] == 0
    assert table.loc["naive", "duplicate_effects"] > 0
    runs = replicate(simulate_consumers, config, replications=3)
    assert list(runs.seed) == [3, 4, 5] and (runs.messages_sent == 40).all()


def test_former_keyword_form_warns_and_gives_the_same_records():
    with pytest.warns(DeprecationWarning, match="simulate_consumers"):
        old = run_consumers(n_messages=30, send_rate=4.0, visibility_timeout_s=3, seed=4)
    new = simulate_consumers(ConsumerConfig(n_messages=30, arrival_rate=4.0,
                                            visibility_timeout_s=3, seed=4))
    assert old.deliveries.equals(new.records)


def test_playground_default_example_needs_one_consistent_array_element():
    text = explain_text(DEFAULT_PATTERN, DEFAULT_EVENT)
    assert text.startswith("NO MATCH") and "no single array element" in text
    gift_book = {**DEFAULT_EVENT, "detail": {**DEFAULT_EVENT["detail"], "items": [
        {"sku": "PEN-7", "gift": True}, {"sku": "BOOK-42", "gift": True}]}}
    assert "items[1]" in explain_text(DEFAULT_PATTERN, gift_book)
    assert explain_text("{", "{}").startswith("PATTERN REFUSED")
    assert explain_text({"a": ["b"]}, "[1]").startswith("EVENT NOT USABLE")
