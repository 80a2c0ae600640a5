"""open_salesforce() per login mode against mocked login endpoints, and connect()."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from asymbl_sf.connect import DEFAULT_LOCAL_PATH, connect
from asymbl_sf.errors import AuthenticationError, ConfigurationError
from asymbl_sf.salesforce.connection import DEFAULT_TIMEOUT, TimeoutSession, open_salesforce
from asymbl_sf.salesforce.settings import ConnectionSettings
from tests.salesforce.logins import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    INSTANCE,
    NEW_TOKEN,
    PASSWORD,
    SECRETS,
    SECURITY_TOKEN,
    SOAP_FAULT,
    SOAP_LOGIN_URL,
    USERNAME,
    soap_ok,
    token_ok,
)

SOAP_OK = soap_ok(NEW_TOKEN)


def settings_for(tmp_path: Path, **env: str) -> ConnectionSettings:
    return ConnectionSettings.from_env(env, dotenv_path=tmp_path / "absent.env")


def session_settings(tmp_path: Path) -> ConnectionSettings:
    return settings_for(
        tmp_path, SF_INSTANCE_URL=f"https://{INSTANCE}", SF_ACCESS_TOKEN=ACCESS_TOKEN
    )


def password_settings(tmp_path: Path, **extra: str) -> ConnectionSettings:
    return settings_for(
        tmp_path,
        SF_USERNAME=USERNAME,
        SF_PASSWORD=PASSWORD,
        SF_SECURITY_TOKEN=SECURITY_TOKEN,
        **extra,
    )


def client_credentials_settings(tmp_path: Path) -> ConnectionSettings:
    return settings_for(
        tmp_path, SF_CLIENT_ID=CLIENT_ID, SF_CLIENT_SECRET=CLIENT_SECRET, SF_DOMAIN="acme.my"
    )


def jwt_settings(tmp_path: Path, key_file: Path, **extra: str) -> ConnectionSettings:
    return settings_for(
        tmp_path,
        SF_CLIENT_ID=CLIENT_ID,
        SF_USERNAME=USERNAME,
        SF_PRIVATE_KEY_FILE=str(key_file),
        **extra,
    )


def form(request: requests.PreparedRequest) -> dict[str, str]:
    body = request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return {k: v[0] for k, v in parse_qs(text).items()}


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# -- session -----------------------------------------------------------------------------------


def test_session_mode_makes_no_login_call(tmp_path: Path, mocked: responses.RequestsMock) -> None:
    sf = open_salesforce(session_settings(tmp_path))
    assert len(mocked.calls) == 0
    assert sf.session_id == ACCESS_TOKEN
    assert sf.sf_instance == INSTANCE
    assert sf.base_url == f"https://{INSTANCE}/services/data/v62.0/"


def test_session_mode_accepts_an_instance_url_without_scheme(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    settings = settings_for(tmp_path, SF_INSTANCE_URL=INSTANCE, SF_ACCESS_TOKEN=ACCESS_TOKEN)
    sf = open_salesforce(settings)
    assert sf.base_url == f"https://{INSTANCE}/services/data/v62.0/"


def test_the_api_version_override_reaches_the_client(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    settings = settings_for(
        tmp_path,
        SF_INSTANCE_URL=f"https://{INSTANCE}",
        SF_ACCESS_TOKEN=ACCESS_TOKEN,
        SF_API_VERSION="60.0",
    )
    sf = open_salesforce(settings)
    assert sf.sf_version == "60.0"
    assert sf.base_url.endswith("/services/data/v60.0/")


def test_open_salesforce_refuses_the_local_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="connect"):
        open_salesforce(settings_for(tmp_path, ASYMBL_SF_ORG="local"))


def test_half_filled_settings_fail_before_any_call(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    with pytest.raises(ConfigurationError, match="SF_PASSWORD"):
        open_salesforce(settings_for(tmp_path, SF_USERNAME=USERNAME))
    assert len(mocked.calls) == 0


# -- username / password (SOAP) ------------------------------------------------------------------


def test_password_login_posts_a_soap_login_and_uses_the_returned_session(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(SOAP_LOGIN_URL, body=SOAP_OK, status=200, content_type="text/xml")
    sf = open_salesforce(password_settings(tmp_path))
    assert len(mocked.calls) == 1
    request = mocked.calls[0].request
    assert request.headers["SOAPAction"] == "login"
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    assert f"<n1:username>{USERNAME}</n1:username>" in body
    assert f"{PASSWORD}{SECURITY_TOKEN}" in body  # the token is appended to the password
    assert sf.session_id == NEW_TOKEN
    assert sf.sf_instance == INSTANCE
    assert sf.base_url == f"https://{INSTANCE}/services/data/v62.0/"


def test_password_login_against_a_sandbox_uses_test_salesforce_com(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        "https://test.salesforce.com/services/Soap/u/62.0", body=SOAP_OK, content_type="text/xml"
    )
    sf = open_salesforce(password_settings(tmp_path, SF_DOMAIN="test"))
    assert sf.session_id == NEW_TOKEN


def test_a_refused_password_login_is_an_authentication_error_without_secrets(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(SOAP_LOGIN_URL, body=SOAP_FAULT, status=500, content_type="text/xml")
    with pytest.raises(AuthenticationError) as caught:
        open_salesforce(password_settings(tmp_path))
    error = caught.value
    assert error.error_code == "INVALID_LOGIN"
    assert "username/password" in str(error)
    assert "Invalid username, password, security token" in str(error)
    assert_no_secret(str(error))
    assert_no_secret(repr(error))
    assert error.__cause__ is None and error.__suppress_context__


def test_a_login_fault_without_an_exception_code_says_salesforce_s_own_code(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    # A fault with only faultcode and faultstring (no sf:LoginFault detail): simple-salesforce
    # gives it no code and the whole envelope as its message.
    fault = re.sub(r"<detail>.*</detail>", "", SOAP_FAULT, flags=re.S)
    mocked.post(SOAP_LOGIN_URL, body=fault, status=500, content_type="text/xml")
    with pytest.raises(AuthenticationError) as caught:
        open_salesforce(password_settings(tmp_path))
    error = caught.value
    assert error.error_code == "INVALID_LOGIN"
    assert "None" not in str(error) and "<" not in str(error)
    assert "Invalid username, password, security token" in str(error)


def test_a_login_error_that_echoes_a_secret_is_scrubbed(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    # a proxy or a misbehaving server answering with the request in an unparseable body
    mocked.post(
        SOAP_LOGIN_URL,
        body=f"bad request: password={PASSWORD}{SECURITY_TOKEN}",
        status=400,
        content_type="text/plain",
    )
    with pytest.raises(AuthenticationError) as caught:
        open_salesforce(password_settings(tmp_path))
    assert_no_secret(str(caught.value))
    assert "***" in str(caught.value)


def test_a_login_answer_that_is_not_xml_is_an_authentication_error(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(SOAP_LOGIN_URL, body="<html>captive portal", status=200, content_type="text/html")
    with pytest.raises(AuthenticationError, match="not a Salesforce login response"):
        open_salesforce(password_settings(tmp_path))


# -- OAuth client credentials --------------------------------------------------------------------


def test_client_credentials_login_posts_to_the_my_domain_token_endpoint(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"https://{INSTANCE}/services/oauth2/token", json=token_ok())
    sf = open_salesforce(client_credentials_settings(tmp_path))
    request = mocked.calls[0].request
    assert form(request) == {"grant_type": "client_credentials"}
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert sf.session_id == NEW_TOKEN
    assert sf.base_url == f"https://{INSTANCE}/services/data/v62.0/"


def test_client_credentials_accept_the_my_domain_as_a_url(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"https://{INSTANCE}/services/oauth2/token", json=token_ok())
    settings = settings_for(
        tmp_path,
        SF_CLIENT_ID=CLIENT_ID,
        SF_CLIENT_SECRET=CLIENT_SECRET,
        SF_DOMAIN=f"https://{INSTANCE}/",
    )
    assert open_salesforce(settings).session_id == NEW_TOKEN


@pytest.mark.parametrize("status", [400, 401])
def test_refused_client_credentials_are_an_authentication_error_without_secrets(
    tmp_path: Path, mocked: responses.RequestsMock, status: int
) -> None:
    mocked.post(
        f"https://{INSTANCE}/services/oauth2/token",
        status=status,
        json={"error": "invalid_client", "error_description": "invalid client credentials"},
    )
    with pytest.raises(AuthenticationError) as caught:
        open_salesforce(client_credentials_settings(tmp_path))
    error = caught.value
    assert error.error_code == "invalid_client"
    assert "client credentials" in str(error)
    assert "invalid client credentials" in str(error)
    assert_no_secret(str(error))
    assert_no_secret(repr(error))
    assert base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode() not in str(error)


def test_a_token_endpoint_answering_html_is_an_authentication_error(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        f"https://{INSTANCE}/services/oauth2/token",
        status=503,
        body="<html>Service Unavailable</html>",
        content_type="text/html",
    )
    with pytest.raises(AuthenticationError, match="503"):
        open_salesforce(client_credentials_settings(tmp_path))


# -- OAuth JWT bearer ----------------------------------------------------------------------------


def test_jwt_login_posts_a_signed_assertion_to_the_token_endpoint(
    tmp_path: Path, mocked: responses.RequestsMock, key_file: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    mocked.post("https://login.salesforce.com/services/oauth2/token", json=token_ok())
    sf = open_salesforce(jwt_settings(tmp_path, key_file))
    sent = form(mocked.calls[0].request)
    assert sent["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(
        sent["assertion"],
        rsa_key.public_key(),
        algorithms=["RS256"],
        audience="https://login.salesforce.com",
    )
    assert claims["iss"] == CLIENT_ID
    assert claims["sub"] == USERNAME
    assert sf.session_id == NEW_TOKEN
    assert sf.sf_instance == INSTANCE


def test_jwt_login_against_a_sandbox(
    tmp_path: Path, mocked: responses.RequestsMock, key_file: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    mocked.post("https://test.salesforce.com/services/oauth2/token", json=token_ok())
    open_salesforce(jwt_settings(tmp_path, key_file, SF_DOMAIN="test"))
    sent = form(mocked.calls[0].request)
    claims = jwt.decode(
        sent["assertion"],
        rsa_key.public_key(),
        algorithms=["RS256"],
        audience="https://test.salesforce.com",
    )
    assert claims["sub"] == USERNAME


def test_a_refused_jwt_login_is_an_authentication_error(
    tmp_path: Path, mocked: responses.RequestsMock, key_file: Path
) -> None:
    mocked.post(
        "https://login.salesforce.com/services/oauth2/token",
        status=400,
        json={"error": "invalid_grant", "error_description": "invalid assertion"},
    )
    with pytest.raises(AuthenticationError) as caught:
        open_salesforce(jwt_settings(tmp_path, key_file))
    assert caught.value.error_code == "invalid_grant"
    assert "JWT bearer" in str(caught.value)
    assert "PRIVATE KEY" not in str(caught.value)


def test_a_private_key_file_that_is_not_a_key_is_a_configuration_error(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    bad = tmp_path / "server.key"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nS3cr3tButBroken\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ConfigurationError) as caught:
        open_salesforce(jwt_settings(tmp_path, bad))
    assert "not a PEM RSA private key" in str(caught.value)
    assert "S3cr3tButBroken" not in str(caught.value)
    assert len(mocked.calls) == 0


def test_a_missing_private_key_file_fails_before_any_call(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    with pytest.raises(ConfigurationError, match="no such file"):
        open_salesforce(jwt_settings(tmp_path, tmp_path / "gone.key"))
    assert len(mocked.calls) == 0


# -- connection errors ----------------------------------------------------------------------------


def test_an_unreachable_login_server_is_a_clear_authentication_error(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(SOAP_LOGIN_URL, body=requests.ConnectionError("Name or service not known"))
    with pytest.raises(AuthenticationError) as caught:
        open_salesforce(password_settings(tmp_path))
    error = caught.value
    assert error.error_code == "CONNECTION_ERROR"
    assert "could not reach Salesforce at login.salesforce.com" in str(error)
    assert_no_secret(str(error))


def test_a_login_timeout_is_a_clear_authentication_error(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        f"https://{INSTANCE}/services/oauth2/token", body=requests.ReadTimeout("read timed out")
    )
    with pytest.raises(AuthenticationError, match=r"could not reach .*ReadTimeout"):
        open_salesforce(client_credentials_settings(tmp_path))


# -- timeouts ------------------------------------------------------------------------------------


def test_login_calls_carry_the_default_timeout(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"https://{INSTANCE}/services/oauth2/token", json=token_ok())
    open_salesforce(client_credentials_settings(tmp_path))
    assert mocked.calls[0].request.req_kwargs["timeout"] == DEFAULT_TIMEOUT


def test_api_calls_of_the_opened_client_carry_the_default_timeout(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"https://{INSTANCE}/services/data/v62.0/limits/", json={})
    sf = open_salesforce(session_settings(tmp_path))
    assert isinstance(sf.session, TimeoutSession)
    sf.limits()
    assert mocked.calls[0].request.req_kwargs["timeout"] == DEFAULT_TIMEOUT
    assert mocked.calls[0].request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_an_explicit_timeout_wins_over_the_default(mocked: responses.RequestsMock) -> None:
    mocked.get("https://example.invalid/x", json={})
    TimeoutSession().get("https://example.invalid/x", timeout=3)
    TimeoutSession(timeout=(1.0, 2.0)).get("https://example.invalid/x")
    assert mocked.calls[0].request.req_kwargs["timeout"] == 3
    assert mocked.calls[1].request.req_kwargs["timeout"] == (1.0, 2.0)


def test_a_session_handed_in_is_the_one_used(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"https://{INSTANCE}/services/oauth2/token", json=token_ok())
    mine = TimeoutSession(timeout=(5.0, 6.0))
    sf = open_salesforce(client_credentials_settings(tmp_path), mine)
    assert sf.session is mine
    assert mocked.calls[0].request.req_kwargs["timeout"] == (5.0, 6.0)


# -- connect() -----------------------------------------------------------------------------------


def test_connect_without_credentials_uses_the_local_org_and_says_so_once(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = connect()
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "local org" in err
    assert str(DEFAULT_LOCAL_PATH) in err
    assert client.local_org is not None  # type: ignore[attr-defined]
    assert (clean_env / DEFAULT_LOCAL_PATH).is_dir()


def test_connect_to_a_local_org_at_a_path_creates_it_there(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = clean_env / "o"
    client = connect(org="local:" + str(where))
    assert where.is_dir()
    assert str(where) in client.description
    assert capsys.readouterr().err == ""  # asked for explicitly: nothing to announce


def test_connect_to_the_local_org_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASYMBL_SF_ORG", f"local:{clean_env / 'env-org'}")
    connect()
    assert (clean_env / "env-org").is_dir()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("org", ["nonsense", "localhost", "locale"])
def test_connect_to_an_unknown_org_is_a_configuration_error(clean_env: Path, org: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(repr(org))):
        connect(org=org)


def test_connect_with_half_filled_credentials_reports_them_instead_of_going_local(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SF_PASSWORD", PASSWORD)
    with pytest.raises(ConfigurationError, match="SF_USERNAME") as caught:
        connect()
    assert PASSWORD not in str(caught.value)
    assert capsys.readouterr().err == ""
    assert not (clean_env / DEFAULT_LOCAL_PATH).exists()


def test_connect_reads_credentials_from_dotenv_in_the_working_directory(
    clean_env: Path, mocked: responses.RequestsMock
) -> None:
    (clean_env / ".env").write_text(
        f"SF_INSTANCE_URL=https://{INSTANCE}\nSF_ACCESS_TOKEN={ACCESS_TOKEN}\n"
    )
    client = connect()
    assert INSTANCE in client.description
    assert len(mocked.calls) == 0


def test_connect_rejects_a_malformed_api_version(clean_env: Path) -> None:
    with pytest.raises(ConfigurationError, match="API version"):
        connect(org="local", api_version="latest")
