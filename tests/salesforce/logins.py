"""Fake credentials and mocked Salesforce login endpoints for every login mode.

Shared by the connection, login-mode and secrets tests: every secret here is a value a test can
search all output for.
"""

from __future__ import annotations

from pathlib import Path

import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

INSTANCE = "acme.my.salesforce.com"
API = f"https://{INSTANCE}/services/data/v62.0"
ACCESS_TOKEN = "00D5g000004AbCd!AQ0AQFakeAccessTokenValue"
NEW_TOKEN = "00D5g000004AbCd!AQ0AQIssuedByTheLoginCall"
RENEWED_TOKEN = "00D5g000004AbCd!AQ0AQIssuedByTheSecondLogin"
PASSWORD = "correct-horse-battery"
SECURITY_TOKEN = "SecTok1234567890"
CLIENT_SECRET = "C0nsumerSecretValue42"
CLIENT_ID = "3MVG9.fake.client.id"
USERNAME = "ops@acme.example"
SECRETS = (ACCESS_TOKEN, NEW_TOKEN, RENEWED_TOKEN, PASSWORD, SECURITY_TOKEN, CLIENT_SECRET)

SOAP_LOGIN_URL = "https://login.salesforce.com/services/Soap/u/62.0"
JWT_TOKEN_URL = "https://login.salesforce.com/services/oauth2/token"
MY_DOMAIN_TOKEN_URL = f"https://{INSTANCE}/services/oauth2/token"

LOGIN_MODES = ("password", "client_credentials", "jwt")


def soap_ok(session_id: str = NEW_TOKEN) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns="urn:partner.soap.sforce.com"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Body><loginResponse><result>
    <metadataServerUrl>https://{INSTANCE}/services/Soap/m/62.0/00D5g000004AbCd</metadataServerUrl>
    <passwordExpired>false</passwordExpired>
    <sandbox>false</sandbox>
    <serverUrl>https://{INSTANCE}/services/Soap/u/62.0/00D5g000004AbCd</serverUrl>
    <sessionId>{session_id}</sessionId>
    <userId>0055g00000AbCdEAAV</userId>
  </result></loginResponse></soapenv:Body>
</soapenv:Envelope>"""


LOCKED_OUT = "Invalid username, password, security token; or user locked out."
SOAP_FAULT = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:sf="urn:fault.partner.soap.sforce.com"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Body><soapenv:Fault>
    <faultcode>sf:INVALID_LOGIN</faultcode>
    <faultstring>INVALID_LOGIN: {LOCKED_OUT}</faultstring>
    <detail><sf:LoginFault xsi:type="sf:LoginFault">
      <sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>
      <sf:exceptionMessage>{LOCKED_OUT}</sf:exceptionMessage>
    </sf:LoginFault></detail>
  </soapenv:Fault></soapenv:Body>
</soapenv:Envelope>"""


def token_ok(access_token: str = NEW_TOKEN) -> dict[str, str]:
    return {
        "access_token": access_token,
        "instance_url": f"https://{INSTANCE}",
        "id": "https://login.salesforce.com/id/00D5g000004AbCd/0055g00000AbCdEAAV",
        "token_type": "Bearer",
        "issued_at": "1700000000000",
        "signature": "c2ln",
    }


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_key(path: Path, key: rsa.RSAPrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def mode_env(mode: str, key_file: Path | None = None) -> dict[str, str]:
    """The SF_* variables of one login mode."""
    if mode == "session":
        return {"SF_INSTANCE_URL": f"https://{INSTANCE}", "SF_ACCESS_TOKEN": ACCESS_TOKEN}
    if mode == "password":
        return {
            "SF_USERNAME": USERNAME,
            "SF_PASSWORD": PASSWORD,
            "SF_SECURITY_TOKEN": SECURITY_TOKEN,
        }
    if mode == "client_credentials":
        return {
            "SF_CLIENT_ID": CLIENT_ID,
            "SF_CLIENT_SECRET": CLIENT_SECRET,
            "SF_DOMAIN": "acme.my",
        }
    assert mode == "jwt" and key_file is not None
    return {
        "SF_CLIENT_ID": CLIENT_ID,
        "SF_USERNAME": USERNAME,
        "SF_PRIVATE_KEY_FILE": str(key_file),
    }


def login_url(mode: str) -> str:
    return {
        "password": SOAP_LOGIN_URL,
        "client_credentials": MY_DOMAIN_TOKEN_URL,
        "jwt": JWT_TOKEN_URL,
    }[mode]


def mock_login(mocked: responses.RequestsMock, mode: str, session_id: str = NEW_TOKEN) -> None:
    """One successful login answer for ``mode`` (add several for several logins, in order)."""
    if mode == "password":
        mocked.post(SOAP_LOGIN_URL, body=soap_ok(session_id), content_type="text/xml")
    else:
        mocked.post(login_url(mode), json=token_ok(session_id))


def mock_refused_login(mocked: responses.RequestsMock, mode: str) -> None:
    if mode == "password":
        mocked.post(SOAP_LOGIN_URL, body=SOAP_FAULT, status=500, content_type="text/xml")
    else:
        mocked.post(
            login_url(mode),
            status=400,
            json={"error": "invalid_grant", "error_description": "authentication failure"},
        )
