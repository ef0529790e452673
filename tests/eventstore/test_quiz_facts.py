"""The numbers quoted in notebooks 03 and 04's exam questions equal the facts tables."""

import json

import pytest

from labkit.core.data import data_dir
from labkit.core.facts import fact_value


def _question(stem: str, qid: str) -> str:
    raw = json.loads((data_dir() / "quiz" / f"{stem}.json").read_text())
    q = next(q for q in raw["questions"] if q["id"] == qid)
    return " ".join([q["scenario"], q["question"]] +
                    [o["text"] + " " + o["explanation"] for o in q["options"]])


@pytest.mark.parametrize(("stem", "qid", "key", "phrase"), [
    ("03-event-driven", "q03-08", "eventbridge_retry_max_age_default_s", "{h} hours"),
    ("03-event-driven", "q03-08", "eventbridge_retry_attempts_default", "{v} attempts"),
    ("04-event-sourcing-cqrs", "q04-04", "kinesis_efo_read_mb_per_s", "{v} MB/s per shard"),
    ("04-event-sourcing-cqrs", "q04-07", "eventbridge_retry_attempts_default", "{v} times"),
    ("04-event-sourcing-cqrs", "q04-08", "dynamodb_streams_retention_h", "{v} hours"),
])
def test_quoted_numbers_match_the_facts(stem, qid, key, phrase):
    v = int(float(fact_value(key)))
    assert phrase.format(v=v, h=v // 3600) in _question(stem, qid)
