"""``asymbl-sf check``: one line per finding on stderr, the report as JSON, exit 1 on errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import run_cli

BAD = """\
version: 1
extends: default
objects:
  Contact:
    fields:
      Emial: email_address
      Name: first_name
      LastName: null
  bpats__ATS_Applicant__c:
    fields:
      bpats__Source__c:
        from: source.name
        transform: {map: {values: {Kombo: LinkdIn}, strict: true}}
"""


pytestmark = pytest.mark.usefixtures("clean_env")


def test_the_default_mapping_passes(tmp_path: Path, org_arg: str) -> None:
    result = run_cli("check", "--org", org_arg)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "0 errors, 0 warnings, 41 passed (--all lists them); 2 API calls;" in result.stderr
    assert f"ok: the mapping fits local org in {tmp_path / 'org'}" in result.stderr


def test_each_problem_is_one_line_and_the_exit_code_is_1(tmp_path: Path, org_arg: str) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = run_cli("check", "--org", org_arg, "--mapping", "bad.yaml")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:4] == [
        "error   bad.yaml:6: no field `Emial` on Contact; did you mean `Email`?",
        "error   bad.yaml:7: `Name` on Contact cannot be written (read-only): every new Contact "
        "fails with INVALID_FIELD_FOR_INSERT_UPDATE; remove it from the mapping (Salesforce "
        "fills it), or give the user edit access to it (field-level security)",
        "error   bad.yaml:5: `LastName` is required on Contact but the mapping leaves it empty: "
        "every new Contact fails with REQUIRED_FIELD_MISSING; map it under "
        "objects.Contact.fields, e.g. `LastName: last_name`, or give it a constant with "
        "{value: ...}",
        "error   bad.yaml:13: the value map sends `LinkdIn`, which is not a value of "
        "bpats__ATS_Applicant__c.bpats__Source__c, a restricted picklist: those writes fail "
        "(INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST); did you mean `LinkedIn`? (allowed: "
        "`LinkedIn`, `Glassdoor`, `Indeed`, `Website`)",
    ]
    assert lines[-2].startswith("4 errors, 0 warnings, ")
    assert lines[-1] == (
        "error: writes would fail; fix the errors above and run asymbl-sf check again"
    )
    assert "Traceback" not in result.stderr


def test_json_puts_the_whole_report_on_stdout(tmp_path: Path, org_arg: str) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = run_cli("check", "--org", org_arg, "-m", "bad.yaml", "--json")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["ok"] is False and body["errors"] == 4 and body["api_calls"] == 2
    assert body["mapping"] == ["bad.yaml", "mappings/asymbl.yaml"]
    first = body["items"][0]
    assert (first["check"], first["source"], first["line"], first["suggestion"]) == (
        "field.exists",
        "bad.yaml",
        6,
        "did you mean `Email`?",
    )


def test_all_lists_the_passed_checks_too(org_arg: str) -> None:
    result = run_cli("check", "--org", org_arg, "--all")
    assert result.exit_code == 0
    assert (
        "ok      mappings/asymbl.yaml:33: Contact record type `Candidate` is there"
        in result.stderr.splitlines()
    )


def test_a_mapping_that_does_not_load_is_reported_like_any_bad_input(
    tmp_path: Path, org_arg: str
) -> None:
    (tmp_path / "broken.yaml").write_text("version: 1\nobjects: {Contact: {from: nowhere}}\n")
    result = run_cli("check", "--org", org_arg, "-m", "broken.yaml")
    assert result.exit_code == 1
    assert "broken.yaml:2" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_has_help() -> None:
    result = run_cli("check", "--help")
    assert result.exit_code == 0 and "--mapping" in result.stdout and "--json" in result.stdout
