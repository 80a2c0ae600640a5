"""Every login mode through ``connect()``: from the environment and from ``.env``, renewing an
expired session exactly once, refusing clearly, and with a timeout on every request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from asymbl_sf import Asymbl, connect
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
)

QUERY_URL = f"{API}/query/"
EXPIRED = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]
NO_ROWS = {"done": True, "totalSize": 0, "records": []}
ALL_MODES = ("session", *LOGIN_MODES)

LoginEnv = Callable[[str], None]


@pytest.fixture
def login_env(clean_env: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch) -> LoginEnv:
    """Puts the ``SF_*`` variables of a login mode in an otherwise clean environment."""

    def put(mode: str) -> None:
        for name, value in mode_env(mode, key_file).items():
            monkeypatch.setenv(name, value)

    return put


def logins(mocked: responses.RequestsMock) -> list[responses.Call]:
    return [
        c
        for c in mocked.calls
        if "/services/Soap/u/" in str(c.request.url)
        or "/services/oauth2/token" in str(c.request.url)
    ]


def queries(mocked: responses.RequestsMock) -> list[responses.Call]:
    return [c for c in mocked.calls if "/query/" in str(c.request.url)]


def bearer(call: responses.Call) -> str:
    return str(call.request.headers["Authorization"]).removeprefix("Bearer ")


def expected_session(mode: str) -> str:
    return ACCESS_TOKEN if mode == "session" else NEW_TOKEN


def refused_query(client: Asymbl) -> AuthenticationError:
    """The error a query ends with (it must end with one)."""
    with pytest.raises(AuthenticationError) as caught:
        client.api.query("SELECT Id FROM Contact")
    return caught.value


def assert_no_secret_in(error: AuthenticationError) -> None:
    for secret in SECRETS:
        assert secret not in str(error) and secret not in repr(error)


# -- each mode from the environment and from .env ------------------------------------------------


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("source", ["environment", "dotenv"])
def test_each_login_mode_connects(
    clean_env: Path,
    key_file: Path,
    login_env: LoginEnv,
    mocked: responses.RequestsMock,
    mode: str,
    source: str,
) -> None:
    if source == "environment":
        login_env(mode)
    else:
        values = mode_env(mode, key_file)
        (clean_env / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    if mode != "session":
        mock_login(mocked, mode)
    client = connect()
    assert client.sf.session_id == expected_session(mode)
    assert client.instance_url == "https://acme.my.salesforce.com"
    assert len(logins(mocked)) == (0 if mode == "session" else 1)
    assert (client.api.renew is None) == (mode == "session")


def test_the_jwt_assertion_is_signed_with_the_key_from_the_file(
    login_env: LoginEnv, rsa_key: rsa.RSAPrivateKey, mocked: responses.RequestsMock
) -> None:
    login_env("jwt")
    mock_login(mocked, "jwt")
    connect()
    body = str(logins(mocked)[0].request.body)
    assertion = dict(part.split("=", 1) for part in body.split("&"))["assertion"]
    claims = jwt.decode(
        assertion,
        rsa_key.public_key(),
        algorithms=["RS256"],
        audience="https://login.salesforce.com",
    )
    assert claims["sub"] == "ops@acme.example"


# -- renewal -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_an_expired_session_is_renewed_by_logging_in_once_more(
    login_env: LoginEnv, mocked: responses.RequestsMock, mode: str
) -> None:
    login_env(mode)
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
    login_env: LoginEnv, mocked: responses.RequestsMock, mode: str
) -> None:
    # simple-salesforce alone would log in up to four more times; asymbl-sf logs in once.
    login_env(mode)
    mock_login(mocked, mode, NEW_TOKEN)
    mock_login(mocked, mode, RENEWED_TOKEN)
    mocked.get(QUERY_URL, status=401, json=EXPIRED)
    error = refused_query(connect())
    assert "refused the new session" in str(error)
    assert len(logins(mocked)) == 2
    assert len(queries(mocked)) == 2


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_a_refused_renewal_is_a_clear_error_without_secrets(
    login_env: LoginEnv, mocked: responses.RequestsMock, mode: str
) -> None:
    login_env(mode)
    mock_login(mocked, mode)
    mock_refused_login(mocked, mode)  # the second login: answers are given in order
    mocked.get(QUERY_URL, status=401, json=EXPIRED)
    error = refused_query(connect())
    assert error.error_code == "SESSION_RENEWAL_FAILED"
    assert "logging in again failed" in str(error) and "Salesforce refused the" in str(error)
    assert_no_secret_in(error)


def test_an_access_token_session_is_not_renewed_and_the_error_says_what_to_do(
    login_env: LoginEnv, mocked: responses.RequestsMock
) -> None:
    login_env("session")
    mocked.get(QUERY_URL, status=401, json=EXPIRED)
    error = refused_query(connect())
    assert "SF_ACCESS_TOKEN" in str(error)
    assert ACCESS_TOKEN not in str(error)
    assert len(logins(mocked)) == 0
    assert len(queries(mocked)) == 1


# -- refused logins ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_wrong_credentials_are_a_clear_error_without_secrets(
    login_env: LoginEnv, mocked: responses.RequestsMock, mode: str
) -> None:
    login_env(mode)
    mock_refused_login(mocked, mode)
    with pytest.raises(AuthenticationError) as caught:
        connect()
    message = str(caught.value)
    assert message.split(": ", 1)[1].startswith("Salesforce refused the ")
    assert caught.value.error_code in ("INVALID_LOGIN", "invalid_grant")
    assert_no_secret_in(caught.value)
    assert "PRIVATE KEY" not in message


# -- timeouts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ALL_MODES)
def test_every_request_of_every_mode_carries_the_timeout(
    login_env: LoginEnv, mocked: responses.RequestsMock, mode: str
) -> None:
    login_env(mode)
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
