"""``asymbl-sf api METHOD PATH``: the JSON answer on stdout; non-2xx, bad method, foreign host:
an error and exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import run_cli

pytestmark = pytest.mark.usefixtures("clean_env")


def test_get_prints_the_json_answer(org_arg: str) -> None:
    result = run_cli("api", "GET", "sobjects/Contact/describe", "--org", org_arg)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "Contact"
    assert "GET sobjects/Contact/describe: ok (1 API call" in result.stderr


def test_get_with_params(org_arg: str) -> None:
    query = "q=SELECT Name FROM bpats__Job__c ORDER BY Name"
    result = run_cli("api", "GET", "query", "--param", query, "--org", org_arg)
    assert result.exit_code == 0
    assert [r["Name"] for r in json.loads(result.stdout)["records"]] == [
        "Registered Nurse",
        "Senior Backend Engineer",
    ]


def test_post_with_data_from_a_file(org_arg: str, tmp_path: Path) -> None:
    (tmp_path / "contact.json").write_text('{"LastName": "Doe", "Email": "doe@example.com"}')
    result = run_cli("api", "POST", "sobjects/Contact", "--data", "@contact.json", "--org", org_arg)
    assert result.exit_code == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["success"] is True
    again = run_cli("api", "GET", f"sobjects/Contact/{created['id']}", "--org", org_arg)
    assert json.loads(again.stdout)["Email"] == "doe@example.com"


def test_a_refused_request_is_an_error_and_exit_1(org_arg: str) -> None:
    result = run_cli(
        "api", "POST", "sobjects/Contact", "--data", '{"LastNam": "Doe"}', "--org", org_arg
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        "error: Salesforce said INVALID_FIELD: No such column 'LastNam' on sobject of type Contact"
    ) in result.stderr


def test_a_bad_method_is_refused_before_connecting(tmp_path: Path) -> None:
    result = run_cli("api", "FETCH", "limits", "--org", f"local:{tmp_path / 'org'}")
    assert result.exit_code == 1
    assert (
        "error: unknown HTTP method 'FETCH'; use one of GET, POST, PATCH, PUT, DELETE, HEAD"
        in result.stderr
    )
    assert not (tmp_path / "org").exists()


def test_another_host_is_refused(org_arg: str) -> None:
    result = run_cli("api", "GET", "https://attacker.example.com/services/data/", "--org", org_arg)
    assert result.exit_code == 1
    assert (
        "error: refusing 'https://attacker.example.com/services/data/': passthrough only "
        "calls this org" in result.stderr
    )


def test_bad_json_data_names_the_option(org_arg: str) -> None:
    result = run_cli("api", "POST", "sobjects/Contact", "--data", "{nope", "--org", org_arg)
    assert result.exit_code == 1
    assert "error: --data is not valid JSON" in result.stderr


def test_api_has_help() -> None:
    result = run_cli("api", "--help")
    assert result.exit_code == 0 and "--data" in result.stdout and "--param" in result.stdout
