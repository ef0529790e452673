"""The EventBridge Custom Event Bus as the lab states it: numbers from the facts tables.

Published behaviour: a Custom Event Bus retains every event for 1 to 365 days (1 day when the
retention is not set), deduplicates at publish time within 5 minutes, and a subscriber retries
5 times or for 300 s by default, far less than a Classic rule target's 185 attempts / 24 hours
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-what-is.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-create.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-ordering.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-retry.html).
"""

from labkit.core.facts import fact, fact_value
from labkit.guide.quiz import read_quiz_files


def _question(qid: str) -> str:
    q = next(q for q in read_quiz_files()["questions"] if q["id"] == qid)
    return " ".join([q["scenario"], q["question"]] +
                    [o["text"] + " " + o["explanation"] for o in q["options"]])


def test_custom_bus_facts_are_sourced_from_the_custom_bus_pages():
    for key in ("eventbridge_custom_bus_retention_min_days",
                "eventbridge_custom_bus_retention_max_days",
                "eventbridge_custom_bus_retention_default_days",
                "eventbridge_custom_bus_dedup_window_s",
                "eventbridge_subscriber_retry_attempts_default",
                "eventbridge_subscriber_retry_max_age_default_s"):
        assert "/eventbridge/latest/userguide/eb-custom-bus" in fact(key).source_url, key


def test_the_default_retention_is_the_shortest_allowed():
    assert fact_value("eventbridge_custom_bus_retention_default_days") == fact_value(
        "eventbridge_custom_bus_retention_min_days") < fact_value(
        "eventbridge_custom_bus_retention_max_days")


def test_subscriber_retries_default_to_far_less_than_a_classic_rule_target():
    assert fact_value("eventbridge_subscriber_retry_attempts_default") < fact_value(
        "eventbridge_retry_attempts_default")
    assert fact_value("eventbridge_subscriber_retry_max_age_default_s") < fact_value(
        "eventbridge_retry_max_age_default_s")


def test_the_custom_bus_question_quotes_the_dedup_window_of_the_facts_table():
    minutes = int(fact_value("eventbridge_custom_bus_dedup_window_s")) // 60
    assert f"{minutes}-minute window" in _question("q03-11")


def test_the_classic_bus_options_are_named_as_such():
    assert "EventBridge rule (Classic bus)" in _question("q03-07")
    assert "Custom Event Bus - Classic" in _question("q03-11")
