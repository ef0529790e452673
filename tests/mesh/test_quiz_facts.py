"""The exam questions of notebook 02 quote AWS numbers that equal the facts tables."""

from __future__ import annotations

import datetime as dt

from labkit.core.facts import fact
from labkit.guide import load_quiz

QUESTIONS = {q.id: q for q in load_quiz(notebook="02-service-mesh.ipynb")}


def test_the_app_mesh_end_of_support_is_the_fact():
    day = dt.date.fromisoformat(str(fact("app_mesh_end_of_support").value))
    q = QUESTIONS["q02-08"]
    blob = " ".join([q.scenario] + [o.text + " " + o.explanation for o in q.options])
    assert f"{day.day} {day:%B %Y}" in blob


def test_at_least_eight_questions_each_with_domain_and_section():
    assert len(QUESTIONS) >= 8
    assert all(q.domain and q.section for q in QUESTIONS.values())
    assert len({q.answer for q in QUESTIONS.values()}) >= 4
