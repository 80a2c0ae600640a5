"""``asymbl-sf fields OBJECT``: a table of the object's fields, or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asymbl_sf.cli import output
from tests.helpers.cli import run_cli


@pytest.fixture(autouse=True)
def wide_terminal(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line


def test_the_table_shows_each_field_with_type_values_and_mapping_use(
    org_arg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)  # a terminal gets a table
    result = run_cli("fields", "bpats__ATS_Applicant__c", "--org", org_arg)
    assert result.exit_code == 0, result.stderr
    source = next(line for line in result.stdout.splitlines() if "bpats__Source__c" in line)
    cells = [c.strip() for c in source.strip("│ ").split("│")]
    assert cells == [
        "bpats__Source__c",
        "Source",
        "picklist",
        "",
        "",
        "LinkedIn, Glassdoor, Indeed, Website (restricted)",
        "yes",
    ]
    stage = next(line for line in result.stdout.splitlines() if "bpats__Stage__c " in line)
    assert [c.strip() for c in stage.strip("│ ").split("│")][4:] == [
        "yes",
        "bpats__ATS_Stage__c",
        "yes",
    ]
    assert "31 fields of bpats__ATS_Applicant__c, 10 used by the mapping (1 API call)" in (
        result.stderr
    )


def test_a_pipe_gets_json_without_asking(org_arg: str) -> None:
    result = run_cli("fields", "Contact", "--org", org_arg)
    assert json.loads(result.stdout)["object"] == "Contact"


def test_custom_and_json(org_arg: str) -> None:
    result = run_cli("fields", "Contact", "--custom", "--json", "--org", org_arg)
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["object"] == "Contact"
    assert all(f["custom"] for f in body["fields"])
    used = [f["name"] for f in body["fields"] if f["used_by_mapping"]]
    assert used == ["bpats__Desired_Salary__c", "bpats__Earliest_Available_Date__c"]


def test_an_unknown_object_suggests_the_closest(org_arg: str) -> None:
    result = run_cli("fields", "Contcat", "--org", org_arg)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        "error: Salesforce said NOT_FOUND: no object `Contcat` in this org; did you mean `Contact`?"
    ) in result.stderr


def test_fields_has_help() -> None:
    result = run_cli("fields", "--help")
    assert result.exit_code == 0 and "--custom" in result.stdout
