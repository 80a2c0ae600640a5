"""The testing aid that steers the local org of a CLI subprocess: ASYMBL_SF_LOCAL_*."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asymbl_sf.connect import connect_local
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.env_steering import (
    DAILY_LIMIT_ENV,
    FAULTS_ENV,
    LATENCY_ENV,
    parse_fault_spec,
    steer_from_env,
)
from asymbl_sf.localorg.faults import TRANSIENT_KINDS
from tests.helpers.cli import run_cli


def test_a_fault_spec_names_rate_kinds_and_seed() -> None:
    assert parse_fault_spec("0.1:row_lock,http_503@7") == (0.1, ("row_lock", "http_503"), 7)
    assert parse_fault_spec(" 0.25 ") == (0.25, TRANSIENT_KINDS, 0)
    assert parse_fault_spec("1:request_limit") == (1.0, ("request_limit",), 0)


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("often", "'often' is not a number"),
        ("1.5", "the rate '1.5' is above 1"),
        ("-0.1", "is not a number of 0 or more"),
        ("nan", "is not a number of 0 or more"),
        ("0.1:row_lock,gremlins", "unknown fault kind 'gremlins'"),
        ("0.1@seven", "'seven' is not a whole number"),
    ],
)
def test_a_bad_fault_spec_says_what_to_write(spec: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_fault_spec(spec)
    assert str(caught.value).startswith(f"{FAULTS_ENV}: ")
    assert says in str(caught.value)
    assert "e.g. 0.1:row_lock,http_503@7" in str(caught.value)


def test_connect_local_applies_latency_faults_and_daily_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LATENCY_ENV, "0.01")
    monkeypatch.setenv(FAULTS_ENV, "1:http_503@3")
    monkeypatch.setenv(DAILY_LIMIT_ENV, "250")
    client = connect_local(tmp_path / "org")
    org: LocalOrg = client.local_org  # type: ignore[attr-defined]
    assert org.latency == 0.01
    assert org.server.daily_limit == 250
    assert org.faults.draw("GET", "/services/data/v62.0/query") == "http_503"


def test_unset_or_empty_variables_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULTS_ENV, "")
    org = LocalOrg(tmp_path / "org")
    steer_from_env(org)
    assert (org.latency, org.server.daily_limit, org.faults.call_faults) == (0.0, 100_000, [])


def test_the_daily_limit_refuses_calls_past_it_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = f"local:{tmp_path / 'org'}"
    assert run_cli("org", "init", "--path", str(tmp_path / "org")).exit_code == 0
    monkeypatch.setenv(DAILY_LIMIT_ENV, "0")
    refused = run_cli("api", "GET", "sobjects/Contact/describe", "--org", org)
    assert refused.exit_code == 1
    assert "REQUEST_LIMIT_EXCEEDED" in refused.stderr
    assert "daily API request limit is spent" in refused.stderr
    monkeypatch.delenv(DAILY_LIMIT_ENV)  # "the next day": the default budget again
    answered = run_cli("api", "GET", "sobjects/Contact/describe", "--org", org)
    assert answered.exit_code == 0, answered.stderr
    assert json.loads(answered.stdout)["name"] == "Contact"


def test_a_bad_value_is_a_clean_cli_error_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LATENCY_ENV, "slow")
    result = run_cli("api", "GET", "limits", "--org", f"local:{tmp_path / 'org'}")
    assert result.exit_code == 1
    assert "ASYMBL_SF_LOCAL_LATENCY: 'slow' is not a number of 0 or more" in result.stderr
    assert "Traceback" not in result.stderr
