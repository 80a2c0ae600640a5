"""Secrets never leave asymbl-sf: not on stdout or stderr, not in logs, exceptions or files.

Every credential kind gets a known value (password, security token, client secret, private key,
access token, the session ids logins hand out), then every failure path that can be driven runs:
refused logins, expired sessions with and without renewal, 500s, dropped connections whose
``requests`` message carries the URL and the Authorization header, endpoints that echo the
request back, unreadable answers, and every CLI command. Everything produced is searched.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import responses
import typer.main
from typer.testing import CliRunner

from asymbl_sf import connect
from asymbl_sf.cli.app import app
from asymbl_sf.errors import AsymblError
from asymbl_sf.salesforce.redact import MASK, redact
from tests.salesforce.logins import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    INSTANCE,
    NEW_TOKEN,
    PASSWORD,
    RENEWED_TOKEN,
    SECRETS,
    SECURITY_TOKEN,
    login_url,
    mock_login,
    mode_env,
    new_rsa_key,
    soap_ok,
    write_key,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kombo_application.json"
PAYLOADS = ROOT / "tests" / "fixtures" / "payloads"
CONTACT_ID = "0035g00000AbCdEAAV"
APPLICATION_ID = "a0B5g00000AbCdEAAV"
BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
ECHO = (
    f"password={PASSWORD}{SECURITY_TOKEN}&client_secret={CLIENT_SECRET} "
    f"Authorization: Bearer {ACCESS_TOKEN}; sid={NEW_TOKEN}; Basic {BASIC}"
)


@dataclass
class Secrets:
    """Every value that must never be seen, the private key's lines included."""

    key_file: Path
    key_lines: list[str]

    def values(self) -> list[str]:
        return [*SECRETS, PASSWORD + SECURITY_TOKEN, BASIC, *self.key_lines]

    def assert_absent(self, text: str, where: str) -> None:
        for value in self.values():
            assert value not in text, f"a secret ({value[:6]}…) leaked into {where}"


@pytest.fixture(scope="module")
def key_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = write_key(tmp_path_factory.mktemp("key") / "server.key", new_rsa_key())
    return path.read_text()


@pytest.fixture
def secrets(clean_env: Path, key_text: str) -> Secrets:
    """A clean environment in an empty working directory, and a key file there."""
    key_file = clean_env / "server.key"
    key_file.write_text(key_text)
    lines = [line for line in key_text.splitlines() if line and not line.startswith("-----")]
    return Secrets(key_file, lines)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries happen, but without sleeping."""
    monkeypatch.setattr("asymbl_sf.salesforce.retry.time", SimpleNamespace(sleep=lambda s: None))


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger, every level
    return caplog


# -- how the org misbehaves -----------------------------------------------------------------------

ORG = re.compile(rf"https://{re.escape(INSTANCE)}/services/(data|apexrest|async)/.*")
Behaviour = Callable[[responses.RequestsMock, str], None]


def on_every_org_call(mocked: responses.RequestsMock, **answer: Any) -> None:
    for method in (responses.GET, responses.POST, responses.PATCH, responses.PUT, responses.DELETE):
        mocked.add(method, ORG, **answer)


def login_refused_with_an_echo(mocked: responses.RequestsMock, mode: str) -> None:
    if mode == "password":
        mocked.post(
            login_url(mode),
            status=500,
            content_type="text/xml",
            body=(
                "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/' "
                "xmlns:sf='urn:fault.partner.soap.sforce.com'><soapenv:Body><soapenv:Fault>"
                "<detail><sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
                f"<sf:exceptionMessage>bad login for {ECHO.replace('&', '&amp;')}"
                "</sf:exceptionMessage>"
                "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
            ),
        )
    elif mode != "session":
        mocked.post(
            login_url(mode),
            status=400,
            json={"error": "invalid_client", "error_description": f"bad: {ECHO}"},
        )


def login_unreachable_with_the_url(mocked: responses.RequestsMock, mode: str) -> None:
    if mode != "session":
        mocked.post(
            login_url(mode),
            body=requests.ConnectionError(
                f"HTTPSConnectionPool(host='login.salesforce.com', port=443): Max retries exceeded "
                f"with url: /services/oauth2/token?{ECHO}"
            ),
        )


def login_then(answer: Callable[[responses.RequestsMock], None]) -> Behaviour:
    def behaviour(mocked: responses.RequestsMock, mode: str) -> None:
        if mode != "session":
            mock_login(mocked, mode, NEW_TOKEN)
            mock_login(mocked, mode, RENEWED_TOKEN)
        answer(mocked)

    return behaviour


def expired(mocked: responses.RequestsMock) -> None:
    on_every_org_call(
        mocked,
        status=401,
        json=[
            {"errorCode": "INVALID_SESSION_ID", "message": f"Session expired or invalid: {ECHO}"}
        ],
    )


def server_error_echoing_the_request(mocked: responses.RequestsMock) -> None:
    on_every_org_call(
        mocked,
        status=500,
        json=[{"errorCode": "UNKNOWN_EXCEPTION", "message": f"failed for {ECHO}"}],
    )


def unavailable_as_plain_text(mocked: responses.RequestsMock) -> None:
    on_every_org_call(mocked, status=503, body=f"upstream said: {ECHO}", content_type="text/plain")


def dropped_with_url_and_headers(mocked: responses.RequestsMock) -> None:
    on_every_org_call(
        mocked,
        body=requests.ConnectionError(
            f"HTTPSConnectionPool(host='{INSTANCE}', port=443): Max retries exceeded with url: "
            f"/services/data/v62.0/query/?q=SELECT&access_token={ACCESS_TOKEN} (Caused by "
            f"headers={{'Authorization': 'Bearer {NEW_TOKEN}'}}) {ECHO}"
        ),
    )


def answered_with_an_html_echo(mocked: responses.RequestsMock) -> None:
    on_every_org_call(
        mocked, status=200, body=f"<html>proxy login page {ECHO}</html>", content_type="text/html"
    )


def renewal_refused_with_an_echo(mocked: responses.RequestsMock, mode: str) -> None:
    if mode == "session":
        expired(mocked)
        return
    mock_login(mocked, mode, NEW_TOKEN)
    login_refused_with_an_echo(mocked, mode)
    expired(mocked)


BEHAVIOURS: dict[str, Behaviour] = {
    "login refused, echoing the request": login_refused_with_an_echo,
    "login server unreachable, URL in the error": login_unreachable_with_the_url,
    "session expired": login_then(expired),
    "renewal refused, echoing the request": renewal_refused_with_an_echo,
    "500 echoing the request": login_then(server_error_echoing_the_request),
    "503 as plain text": login_then(unavailable_as_plain_text),
    "connection dropped, URL and headers in the error": login_then(dropped_with_url_and_headers),
    "HTML instead of JSON": login_then(answered_with_an_html_echo),
}
MODES = ("session", "password", "client_credentials", "jwt")


def set_mode(monkeypatch: pytest.MonkeyPatch, mode: str, secrets: Secrets) -> None:
    for name, value in mode_env(mode, secrets.key_file).items():
        monkeypatch.setenv(name, value)
    if mode != "session":  # set but unused in these modes: must not leak either
        monkeypatch.setenv(
            "SF_ACCESS_TOKEN" if mode == "jwt" else "SF_SECURITY_TOKEN",
            ACCESS_TOKEN if mode == "jwt" else SECURITY_TOKEN,
        )
        if mode == "jwt":
            monkeypatch.delenv("SF_ACCESS_TOKEN")


# -- the library ----------------------------------------------------------------------------------


def drive_the_library() -> list[BaseException]:
    """Connect and run the calls a write makes; collect every error raised on the way."""
    errors: list[BaseException] = []
    try:
        client = connect()
    except AsymblError as exc:
        return [exc]
    for action in (
        lambda: client.api.query("SELECT Id FROM Contact"),
        lambda: client.api.describe("Contact"),
        lambda: client.api.create_collection(
            [{"attributes": {"type": "Contact"}, "LastName": "Doe"}]
        ),
        lambda: client.create_application(EXAMPLE, job_id="remote:Registered Nurse"),
        lambda: client.add_attachment(
            None,
            {
                "name": "cv.txt",
                "type": "CV",
                "content_type": "text/plain",
                "data": base64.b64encode(b"hello").decode(),
            },
            candidate_id=CONTACT_ID,
        ),
    ):
        try:
            action()
        except AsymblError as exc:
            errors.append(exc)
    return errors


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("behaviour", list(BEHAVIOURS))
def test_library_errors_and_logs_hold_no_secret(
    secrets: Secrets,
    mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    all_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    behaviour: str,
) -> None:
    set_mode(monkeypatch, mode, secrets)
    BEHAVIOURS[behaviour](mocked, mode)
    errors = drive_the_library()
    assert errors, "every behaviour here is a failure"
    for error in errors:
        secrets.assert_absent(str(error), f"str() of {type(error).__name__}")
        secrets.assert_absent(repr(error), f"repr() of {type(error).__name__}")
        for problem in getattr(error, "problems", []):
            secrets.assert_absent(str(problem), "a problem")
        # nothing chained that a traceback would print
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
    secrets.assert_absent(all_logs.text, "the logs")
    out, err = capsys.readouterr()
    secrets.assert_absent(out + err, "stdout/stderr")


# -- the command line -----------------------------------------------------------------------------


def commands() -> list[list[str]]:
    """Every command path of the CLI (``["org", "show"]``...), found from the app itself."""
    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found.append(path)

    walk(typer.main.get_command(app), [])
    return found


#: Inputs copied into the working directory, so whatever a command writes next to its input
#: (the import's results file) lands where the test searches, not in the repository.
INPUTS = {
    "application.json": EXAMPLE,
    "candidate.json": PAYLOADS / "kombo_candidate.json",
    "attachment.json": PAYLOADS / "merge_attachment.json",
    "activity.json": PAYLOADS / "merge_activity_note.json",
}

#: Arguments that make each command reach Salesforce (where it does at all).
KNOWN_ARGS: dict[str, list[str]] = {
    "create-application": ["application.json", "--job-id", "remote:Registered Nurse"],
    "create-candidate": ["candidate.json"],
    "add-attachment": ["attachment.json", "--candidate-id", CONTACT_ID],
    "create-activity": ["activity.json", "--candidate-id", CONTACT_ID],
    "move-stage": [APPLICATION_ID, "Interview"],
    "get-attachments": [CONTACT_ID],
    "api": ["GET", "limits"],
    "fields": ["Contact"],
    "render": ["application.json"],
    "check": [],
    "org load-schema": ["--from-org"],
    "import": ["applications.json", "--job-id", "remote:Registered Nurse", "--quiet"],
}


def copy_inputs(where: Path) -> None:
    for name, source in INPUTS.items():
        (where / name).write_bytes(source.read_bytes())
    record = json.loads(EXAMPLE.read_text())
    records = []
    for number in range(3):
        one = json.loads(json.dumps(record))
        one["candidate"]["email_address"] = f"import{number}@example.org"
        records.append(one)
    (where / "applications.json").write_text(json.dumps(records))


def args_for(path: list[str]) -> list[str]:
    """Known arguments, or a guess from the command's parameters for commands added later."""
    name = " ".join(path)
    if name in KNOWN_ARGS:
        return KNOWN_ARGS[name]
    command: Any = typer.main.get_command(app)
    for part in path:
        command = command.commands[part]
    return [
        "application.json"
        for param in command.params
        if type(param).__name__.endswith("Argument") and param.required
    ]


CLI_BEHAVIOURS = {
    "password": "login refused, echoing the request",
    "client_credentials": "renewal refused, echoing the request",
    "jwt": "500 echoing the request",
    "session": "connection dropped, URL and headers in the error",
}


@pytest.mark.parametrize("command", commands(), ids=" ".join)
@pytest.mark.parametrize("mode", MODES)
def test_no_command_prints_logs_or_writes_a_secret(
    secrets: Secrets,
    mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    all_logs: pytest.LogCaptureFixture,
    tmp_path: Path,
    command: list[str],
    mode: str,
) -> None:
    set_mode(monkeypatch, mode, secrets)
    BEHAVIOURS[CLI_BEHAVIOURS[mode]](mocked, mode)
    copy_inputs(tmp_path)
    # ASYMBL_SF_DEBUG adds the traceback of an unexpected error: the most that is ever printed.
    monkeypatch.setenv("ASYMBL_SF_DEBUG", "1")
    result = CliRunner().invoke(app, [*command, *args_for(command)])
    shown = f"{' '.join(command)} ({CLI_BEHAVIOURS[mode]})"
    secrets.assert_absent(result.stdout, f"stdout of {shown}")
    secrets.assert_absent(result.stderr, f"stderr of {shown}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        secrets.assert_absent(repr(result.exception), f"the exception of {shown}")
    secrets.assert_absent(all_logs.text, f"the logs of {' '.join(command)}")
    for path in tmp_path.rglob("*"):  # results files, a local org, downloads...
        if path.is_file() and path != secrets.key_file:
            secrets.assert_absent(path.read_bytes().decode("utf-8", "replace"), str(path))


def test_commands_that_reach_salesforce_fail_cleanly(
    secrets: Secrets, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_mode(monkeypatch, "password", secrets)
    login_refused_with_an_echo(mocked, "password")
    copy_inputs(Path.cwd())
    for command in (
        "create-application",
        "create-candidate",
        "add-attachment",
        "create-activity",
        "move-stage",
        "get-attachments",
    ):
        result = CliRunner().invoke(app, [command, *KNOWN_ARGS[command]])
        assert result.exit_code == 1, (command, result.stderr)
        assert "error: Salesforce said INVALID_LOGIN" in result.stderr
        assert "Traceback" not in result.stderr
        assert "********" in result.stderr  # the echo was there, masked


def test_the_login_answer_itself_is_never_shown(
    secrets: Secrets,
    mocked: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    # A successful login hands out a session id asymbl-sf did not know before: it must stay
    # out of results even when the org is then unreachable.
    set_mode(monkeypatch, "password", secrets)
    mocked.post(login_url("password"), body=soap_ok(NEW_TOKEN), content_type="text/xml")
    dropped_with_url_and_headers(mocked)
    copy_inputs(Path.cwd())
    result = CliRunner().invoke(app, ["create-application", "application.json", "--job-id", "x"])
    assert result.exit_code == 1
    secrets.assert_absent(result.stdout + result.stderr + all_logs.text, "the output")


# -- the boundary itself --------------------------------------------------------------------------


def test_a_simple_salesforce_error_carrying_url_and_headers_is_reduced_to_its_code(
    secrets: Secrets,
) -> None:
    from simple_salesforce import Salesforce
    from simple_salesforce.exceptions import SalesforceGeneralError

    from asymbl_sf.salesforce.api import SalesforceApi

    sf = Salesforce(instance_url=f"https://{INSTANCE}", session_id=ACCESS_TOKEN, version="62.0")
    api = SalesforceApi(sf)
    raised = SalesforceGeneralError(
        f"https://{INSTANCE}/services/data/v62.0/query/?access_token={ACCESS_TOKEN}",
        500,
        "query",
        [
            {
                "errorCode": "UNKNOWN_EXCEPTION",
                "message": f"headers {{'Authorization': 'Bearer {ACCESS_TOKEN}'}} {ECHO}",
            }
        ],
    )

    def call() -> None:
        raise raised

    with pytest.raises(AsymblError) as caught:
        api._call("GET query", call)
    assert caught.value.error_code == "UNKNOWN_EXCEPTION"  # type: ignore[attr-defined]
    secrets.assert_absent(str(caught.value) + repr(caught.value), "the translated error")
    assert ACCESS_TOKEN in str(raised)  # what simple-salesforce's own message would have shown


def test_the_current_session_id_is_masked_even_in_an_unusual_shape(secrets: Secrets) -> None:
    from simple_salesforce import Salesforce
    from simple_salesforce.exceptions import SalesforceMalformedRequest

    from asymbl_sf.salesforce.api import SalesforceApi

    odd = "an-odd-session-token-from-a-proxy"
    sf = Salesforce(instance_url=f"https://{INSTANCE}", session_id=odd, version="62.0")

    def call() -> None:
        raise SalesforceMalformedRequest(
            "u",
            400,
            "q",
            [{"errorCode": "MALFORMED_QUERY", "message": f"bad query for session {odd}"}],
        )

    with pytest.raises(AsymblError) as caught:
        SalesforceApi(sf)._call("GET query", call)
    assert odd not in str(caught.value)
    assert "bad query for session ********" in str(caught.value)


def test_import_results_files_hold_no_secret(
    secrets: Secrets,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    from asymbl_sf.localorg import LocalOrg

    set_mode(monkeypatch, "session", secrets)
    copy_inputs(tmp_path)
    with LocalOrg(instance_url=f"https://{INSTANCE}") as org:
        # Salesforce refuses every Contact with a message that echoes credentials.
        org.faults.on_records(
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            lambda sobject, body: sobject == "Contact",
            message=f"rejected: {ECHO}",
        )
        result = CliRunner().invoke(app, ["import", *KNOWN_ARGS["import"]])
    assert result.exit_code == 1, result.stderr
    written = [p for p in tmp_path.rglob("*.jsonl")]
    assert written, "the import wrote no results file"
    text = "".join(p.read_text() for p in written)
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in text and "********" in text
    for path in written:
        secrets.assert_absent(path.read_text(), str(path))
    secrets.assert_absent(result.stdout + result.stderr + all_logs.text, "the import's output")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the OAuth credentials login failed", "the OAuth credentials login failed"),
        ("use Basic authentication or Bearer tokens", "use Basic authentication or Bearer tokens"),
        ("the OAuth client-credentials flow", "the OAuth client-credentials flow"),
        ("Authorization: OAuth abc123def456", f"Authorization: OAuth {MASK}"),
        ("Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln", f"Authorization: Bearer {MASK}"),
        ("Authorization: Basic dXNlcjpwYXNz", f"Authorization: Basic {MASK}"),
        ("Bearer abcdefghijklmnopqrstuvwxyz", f"Bearer {MASK}"),
    ],
)
def test_the_authorization_pattern_masks_credentials_not_the_word_after_a_scheme(
    text: str, expected: str
) -> None:
    assert redact(text) == expected
