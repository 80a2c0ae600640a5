"""``asymbl-sf api METHOD PATH``: the JSON answer on stdout; non-2xx, bad method, foreign host:
an error and exit code 1."""

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
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def org(tmp_path: Path) -> str:
    return f"local:{tmp_path / 'org'}"


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_get_prints_the_json_answer(org: str) -> None:
    result = run("api", "GET", "sobjects/Contact/describe", "--org", org)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "Contact"
    assert "GET sobjects/Contact/describe: ok (1 API call" in result.stderr


def test_get_with_params(org: str) -> None:
    result = run("api", "GET", "query", "--param", "q=SELECT Name FROM bpats__Job__c ORDER BY Name",
                 "--org", org)
    assert result.exit_code == 0
    assert [r["Name"] for r in json.loads(result.stdout)["records"]] == [
        "Registered Nurse", "Senior Backend Engineer"]


def test_post_with_data_from_a_file(org: str, tmp_path: Path) -> None:
    (tmp_path / "contact.json").write_text('{"LastName": "Doe", "Email": "doe@example.com"}')
    result = run("api", "POST", "sobjects/Contact", "--data", "@contact.json", "--org", org)
    assert result.exit_code == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["success"] is True
    again = run("api", "GET", f"sobjects/Contact/{created['id']}", "--org", org)
    assert json.loads(again.stdout)["Email"] == "doe@example.com"


def test_a_refused_request_is_an_error_and_exit_1(org: str) -> None:
    result = run("api", "POST", "sobjects/Contact", "--data", '{"LastNam": "Doe"}', "--org", org)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert ("error: Salesforce said INVALID_FIELD: No such column 'LastNam' on sobject of type "
            "Contact") in result.stderr


def test_a_bad_method_is_refused_before_connecting(tmp_path: Path) -> None:
    result = run("api", "FETCH", "limits", "--org", f"local:{tmp_path / 'org'}")
    assert result.exit_code == 1
    assert ("error: unknown HTTP method 'FETCH'; use one of GET, POST, PATCH, PUT, DELETE, HEAD"
            in result.stderr)
    assert not (tmp_path / "org").exists()


def test_another_host_is_refused(org: str) -> None:
    result = run("api", "GET", "https://attacker.example.com/services/data/", "--org", org)
    assert result.exit_code == 1
    assert "error: refusing 'https://attacker.example.com/services/data/': passthrough only " \
           "calls this org" in result.stderr


def test_bad_json_data_names_the_option(org: str) -> None:
    result = run("api", "POST", "sobjects/Contact", "--data", "{nope", "--org", org)
    assert result.exit_code == 1
    assert "error: --data is not valid JSON" in result.stderr


def test_api_has_help() -> None:
    result = run("api", "--help")
    assert result.exit_code == 0 and "--data" in result.stdout and "--param" in result.stdout
