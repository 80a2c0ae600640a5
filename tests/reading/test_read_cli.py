"""``asymbl-sf read``: formats, --output, --since last, and clean errors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import Result

from asymbl_sf.connect import connect_local
from tests.helpers.cli import run_cli
from tests.reading.helpers import kombo

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def org_path(tmp_path: Path) -> Path:
    """A local org on disk with one application in it."""
    path = tmp_path / "org"
    client = connect_local(path)
    client.create_application(
        kombo("Ada", "Lovelace", "ada@example.com", location={"country": "GB", "city": "London"}),
        job_id="remote:Registered Nurse",
    )
    return path


def run(*args: str) -> Result:
    """``asymbl-sf read ARGS...``."""
    return run_cli("read", *args)


def summary(result: Result) -> str:
    return " ".join(result.stderr.split())


def test_jsonl_by_default_with_a_summary_on_stderr(org_path: Path) -> None:
    result = run("applications", "--org", f"local:{org_path}")
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    row = json.loads(line)
    assert row["candidate"]["first_name"] == "Ada" and row["outcome"] == "PENDING"
    assert re.fullmatch(
        r"read applications: 1 row; full read; watermark \S+ saved for --since last "
        r"\(2 API calls; [\d,]+ left today\)",
        summary(result),
    )


def test_since_last_continues_where_the_last_read_ended(org_path: Path) -> None:
    assert run("applications", "--org", f"local:{org_path}").exit_code == 0
    again = run("applications", "--since", "last", "--org", f"local:{org_path}")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == ""
    assert summary(again).startswith(
        "read applications: 0 rows (1 already read before); changed since "
    )


def test_csv_has_dotted_columns(org_path: Path) -> None:
    result = run("applications", "--format", "csv", "--org", f"local:{org_path}")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert {
        k: row[k]
        for k in (
            "outcome",
            "candidate.first_name",
            "current_stage.name",
            "current_stage.index",
            "job.name",
            "custom_fields.Name",
            "remote_deleted_at",
            "candidate.email_addresses",
        )
    } == {
        "outcome": "PENDING",
        "candidate.first_name": "Ada",
        "current_stage.name": "Application",
        "current_stage.index": "0",
        "job.name": "Registered Nurse",
        "custom_fields.Name": "APP-00001",
        "remote_deleted_at": "",
        "candidate.email_addresses": '[{"email_address":"ada@example.com","type":null}]',
    }


def test_csv_columns_are_the_same_for_every_row(org_path: Path) -> None:
    result = run("candidates", "--format", "csv", "--all-contacts", "--org", f"local:{org_path}")
    header = result.stdout.splitlines()[0].split(",")
    assert header[:6] == ["id", "remote_id", "first_name", "last_name", "company", "title"]
    assert "location.city" in header and "custom_fields.bpats__Desired_Salary__c" in header
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["location.city"] == "London" and rows[0]["location.raw"] == "London, GB"


def test_json_is_one_array(org_path: Path) -> None:
    result = run("jobs", "--format", "json", "--org", f"local:{org_path}")
    assert result.exit_code == 0, result.stderr
    jobs = json.loads(result.stdout)
    assert [j["name"] for j in jobs] == ["Senior Backend Engineer", "Registered Nurse"]
    assert run("users", "--org", f"local:{org_path}").exit_code == 0
    empty = run("users", "--format", "json", "--since", "last", "--org", f"local:{org_path}")
    assert empty.exit_code == 0 and json.loads(empty.stdout) == []


def test_output_file_is_written_whole(org_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "stages.jsonl"
    result = run("job_stages", "--output", str(target), "--org", f"local:{org_path}")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert len(target.read_text().splitlines()) == 10
    assert f"into {target}" in summary(result)
    assert [p.name for p in target.parent.iterdir()] == ["stages.jsonl"]


def test_a_failed_read_leaves_no_output_file(org_path: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "read.yaml"
    mapping.write_text("extends: default\nmodels:\n  jobs:\n    fields:\n      name: Job_Name__c\n")
    target = tmp_path / "jobs.jsonl"
    result = run(
        "jobs",
        "--read-mapping",
        str(mapping),
        "--output",
        str(target),
        "--org",
        f"local:{org_path}",
    )
    assert result.exit_code == 1
    assert not target.exists() and list(tmp_path.glob(".jobs.jsonl.*")) == []
    assert (
        f"{mapping}:5:7: models.jobs.fields.name: Salesforce does not know 'Job_Name__c'"
        in summary(result)
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jobs", "--created-only"], "created_only: only for applications and candidates"),
        (["jobs", "--since", "soon"], "since: not a date or date-time: 'soon'"),
    ],
)
def test_bad_input_is_one_clean_message(org_path: Path, args: list[str], message: str) -> None:
    result = run(*args, "--org", f"local:{org_path}")
    assert result.exit_code == 1
    assert message in summary(result)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "named"), [(["jobs", "--format", "xml"], "jsonl"), (["placements"], "hiring_team")]
)
def test_a_value_outside_the_choices_is_a_usage_error(
    org_path: Path, args: list[str], named: str
) -> None:
    result = run(*args, "--org", f"local:{org_path}")
    assert result.exit_code == 2  # a usage error, before anything runs
    assert named in result.stderr


def test_a_bad_read_mapping_is_reported_with_file_and_line(tmp_path: Path) -> None:
    mapping = tmp_path / "read.yaml"
    mapping.write_text("extends: default\nmodels:\n  users:\n    fields:\n      mail: Email\n")
    result = run("users", "--read-mapping", str(mapping), "--org", f"local:{tmp_path / 'o'}")
    assert result.exit_code == 1
    assert (
        f"{mapping}:5:7: models.users.fields.mail: users has no key 'mail' to fill; did "
        "you mean 'email'?" in summary(result)
    )


def test_read_has_help() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for option in (
        "--since",
        "--include-deleted",
        "--format",
        "--output",
        "--created-only",
        "--all-contacts",
        "--remote-data",
        "--read-mapping",
        "--org",
    ):
        assert option in result.stdout
