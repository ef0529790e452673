"""The numbers quoted in the caching and bulkhead exam questions are the facts tables' numbers."""

from __future__ import annotations

import pytest

from labkit.core.facts import fact_value
from labkit.guide import load_quiz


def _blob(question) -> str:
    return " ".join([question.scenario, question.question] +
                    [o.text + " " + o.explanation for o in question.options])


@pytest.mark.parametrize("qid, key, phrase", [
    ("q12-02", "dax_query_ttl_default_s", "up to {m} minutes"),
    ("q12-02", "dax_query_ttl_default_s", "({m} minutes by default)"),
    ("q12-03", "api_gateway_cache_max_ttl_s", "cannot exceed {v:,} seconds"),
    ("q12-03", "api_gateway_cache_default_ttl_s", "the default is {v} seconds"),
    ("q12-05", "elasticache_global_datastore_max_secondary_regions", "up to {w} other Regions"),
    ("q11-07", None, "20 database connections"),
])
def test_quoted_numbers_match_the_facts(qid, key, phrase):
    question = next(q for q in load_quiz() if q.id == qid)
    if key is None:
        assert phrase in _blob(question)
        return
    v = int(fact_value(key))
    words = {1: "one", 2: "two", 3: "three"}
    text = phrase.format(v=v, m=v // 60, w=words.get(v, str(v)))
    assert text in _blob(question), (qid, text)


@pytest.mark.parametrize("notebook, minimum", [("11-bulkhead.ipynb", 8),
                                               ("12-caching.ipynb", 8)])
def test_each_notebook_has_its_questions_with_domain_and_section(notebook, minimum):
    questions = load_quiz(notebook=notebook)
    assert len(questions) >= minimum
    assert all(q.domain and q.section for q in questions)
    letters = [q.answer for q in questions]
    assert max(letters.count(k) for k in "ABCD") <= len(letters) // 2
