"""Every login mode through ``connect()``: from the environment and from ``.env``, renewing an
expired session exactly once, refusing clearly, and with a timeout on every request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from asymbl_sf import connect
from asymbl_sf.errors import AuthenticationError
from asymbl_sf.salesforce.connection import DEFAULT_TIMEOUT, TimeoutSession
from tests.salesforce.logins import (
    ACCESS_TOKEN,
    API,
    LOGIN_MODES,
    NEW_TOKEN,
    RENEWED_TOKEN,
    SECRETS,
    mock_login,
    mock_refused_login,
    mode_env,
    new_rsa_key,
    write_key,
)

QUERY_URL = f"{API}/query/"
EXPIRED = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]
NO_ROWS = {"done": True, "totalSize": 0, "records": []}
ALL_MODES = ("session", *LOGIN_MODES)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SF_* / ASYMBL_SF_ORG in the environment; the working directory is an empty folder."""
    for name in list(os.environ):
        if name.startswith("SF_") or name == "ASYMBL_SF_ORG":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def key_file(clean_env: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    return write_key(clean_env / "server.key", rsa_key)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Every request must hit a registered mock: nothing reaches the network."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def logins(mocked: responses.RequestsMock) -> list[responses.Call]:
    return [c for c in mocked.calls if "/services/Soap/u/" in str(c.request.url)
            or "/services/oauth2/token" in str(c.request.url)]


def queries(mocked: responses.RequestsMock) -> list[responses.Call]:
    return [c for c in mocked.calls if "/query/" in str(c.request.url)]


def bearer(call: responses.Call) -> str:
    return str(call.request.headers["Authorization"]).removeprefix("Bearer ")


def expected_session(mode: str) -> str:
    return ACCESS_TOKEN if mode == "session" else NEW_TOKEN


# -- each mode from the environment and from .env ------------------------------------------------


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("source", ["environment", "dotenv"])
def test_each_login_mode_connects(
    clean_env: Path, key_file: Path, mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch, mode: str, source: str,
) -> None:
    values = mode_env(mode, key_file)
    if source == "environment":
        set_env(monkeypatch, values)
    else:
        (clean_env / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    if mode != "session":
        mock_login(mocked, mode)
    client = connect()
    assert client.sf.session_id == expected_session(mode)
    assert client.instance_url == "https://acme.my.salesforce.com"
    assert len(logins(mocked)) == (0 if mode == "session" else 1)
    assert (client.api.renew is None) == (mode == "session")


def test_the_jwt_assertion_is_signed_with_the_key_from_the_file(
    clean_env: Path, key_file: Path, rsa_key: rsa.RSAPrivateKey, mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, mode_env("jwt", key_file))
    mock_login(mocked, "jwt")
    connect()
    body = str(logins(mocked)[0].request.body)
    assertion = dict(part.split("=", 1) for part in body.split("&"))["assertion"]
    claims = jwt.decode(assertion, rsa_key.public_key(), algorithms=["RS256"],
                        audience="https://login.salesforce.com")
    assert claims["sub"] == "ops@acme.example"


# -- renewal -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_an_expired_session_is_renewed_by_logging_in_once_more(
    clean_env: Path, key_file: Path, mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch, mode: str,
) -> None:
    set_env(monkeypatch, mode_env(mode, key_file))
    mock_login(mocked, mode, NEW_TOKEN)
    mock_login(mocked, mode, RENEWED_TOKEN)
    mocked.get(QUERY_URL, status=401, json=EXPIRED)
    mocked.get(QUERY_URL, json=NO_ROWS)
    client = connect()
    assert client.api.query("SELECT Id FROM Contact") == []
    assert len(logins(mocked)) == 2
    assert [bearer(c) for c in queries(mocked)] == [NEW_TOKEN, RENEWED_TOKEN]
    assert client.sf.session_id == RENEWED_TOKEN
    assert client.usage.renewals == 1
    assert client.usage.calls == 2


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_a_session_refused_after_renewal_ends_after_exactly_one_more_login(
    clean_env: Path, key_file: Path, mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch, mode: str,
) -> None:
    # simple-salesforce alone would log in up to four more times; asymbl-sf logs in once.
    set_env(monkeypatch, mode_env(mode, key_file))
    mock_login(mocked, mode, NEW_TOKEN)
    mock_login(mocked, mode, RENEWED_TOKEN)
    mocked.get(QUERY_URL, status=401, json=EXPIRED)
    client = connect()
    with pytest.raises(AuthenticationError) as caught:
        client.api.query("SELECT Id FROM Contact")
    assert "refused the new session" in str(caught.value)
    assert len(logins(mocked)) == 2
    assert len(queries(mocked)) == 2


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_a_refused_renewal_is_a_clear_error_without_secrets(
    clean_env: Path, key_file: Path, mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch, mode: str,
) -> None:
    set_env(monkeypatch, mode_env(mode, key_file))
    mock_login(mocked, mode)
    mock_refused_login(mocked, mode)  # the second login: answers are given in order
    mocked.get(QUERY_URL, status=401, json=EXPIRED)
    client = connect()
    with pytest.raises(AuthenticationError) as caught:
        client.api.query("SELECT Id FROM Contact")
    message = str(caught.value)
    assert caught.value.error_code == "SESSION_RENEWAL_FAILED"
    assert "logging in again failed" in message and "Salesforce refused the" in message
    for secret in SECRETS:
        assert secret not in message and secret not in repr(caught.value)


def test_an_access_token_session_is_not_renewed_and_the_error_says_what_to_do(
    clean_env: Path, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, mode_env("session"))
    mocked.get(QUERY_URL, status=401, json=EXPIRED)
    client = connect()
    with pytest.raises(AuthenticationError) as caught:
        client.api.query("SELECT Id FROM Contact")
    assert "SF_ACCESS_TOKEN" in str(caught.value)
    assert ACCESS_TOKEN not in str(caught.value)
    assert len(logins(mocked)) == 0
    assert len(queries(mocked)) == 1


# -- refused logins ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_wrong_credentials_are_a_clear_error_without_secrets(
    clean_env: Path, key_file: Path, mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch, mode: str,
) -> None:
    set_env(monkeypatch, mode_env(mode, key_file))
    mock_refused_login(mocked, mode)
    with pytest.raises(AuthenticationError) as caught:
        connect()
    message = str(caught.value)
    assert message.split(": ", 1)[1].startswith("Salesforce refused the ")
    assert caught.value.error_code in ("INVALID_LOGIN", "invalid_grant")
    for secret in SECRETS:
        assert secret not in message and secret not in repr(caught.value)
    assert "PRIVATE KEY" not in message


# -- timeouts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ALL_MODES)
def test_every_request_of_every_mode_carries_the_timeout(
    clean_env: Path, key_file: Path, mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch, mode: str,
) -> None:
    set_env(monkeypatch, mode_env(mode, key_file))
    if mode != "session":
        mock_login(mocked, mode, NEW_TOKEN)
        mock_login(mocked, mode, RENEWED_TOKEN)
        mocked.get(QUERY_URL, status=401, json=EXPIRED)  # so the renewal login is seen too
    mocked.get(QUERY_URL, json=NO_ROWS)
    client = connect()
    client.api.query("SELECT Id FROM Contact")
    assert isinstance(client.sf.session, TimeoutSession)
    assert len(mocked.calls) == (1 if mode == "session" else 4)
    for call in mocked.calls:
        assert call.request.req_kwargs["timeout"] == DEFAULT_TIMEOUT  # type: ignore[attr-defined]
