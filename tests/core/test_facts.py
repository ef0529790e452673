"""The AWS facts tables, their loader, and the check that keeps them sourced and current."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from labkit.core.data import data_dir
from labkit.core.facts import FACT_COLUMNS, fact, fact_table, fact_text, fact_value, facts

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("factcheck", ROOT / "tools" / "factcheck.py")
factcheck = importlib.util.module_from_spec(_spec)
sys.modules["factcheck"] = factcheck
_spec.loader.exec_module(factcheck)
TODAY = dt.date(2026, 12, 3)


def test_every_table_has_the_shared_columns_and_unique_keys():
    frame = facts()
    assert tuple(frame.columns[:-1]) == FACT_COLUMNS and frame.key.is_unique
    assert set(frame.table) >= {"aws_facts.csv"}
    assert (frame.source_url.str.startswith(factcheck.SOURCE_PREFIXES)).all()


def test_fact_value_text_and_table():
    assert fact_value("sqs_visibility_timeout_default_s") == 30.0
    assert fact("app_runner_new_customers_closed_on").value == "2026-04-30"
    text = fact_text("athena_price_per_tb")
    assert text.startswith("$5.00 per TB scanned in us-east-1 (athena pricing, checked ")
    assert fact_text("apigw_lambda_rejected_status", source=False) == "500 HTTP status"
    assert fact_table(["lambda_timeout_max_s"]).value.tolist() == ["900"]
    with pytest.raises(KeyError, match="sqs_"):
        fact("sqs_no_such_limit")
    with pytest.raises(TypeError, match="key must be a str"):
        fact(3)
    with pytest.raises(TypeError, match="list of fact keys"):
        fact_table("lambda_timeout_max_s")


def _copy_tables(tmp_path: Path) -> Path:
    for path in data_dir().glob("aws_facts*.csv"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_a_repeated_key_or_a_wrong_header_is_refused(tmp_path):
    root = _copy_tables(tmp_path)
    first = (root / "aws_facts.csv").read_text().splitlines()[1]
    (root / "aws_facts_extra.csv").write_text(",".join(FACT_COLUMNS) + "\n" + first + "\n")
    with pytest.raises(ValueError, match="repeats a row of aws_facts.csv"):
        facts(root)
    (root / "aws_facts_extra.csv").write_text("key,value\nx,1\n")
    with pytest.raises(ValueError, match="columns must be"):
        facts(root)


def test_the_committed_tables_pass_the_check():
    assert factcheck.run([], TODAY) == []


def test_check_flags_a_row_older_than_12_months_and_a_row_without_source(tmp_path):
    root = _copy_tables(tmp_path)
    header = ",".join(FACT_COLUMNS)
    (root / "aws_facts_planted.csv").write_text(
        header + "\n"
        "planted_old_limit,Amazon SQS,7,s,,An old fact.,"
        "https://docs.aws.amazon.com/sqs/,2025-11-30\n"
        "planted_unsourced,Amazon SQS,8,s,,A fact without a page.,,2026-12-01\n"
        "planted_undated,Amazon SQS,9,s,,A fact without a date.,https://aws.amazon.com/sqs/,\n")
    problems = factcheck.run([], TODAY, data_root=root)
    assert any("planted_old_limit: re-verify (checked 2025-11-30" in p for p in problems)
    assert any("planted_unsourced: source_url must be" in p for p in problems)
    assert any("planted_undated: checked_on must be an ISO date" in p for p in problems)
    assert len(problems) == 3
    # 365 days old is still current; the day after is not
    assert factcheck.run([], dt.date(2026, 11, 30), data_root=root)[0].count("re-verify") == 0


def test_an_aws_sdk_repository_is_a_source_and_another_github_owner_is_not(tmp_path):
    root = _copy_tables(tmp_path)
    (root / "aws_facts_planted.csv").write_text(
        ",".join(FACT_COLUMNS) + "\n"
        "planted_sdk_source,AWS SDKs,14,tokens,,A cost from an AWS SDK pull request.,"
        "https://github.com/aws/aws-sdk-go-v2/pull/3400,2026-12-01\n"
        "planted_other_owner,AWS SDKs,14,tokens,,A cost from a fork.,"
        "https://github.com/awsfork/aws-sdk-go-v2/pull/1,2026-12-01\n")
    problems = factcheck.run([], TODAY, data_root=root)
    assert [p for p in problems if "planted_" in p] == [
        p for p in problems if "planted_other_owner: source_url must be" in p]
    assert len(problems) == 1


def _notebook(tmp_path: Path, text: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text),
                nbformat.v4.new_code_cell("print('Lambda: 12345 ms')")]
    path = tmp_path / "99-planted.ipynb"
    nbformat.write(nb, path)
    return path


def test_check_flags_a_planted_unsourced_number(tmp_path):
    path = _notebook(tmp_path, "Amazon SQS keeps a message for 17 days at most.")
    problems = factcheck.run([path], TODAY)
    assert len(problems) == 1 and "'17 days' is not in the facts tables" in problems[0]


def test_check_accepts_numbers_that_match_a_row_in_any_unit(tmp_path):
    path = _notebook(tmp_path, "Amazon SQS keeps a message for 14 days at most (1,209,600 s); "
                               "Lambda runs at most 15 minutes and costs $0.20 per 1 M "
                               "requests.\n\n"
                               "A plain sentence with 17 days and no service is not checked.")
    assert factcheck.run([path], TODAY) == []


def test_allow_list_entries_are_per_notebook(tmp_path):
    path = _notebook(tmp_path, "Our simulated Lambda takes 37 ms.")
    allow = tmp_path / "allow.toml"
    allow.write_text('[[allow]]\nnotebooks = ["99-planted.ipynb"]\ntext = "37 ms"\n'
                     'reason = "simulated"\n')
    assert factcheck.run([path], TODAY, allow_file=allow) == []
    assert len(factcheck.run([path], TODAY)) == 1


def test_quantities_convert_units():
    got = {(q.kind, q.value) for q in factcheck.quantities(
        "SQS: 256 KiB, 1 MB/s, 20 %, HTTP 429, 1,000 records/s")}
    assert got == {("size", 262144.0), ("size", 1e6), ("percent", 20.0), ("http", 429.0),
                   ("count", 1000.0)}


def test_a_row_with_an_unquoted_comma_is_refused(tmp_path):
    root = _copy_tables(tmp_path)
    (root / "aws_facts_extra.csv").write_text(
        ",".join(FACT_COLUMNS) + "\nx_key,Amazon SQS,1,s,,Up to 1,000 things.,"
        "https://docs.aws.amazon.com/sqs/,2026-12-01\n")
    with pytest.raises(ValueError, match="expected 8 fields"):
        facts(root)


def test_a_number_equal_to_another_services_fact_is_flagged(tmp_path):
    """14 days is SQS's maximum retention: it sources a sentence about SQS, not one about
    Kinesis, which names no SQS."""
    path = _notebook(tmp_path, "Amazon Kinesis keeps a record for 14 days at most.")
    problems = factcheck.run([path], TODAY)
    assert len(problems) == 1 and "'14 days'" in problems[0]
    assert factcheck.service_words("Amazon Kinesis Data Streams") == ("Kinesis",)


def test_a_service_name_broken_across_lines_still_marks_the_statement(tmp_path):
    """Markdown wraps lines: "VPC\nLattice" is a statement about VPC Lattice, checked as such."""
    path = _notebook(tmp_path, "The weighted routes of VPC\nLattice accept 17 days of traffic.")
    problems = factcheck.run([path], TODAY)
    assert len(problems) == 1 and "'17 days'" in problems[0]
    path = _notebook(tmp_path, "Amazon\nSQS keeps a message for 14 days at most.")
    assert factcheck.run([path], TODAY) == []
