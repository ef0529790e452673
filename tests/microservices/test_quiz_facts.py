"""The exam questions of notebook 01 quote AWS numbers that equal the facts tables."""

from __future__ import annotations

import datetime as dt

import pytest

from labkit.core.facts import fact, fact_value
from labkit.guide import load_quiz
from labkit.microservices.cost import HOURS_PER_MONTH

QUESTIONS = {q.id: q for q in load_quiz(notebook="01-microservices.ipynb")}


def _text(qid: str) -> str:
    q = QUESTIONS[qid]
    return " ".join([q.scenario, q.question] + [o.text + " " + o.explanation for o in q.options])


def _day(key: str) -> str:
    day = dt.date.fromisoformat(str(fact(key).value))
    return f"{day.day} {day:%B %Y}"


@pytest.mark.parametrize(("qid", "phrase"), [
    ("q01-06", lambda: _day("app_runner_new_customers_closed_on")),
    ("q01-07", lambda: f"${fact_value('eks_cluster_hour_price'):.2f} per hour"),
    ("q01-07", lambda: "about ${:.0f} a month".format(
        fact_value("eks_cluster_hour_price") * HOURS_PER_MONTH)),
    ("q01-08", lambda: f"{fact_value('apigw_account_throttle_rps'):,.0f} requests per second"),
    ("q01-08", lambda: f"burst of {fact_value('apigw_account_burst'):,.0f}"),
    ("q01-08", lambda: f"HTTP {fact_value('apigw_throttle_status'):.0f}"),
    ("q01-09", lambda: "visibility timeout of {:.0f} seconds".format(
        fact_value("sqs_visibility_timeout_default_s"))),
])
def test_quoted_numbers_are_the_facts(qid, phrase):
    assert phrase() in _text(qid), (qid, phrase())


def test_at_least_eight_questions_each_with_domain_and_section():
    assert len(QUESTIONS) >= 8
    assert all(q.domain and q.section for q in QUESTIONS.values())
    assert len({q.answer for q in QUESTIONS.values()}) >= 4   # answers spread over the letters
