"""``asymbl-sf org load-schema``, end to end: a second local org plays the customer's real org
(its own picklist value, a custom field, its own key prefix); after copying its describes,
``check`` and writes against the local org accept and refuse what that org would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf.localorg import LocalOrg
from tests.checks.test_schema_copy import REAL_URL, real_schema
from tests.helpers.cli import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"
ORG_MAPPING = """\
version: 1
extends: default
objects:
  Contact:
    fields:
      Tshirt_Size__c: {value: M}
  bpats__ATS_Applicant__c:
    fields:
      bpats__Source__c:
        from: source.name
        transform: {map: {values: {Kombo: Kombo}, strict: true}}
"""


@pytest.fixture(autouse=True)
def acme_files(clean_env: Path) -> None:
    """The customer's mapping and a payload whose source is in the customer's picklist."""
    (clean_env / "acme.yaml").write_text(ORG_MAPPING)
    payload = json.loads(EXAMPLE.read_text())
    payload["source"] = {"name": "Kombo"}
    (clean_env / "application.json").write_text(json.dumps(payload))


def _load_from_the_real_org(monkeypatch: pytest.MonkeyPatch, path: Path) -> Any:
    monkeypatch.setenv("SF_INSTANCE_URL", REAL_URL)
    monkeypatch.setenv("SF_ACCESS_TOKEN", "00Dreal!session-token-for-tests")
    with LocalOrg(instance_url=REAL_URL, schema=real_schema(), seed_data=False) as real:
        result = run_cli(
            "org",
            "load-schema",
            "--from-org",
            "--path",
            str(path),
            "--save",
            "saved",
            "--mapping",
            "acme.yaml",
        )
        assert real.calls["POST composite"] == 1
    for name in ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN"):
        monkeypatch.delenv(name)
    return result


def test_from_org_makes_check_and_writes_follow_the_real_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    org = tmp_path / "org"
    before = run_cli("check", "--org", f"local:{org}", "-m", "acme.yaml", "--json")
    assert before.exit_code == 1
    assert [i["check"] for i in json.loads(before.stdout)["items"][:2]] == [
        "field.exists",
        "field.picklist",
    ]
    refused = run_cli(
        "create-application",
        "application.json",
        "--job-id",
        "remote:Registered Nurse",
        "-m",
        "acme.yaml",
        "--org",
        f"local:{org}",
    )
    assert refused.exit_code == 1

    loaded = _load_from_the_real_org(monkeypatch, org)
    assert loaded.exit_code == 0, loaded.stderr
    body = json.loads(loaded.stdout)
    assert {"Contact", "bpats__ATS_Applicant__c", "bpats__Job__c"} <= set(body["copied"])
    assert body["missing"] == ["Account"]
    assert body["kept_key_prefixes"] == {"bpats__ATS_Applicant__c": {"org": "a5X", "local": "a0A"}}
    assert body["api_calls"] == 1
    assert "warning: the org has no Account" in loaded.stderr
    assert (tmp_path / "saved" / "Contact.json").exists()
    assert "00Dreal!session-token-for-tests" not in loaded.stdout + loaded.stderr

    after = run_cli("check", "--org", f"local:{org}", "-m", "acme.yaml")
    assert after.exit_code == 0, after.stderr
    written = run_cli(
        "create-application",
        "application.json",
        "--job-id",
        "remote:Registered Nurse",
        "-m",
        "acme.yaml",
        "--org",
        f"local:{org}",
    )
    assert written.exit_code == 0, written.stderr
    local = LocalOrg(org)
    (applicant,) = local.records("bpats__ATS_Applicant__c")
    assert applicant["bpats__Source__c"] == "Kombo"
    (contact,) = local.records("Contact")
    assert contact["Tshirt_Size__c"] == "M"


def test_the_loaded_schema_refuses_what_the_real_org_refuses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    org = tmp_path / "org"
    assert _load_from_the_real_org(monkeypatch, org).exit_code == 0
    (tmp_path / "xl.yaml").write_text(
        "version: 1\nextends: default\nobjects:\n  Contact:\n    fields:\n"
        "      Tshirt_Size__c: {value: XL}\n"
    )
    result = run_cli("check", "--org", f"local:{org}", "-m", "xl.yaml")
    assert result.exit_code == 1
    assert (
        "error   xl.yaml:6: the constant `XL` is not a value of Contact.Tshirt_Size__c, a "
        "restricted picklist: those writes fail (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST); "
        "did you mean `L`? (allowed: `S`, `M`, `L`)" in result.stderr.splitlines()
    )
    write = run_cli(
        "create-application",
        "application.json",
        "--job-id",
        "remote:Registered Nurse",
        "-m",
        "xl.yaml",
        "--org",
        f"local:{org}",
    )
    assert write.exit_code == 1
    assert "Tshirt_Size__c" in write.stderr
    assert LocalOrg(org).count("Contact") == 0


def test_from_a_saved_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert _load_from_the_real_org(monkeypatch, tmp_path / "first").exit_code == 0
    second = tmp_path / "second"
    result = run_cli("org", "load-schema", "--from", "saved", "--path", str(second))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["api_calls"] == 0
    assert "from saved into the local org" in result.stderr
    assert run_cli("check", "--org", f"local:{second}", "-m", "acme.yaml").exit_code == 0


def test_from_org_needs_credentials(tmp_path: Path) -> None:
    result = run_cli("org", "load-schema", "--from-org", "--path", str(tmp_path / "org"))
    assert result.exit_code == 1
    assert "error: --from-org reads a real org: set its credentials" in result.stderr
    assert not (tmp_path / "org").exists()


def test_exactly_one_source(tmp_path: Path) -> None:
    for args in ([], ["--from-org", "--from", "saved"]):
        result = run_cli("org", "load-schema", *args)
        assert result.exit_code == 1
        assert "error: give exactly one of --from-org and --from DIR" in result.stderr


def test_a_folder_without_describes_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli("org", "load-schema", "--from", "empty", "--path", str(tmp_path / "org"))
    assert result.exit_code == 1
    assert "error: no *.json describe files in empty" in result.stderr
