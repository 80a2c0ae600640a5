"""``asymbl-sf fields OBJECT``: a table of the object's fields, or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from asymbl_sf.cli.app import app


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_PASSWORD",
                 "SF_CLIENT_ID", "SF_CLIENT_SECRET", "ASYMBL_SF_ORG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_the_table_shows_each_field_with_type_values_and_mapping_use(tmp_path: Path) -> None:
    result = run("fields", "bpats__ATS_Applicant__c", "--org", f"local:{tmp_path / 'org'}")
    assert result.exit_code == 0, result.stderr
    source = next(line for line in result.stdout.splitlines() if "bpats__Source__c" in line)
    cells = [c.strip() for c in source.strip("│ ").split("│")]
    assert cells == ["bpats__Source__c", "Source", "picklist", "", "",
                     "LinkedIn, Glassdoor, Indeed, Website (restricted)", "yes"]
    stage = next(line for line in result.stdout.splitlines() if "bpats__Stage__c " in line)
    assert [c.strip() for c in stage.strip("│ ").split("│")][4:] == [
        "yes", "bpats__ATS_Stage__c", "yes"]
    assert "31 fields of bpats__ATS_Applicant__c, 10 used by the mapping (1 API call)" in (
        result.stderr)


def test_custom_and_json(tmp_path: Path) -> None:
    result = run("fields", "Contact", "--custom", "--json", "--org", f"local:{tmp_path / 'org'}")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["object"] == "Contact"
    assert all(f["custom"] for f in body["fields"])
    used = [f["name"] for f in body["fields"] if f["used_by_mapping"]]
    assert used == ["bpats__Desired_Salary__c", "bpats__Earliest_Available_Date__c"]


def test_an_unknown_object_suggests_the_closest(tmp_path: Path) -> None:
    result = run("fields", "Contcat", "--org", f"local:{tmp_path / 'org'}")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert ("error: Salesforce said NOT_FOUND: no object `Contcat` in this org; did you mean "
            "`Contact`?") in result.stderr


def test_fields_has_help() -> None:
    result = run("fields", "--help")
    assert result.exit_code == 0 and "--custom" in result.stdout
