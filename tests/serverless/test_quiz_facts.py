"""The numbers quoted in the serverless notebooks' exam questions are the facts tables' numbers,
and every question names a section of its notebook."""

from __future__ import annotations

import json

import nbformat
import pytest

from labkit.core.data import data_dir
from labkit.core.facts import fact_value
from labkit.guide import load_quiz

NOTEBOOKS = ("06-serverless-web.ipynb", "07-serverless-data-processing.ipynb")


def _question(notebook: str, qid: str) -> str:
    raw = json.loads((data_dir() / "quiz" / notebook.replace(".ipynb", ".json")).read_text())
    q = next(q for q in raw["questions"] if q["id"] == qid)
    return " ".join([q["scenario"], q["question"]] +
                    [o["text"] + " " + o["explanation"] for o in q["options"]])


@pytest.mark.parametrize("notebook, qid, key, phrase", [
    ("06-serverless-web.ipynb", "q06-05", "cloudfront_default_ttl_s", "{v:,.0f} seconds"),
    ("06-serverless-web.ipynb", "q06-06", "waf_rate_based_window_default_s",
     "evaluation window of {v:.0f} seconds"),
    ("06-serverless-web.ipynb", "q06-08", "apigw_http_api_price_per_million",
     "${v:.2f} per million"),
    ("06-serverless-web.ipynb", "q06-08", "apigw_rest_api_price_per_million",
     "${v:.2f} per million"),
    ("06-serverless-web.ipynb", "q06-03", "apigw_lambda_rejected_status",
     "API Gateway answers {v:.0f}"),
    ("06-serverless-web.ipynb", "q06-03", "apigw_lambda_function_error_status",
     "response gives {v:.0f}"),
    ("07-serverless-data-processing.ipynb", "q07-06", "lambda_timeout_max_s",
     "at most {v:.0f} seconds"),
])
def test_quoted_numbers_are_the_facts(notebook, qid, key, phrase):
    assert phrase.format(v=float(fact_value(key))) in _question(notebook, qid)


def test_quoted_launch_month_is_the_facts():
    """q07-06 dates Lambda Managed Instances by the month of the facts table's launch date."""
    from datetime import date

    launched = date.fromisoformat(str(fact_value("lambda_managed_instances_launched_on")))
    question = _question("07-serverless-data-processing.ipynb", "q07-06")
    assert f"added in {launched:%B %Y}" in question


def test_quoted_recursive_loop_s3_month_is_the_facts():
    """q07-08 dates recursive loop detection for S3 by the facts table's month."""
    from datetime import date

    since = date.fromisoformat(f"{fact_value('lambda_recursive_loop_s3_since')}-01")
    question = _question("07-serverless-data-processing.ipynb", "q07-08")
    assert f"covering S3 since {since:%B %Y}" in question


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_notebook_has_eight_questions_with_sections_that_exist(notebook):
    questions = load_quiz(notebook=notebook)
    assert len(questions) >= 8
    path = data_dir().parents[1] / "notebooks" / notebook
    headings = {line.lstrip("#").strip() for cell in nbformat.read(path, as_version=4).cells
                if cell.cell_type == "markdown" for line in cell.source.splitlines()
                if line.startswith("#")}
    for q in questions:
        assert q.domain and q.section in headings, (q.id, q.section)
        assert len(q.answers) == 1 and len(q.options) >= 4
    letters = [q.answer for q in questions]
    assert len(set(letters)) >= 3, letters
