"""``asymbl_sf.attachments.fetch``: downloads from untrusted URLs, with HTTP mocked by ``responses``.

A fake resolver stands in for DNS (no test touches the network); one test runs a real local
server to prove connections go to the checked address rather than to a fresh lookup.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from asymbl_sf import Asymbl
from asymbl_sf.attachments.fetch import (
    FetchError,
    FetchPolicy,
    _PinningAdapter,
    fetch,
    redact_url,
    safe_file_name,
)
from asymbl_sf.errors import AsymblError, PayloadError
from asymbl_sf.localorg import LocalOrg

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1::1"
CV_URL = "https://files.example.com/cvs/Ada%20Lovelace.pdf"
PDF = b"%PDF-1.7 fake cv"


class FakeResolver:
    """Answers from a table (public by default) and records what was asked."""

    def __init__(self, table: Mapping[str, list[str]] | None = None) -> None:
        self.table = dict(table or {})
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host in self.table:
            return self.table[host]
        return [PUBLIC_V4]


def policy(table: Mapping[str, list[str]] | None = None, **kwargs: object) -> FetchPolicy:
    return FetchPolicy(resolve=FakeResolver(table), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def web() -> Iterator[responses.RequestsMock]:
    # assert_all_requests_are_fired=False: refusal tests register URLs that must *not* be fetched.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def refusal(url: str, fetch_policy: FetchPolicy | None = None) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, policy=fetch_policy or policy())
    return caught.value


# --- happy paths -----------------------------------------------------------------------------


def test_download_returns_bytes_media_type_and_name_from_the_url(
    web: responses.RequestsMock,
) -> None:
    web.get(CV_URL, body=PDF, headers={"Content-Type": "application/PDF; charset=binary"})

    fetched = fetch(CV_URL, policy=policy())

    assert fetched.data == PDF
    assert fetched.content_type == "application/pdf"
    assert fetched.file_name == "Ada Lovelace.pdf"  # percent-decoded
    assert fetched.final_url == CV_URL


def test_streamed_body_is_read_whole(web: responses.RequestsMock) -> None:
    body = bytes(range(256)) * 1000  # several read chunks
    web.get(CV_URL, body=body)

    assert fetch(CV_URL, policy=policy()).data == body


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ('attachment; filename="cv final.pdf"', "cv final.pdf"),
        ("inline; filename=cv.docx", "cv.docx"),
        # filename* (RFC 5987) carries UTF-8 and wins over the ASCII fallback.
        (
            "attachment; filename=\"rates.pdf\"; filename*=UTF-8''%E2%82%AC%20rates.pdf",
            "€ rates.pdf",
        ),
        ('attachment; filename="../../etc/passwd"', "passwd"),
    ],
)
def test_content_disposition_names_the_file(
    web: responses.RequestsMock, disposition: str, expected: str
) -> None:
    web.get(CV_URL, body=PDF, headers={"Content-Disposition": disposition})

    assert fetch(CV_URL, policy=policy()).file_name == expected


def test_no_name_anywhere_gives_none(web: responses.RequestsMock) -> None:
    web.get("https://files.example.com/", body=PDF, content_type=None)

    fetched = fetch("https://files.example.com/", policy=policy())

    assert fetched.file_name is None
    assert fetched.content_type is None


# --- size limits -----------------------------------------------------------------------------


def test_too_large_by_content_length_is_refused_before_reading(
    web: responses.RequestsMock,
) -> None:
    web.get(CV_URL, body=b"x" * 2048, auto_calculate_content_length=True)

    error = refusal(CV_URL, policy(max_bytes=1024))

    assert str(error) == f"{CV_URL} is larger than 1 KiB (the server says 2 KiB)"


def test_too_large_while_streaming_stops_the_download(web: responses.RequestsMock) -> None:
    # No Content-Length: the limit must hold while reading.
    web.get(CV_URL, body=b"x" * (200 * 1024))

    error = refusal(CV_URL, policy(max_bytes=100 * 1024))

    assert str(error) == f"{CV_URL} is larger than 100 KiB; download stopped"


def test_default_limit_is_fifty_mib_in_the_message(web: responses.RequestsMock) -> None:
    web.get(CV_URL, body=b"x", headers={"Content-Length": str(60 * 1024 * 1024)})

    assert "larger than 50 MiB" in str(refusal(CV_URL))


def test_body_exactly_at_the_limit_is_accepted(web: responses.RequestsMock) -> None:
    web.get(CV_URL, body=b"x" * 1024)

    assert len(fetch(CV_URL, policy=policy(max_bytes=1024)).data) == 1024


# --- redirects -------------------------------------------------------------------------------


def redirect(web: responses.RequestsMock, source: str, target: str, status: int = 302) -> None:
    web.get(source, status=status, headers={"Location": target})


def test_redirect_chain_within_the_limit_is_followed(web: responses.RequestsMock) -> None:
    resolver = FakeResolver()
    redirect(web, "https://api.example.com/v1/files/123", "https://cdn.example.net/a", 301)
    redirect(web, "https://cdn.example.net/a", "/b/cv.pdf?X-Amz-Signature=secret", 307)
    web.get("https://cdn.example.net/b/cv.pdf", body=PDF)

    fetched = fetch("https://api.example.com/v1/files/123", policy=FetchPolicy(resolve=resolver))

    assert fetched.data == PDF
    assert fetched.final_url == "https://cdn.example.net/b/cv.pdf?X-Amz-Signature=secret"
    # The storage URL names the file; the API URL ("123") does not.
    assert fetched.file_name == "cv.pdf"
    # Every hop was checked, not only the first.
    assert resolver.asked == ["api.example.com", "cdn.example.net", "cdn.example.net"]


def test_more_redirects_than_allowed_is_refused(web: responses.RequestsMock) -> None:
    for n in range(3):
        redirect(web, f"https://files.example.com/{n}", f"https://files.example.com/{n + 1}")
    web.get("https://files.example.com/3", body=PDF)

    error = refusal("https://files.example.com/0?token=abc", policy(max_redirects=2))

    assert str(error) == "more than 2 redirects starting at https://files.example.com/0"


def test_redirect_to_a_file_url_is_refused(web: responses.RequestsMock) -> None:
    redirect(web, CV_URL, "file:///etc/passwd")

    error = refusal(CV_URL)

    assert str(error) == f"{CV_URL} redirected to a file: URL; only http and https are downloaded"


def test_redirect_to_a_private_address_is_refused(web: responses.RequestsMock) -> None:
    redirect(web, CV_URL, "http://intranet.corp.example/admin")
    web.get("http://intranet.corp.example/admin", body=b"secrets")

    error = refusal(CV_URL, policy({"intranet.corp.example": ["10.0.0.5"]}))

    assert str(error).startswith(f"{CV_URL} redirected to a private address 10.0.0.5 (")
    assert error.url == "http://intranet.corp.example/admin"


def test_redirect_to_a_metadata_ip_literal_is_refused(web: responses.RequestsMock) -> None:
    redirect(web, CV_URL, "http://169.254.169.254/latest/meta-data/")

    error = refusal(CV_URL, policy({"169.254.169.254": ["169.254.169.254"]}))

    assert "redirected to the cloud metadata address 169.254.169.254" in str(error)


def test_redirect_without_location_is_an_error(web: responses.RequestsMock) -> None:
    web.get(CV_URL, status=302)

    assert str(refusal(CV_URL)) == f"HTTP 302 from {CV_URL} without a Location header"


def test_authorization_is_not_forwarded_to_another_host(web: responses.RequestsMock) -> None:
    redirect(web, "https://api.example.com/files/1", "https://cdn.example.net/cv.pdf")
    web.get("https://cdn.example.net/cv.pdf", body=PDF)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer api-key"

    fetch("https://api.example.com/files/1", policy=policy(), session=session)

    assert web.calls[0].request.headers["Authorization"] == "Bearer api-key"
    assert "Authorization" not in web.calls[1].request.headers


# --- schemes and addresses -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://files.example.com/cv.pdf",
        "gopher://files.example.com/",
        "data:application/pdf;base64,JVBERi0xLjcgZmFrZSBjdg==",
        "jar:https://files.example.com/a.jar!/",
    ],
)
def test_schemes_other_than_http_are_refused(url: str) -> None:
    error = refusal(url)

    scheme = url.split(":", 1)[0]
    assert str(error) == f"refusing a {scheme}: URL; only http and https are downloaded"
    assert "base64" not in error.url  # a data: URL is its content: never echoed


def test_relative_url_is_refused_clearly() -> None:
    assert "not an absolute URL" in str(refusal("files.example.com/cv.pdf"))


@pytest.mark.parametrize(
    ("host", "address", "what"),
    [
        ("localhost", "127.0.0.1", "a loopback address"),
        ("ip6-localhost", "::1", "a loopback address"),
        ("metadata.google.internal", "169.254.169.254", "the cloud metadata address"),
        ("printer.local", "169.254.10.20", "a link-local address"),
        ("router.lan", "192.168.1.1", "a private address"),
        ("db.internal", "10.1.2.3", "a private address"),
        ("vpn.internal", "172.16.0.9", "a private address"),
        ("v6.internal", "fd12:3456::1", "a private address"),
        ("v6-link.internal", "fe80::1", "a link-local address"),
        ("zero.example", "0.0.0.0", "an unspecified address"),
        ("mcast.example", "239.1.1.1", "a multicast address"),
        ("cgnat.example", "100.64.0.1", "a non-public address"),
        # IPv6 forms that reach an IPv4 loopback or private address.
        ("mapped.example", "::ffff:127.0.0.1", "a loopback address"),
        ("nat64.example", "64:ff9b::a00:5", "a private address"),
    ],
)
def test_non_public_addresses_are_refused(
    web: responses.RequestsMock, host: str, address: str, what: str
) -> None:
    url = f"http://{host}/cv.pdf"
    web.get(url, body=PDF)

    error = refusal(url, policy({host: [address]}))

    assert str(error) == f"refusing {url}: it points to {what} {address}; allow_private permits it"
    assert not web.calls  # refused before any request was sent


def test_one_private_address_among_public_ones_is_enough_to_refuse(
    web: responses.RequestsMock,
) -> None:
    # DNS can answer with several records; any of them could be the one connected to.
    web.get(CV_URL, body=PDF)

    error = refusal(CV_URL, policy({"files.example.com": [PUBLIC_V4, PUBLIC_V6, "10.0.0.5"]}))

    assert "a private address 10.0.0.5" in str(error)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/cv.pdf",
        "http://[::1]/cv.pdf",
        "http://2130706433/cv.pdf",  # decimal 127.0.0.1
        "http://0x7f.1/cv.pdf",  # hex and short form of 127.0.0.1
        "http://017700000001/cv.pdf",  # octal
    ],
)
def test_ip_literals_in_odd_forms_are_judged_after_real_resolution(url: str) -> None:
    # The real resolver: getaddrinfo resolves IP literals locally (no DNS) and normalises them.
    error = refusal(url, FetchPolicy())

    assert "a loopback address" in str(error)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "fd00::5", "169.254.169.254"])
def test_allow_private_permits_internal_addresses(
    web: responses.RequestsMock, address: str
) -> None:
    url = "http://files.intranet.example/cv.pdf"
    web.get(url, body=PDF)

    fetched = fetch(url, policy=policy({"files.intranet.example": [address]}, allow_private=True))

    assert fetched.data == PDF


def test_public_ipv6_is_allowed(web: responses.RequestsMock) -> None:
    web.get(CV_URL, body=PDF)

    assert fetch(CV_URL, policy=policy({"files.example.com": [PUBLIC_V6]})).data == PDF


def test_unresolvable_host_is_an_error() -> None:
    def no_such_host(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    error = refusal("https://nowhere.example/cv.pdf?sig=1", FetchPolicy(resolve=no_such_host))

    assert str(error) == "cannot resolve nowhere.example (in https://nowhere.example/cv.pdf)"


# --- credentials and secrets never shown -----------------------------------------------------


def test_credentials_in_the_url_are_refused_and_never_shown(web: responses.RequestsMock) -> None:
    web.get("https://files.example.com/cv.pdf", body=PDF)

    error = refusal("https://admin:hunter2@files.example.com/cv.pdf?sig=s3cr3t")

    assert "credentials" in str(error)
    for secret in ("admin", "hunter2", "s3cr3t"):
        assert secret not in str(error)
        assert secret not in error.url
    assert not web.calls


def test_redirect_to_a_url_with_credentials_is_refused(web: responses.RequestsMock) -> None:
    redirect(web, CV_URL, "https://bob:pa55@other.example.com/cv.pdf")

    error = refusal(CV_URL)

    assert "credentials" in str(error)
    assert "pa55" not in str(error) and "bob" not in str(error)


def test_query_strings_are_elided_from_errors(web: responses.RequestsMock) -> None:
    url = "https://bucket.example.com/cv.pdf?X-Amz-Signature=abc123&X-Amz-Credential=AKIA"
    web.get(url, status=403)

    error = refusal(url)

    assert str(error) == "HTTP 403 from https://bucket.example.com/cv.pdf"
    assert error.url == "https://bucket.example.com/cv.pdf"


def test_redact_url_drops_userinfo_query_and_fragment() -> None:
    assert redact_url("https://u:p@h.example:8443/a/b?q=1#frag") == "https://h.example:8443/a/b"
    assert redact_url("data:text/plain,hello") == "data:…"


# --- failures become one-line FetchErrors ----------------------------------------------------


def test_http_404_says_status_and_url(web: responses.RequestsMock) -> None:
    web.get(CV_URL, status=404)

    error = refusal(CV_URL)

    assert str(error) == f"HTTP 404 from {CV_URL}"
    assert isinstance(error, AsymblError)
    assert error.reason == str(error)


def test_server_error_says_status(web: responses.RequestsMock) -> None:
    web.get(CV_URL, status=503)

    assert str(refusal(CV_URL)) == f"HTTP 503 from {CV_URL}"


def test_connection_error_is_a_one_line_fetch_error(web: responses.RequestsMock) -> None:
    web.get(CV_URL, body=requests.ConnectionError("Max retries exceeded with url: /cvs?x=secret"))

    error = refusal(CV_URL)

    assert str(error) == f"could not connect to {CV_URL}"
    assert error.__cause__ is None  # no requests traceback chained for the user
    assert error.__suppress_context__


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (requests.ConnectTimeout(), f"timed out connecting to {CV_URL}"),
        (requests.ReadTimeout(), f"timed out waiting for {CV_URL} to answer"),
        (
            requests.exceptions.SSLError(),
            f"TLS failed with {CV_URL} (certificate not trusted or handshake refused)",
        ),
    ],
)
def test_timeouts_and_tls_failures_are_explained(
    web: responses.RequestsMock, raised: Exception, expected: str
) -> None:
    web.get(CV_URL, body=raised)

    assert str(refusal(CV_URL)) == expected


def test_deadline_is_enforced_across_the_download(
    web: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A clock that jumps 100 s at each look: the second look is past a 150 s deadline.
    ticks = iter(range(0, 10_000, 100))
    monkeypatch.setattr("asymbl_sf.attachments.fetch.time.monotonic", lambda: float(next(ticks)))
    web.get(CV_URL, body=b"x" * (300 * 1024))

    error = refusal(CV_URL, policy(deadline=150))

    assert str(error) == f"download of {CV_URL} took longer than 150 s"


# --- safe file names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cv.pdf", "cv.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ada\\cv.pdf", "cv.pdf"),
        ("..", "attachment"),
        ("", "attachment"),
        ("   ", "attachment"),
        (".bashrc", "bashrc"),
        ("cv.pdf. . ", "cv.pdf"),
        ("line\nbreak\x00.pdf", "linebreak.pdf"),
        ("cv\u202efdp.exe", "cvfdp.exe"),  # right-to-left override would disguise .exe
        ('a<b>c:d"e|f?g*.pdf', "a_b_c_d_e_f_g_.pdf"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("Com1.tar.gz", "_Com1.tar.gz"),
        ("console.txt", "console.txt"),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


def test_safe_file_name_trims_long_names_but_keeps_the_extension() -> None:
    name = safe_file_name("x" * 500 + ".pdf")

    assert len(name) == 200
    assert name.endswith("xxx.pdf")


def test_safe_file_name_keeps_multibyte_names_within_file_system_limits() -> None:
    name = safe_file_name("履歴書" * 100 + ".pdf")

    assert name.endswith(".pdf")
    assert len(name.encode("utf-8")) <= 255


def test_safe_file_name_uses_the_given_fallback() -> None:
    assert safe_file_name("/", fallback="cv") == "cv"


# --- DNS pinning: the connection goes to the address that was checked ------------------------


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    hosts: list[str] = []  # noqa: RUF012 - a test-only record, reset per test

    def do_GET(self) -> None:
        type(self).hosts.append(self.headers.get("Host", ""))
        body = b"served locally"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    _RecordingHandler.hosts = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_connection_goes_to_the_checked_address_not_a_new_lookup(local_server: int) -> None:
    # "files.pinned.test" exists in no DNS: the download only works because the socket is opened
    # to the address the resolver returned (and checked), while Host still names the site.
    url = f"http://files.pinned.test:{local_server}/cv.txt"
    pinned = policy({"files.pinned.test": ["127.0.0.1"]}, allow_private=True)
    session = requests.Session()
    session.trust_env = False  # an HTTP_PROXY in the environment would bypass the pin

    fetched = fetch(url, policy=pinned, session=session)

    assert fetched.data == b"served locally"
    assert _RecordingHandler.hosts == [f"files.pinned.test:{local_server}"]


def test_unpinned_host_is_never_connected(local_server: int) -> None:
    # Fail closed: a connection for a host that was not checked is refused by the adapter.
    adapter = _PinningAdapter()
    request = requests.Request("GET", f"http://127.0.0.1:{local_server}/").prepare()

    with pytest.raises(requests.ConnectionError, match="was not checked"):
        adapter.send(request, timeout=5)
    assert _RecordingHandler.hosts == []


def test_https_connection_keeps_the_host_name_for_sni_and_certificate() -> None:
    # Without a TLS server: look at the connection the pool would open.
    adapter = _PinningAdapter()
    adapter.pins["files.example.com"] = PUBLIC_V4
    pool = adapter.poolmanager.connection_from_url("https://files.example.com/")

    conn = pool._new_conn()

    assert conn.host == "files.example.com"  # what SNI and hostname verification use
    assert conn.pinned_address == PUBLIC_V4


# --- wired into the client and the command line ----------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"


def with_url(url: str) -> dict[str, Any]:
    body = json.loads(EXAMPLE.read_text())
    body["attachments"] = [{"name": "cv.pdf", "type": "CV", "data_url": url}]
    return body


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/", "the cloud metadata address"),
        ("http://127.0.0.1:8080/admin", "a loopback address"),
        ("http://10.0.0.5/cv.pdf", "a private address"),
        ("http://[fe80::1]/cv.pdf", "a link-local address"),
        ("file:///etc/passwd", "must be an http(s) URL"),  # refused when the payload is read
    ],
)
def test_the_client_refuses_internal_urls_before_writing_anything(
    local_org: LocalOrg, url: str, said: str
) -> None:
    client = Asymbl(local_org.salesforce())  # the default policy: nothing private allowed
    with pytest.raises(PayloadError) as caught:
        client.create_application(with_url(url), job_id="remote:Registered Nurse")
    (problem,) = caught.value.problems
    assert problem.path == "attachments[0].data_url"
    assert said in problem.message
    assert local_org.count("Contact") == 0
    assert local_org.calls.total == 0  # refused before even the lookups


def test_add_attachment_refuses_a_file_url_too(local_org: LocalOrg) -> None:
    client = Asymbl(local_org.salesforce())
    with pytest.raises(PayloadError, match=r"data_url: must be an http\(s\) URL"):
        client.add_attachment(
            None,
            {"name": "passwd", "type": "CV", "data_url": "file:///etc/passwd"},
            candidate_id="0035g00000AbCdEAAV",
        )


def test_an_explicit_policy_allows_an_intranet_file_server(local_org: LocalOrg) -> None:
    url = "http://files.intranet.example/cv.pdf"
    local_org.responses.add(responses.GET, url, body=PDF, content_type="application/pdf")
    allowed = policy({"files.intranet.example": ["10.0.0.5"]}, allow_private=True)
    client = Asymbl(local_org.salesforce(), fetch_policy=allowed)
    result = client.create_application(with_url(url), job_id="remote:Registered Nurse")
    (version,) = local_org.records("ContentVersion")
    assert local_org.file_bytes(version["Id"]) == PDF
    assert result["actions"]["attachments"][0]["action"] == "upload"


def test_the_client_caps_the_size_of_a_download(local_org: LocalOrg) -> None:
    local_org.responses.add(responses.GET, CV_URL, body=b"x" * 2048)
    client = Asymbl(local_org.salesforce(), fetch_policy=policy(max_bytes=1024))
    with pytest.raises(PayloadError, match="larger than"):
        client.create_application(with_url(CV_URL), job_id="remote:Registered Nurse")
    assert local_org.count("Contact") == 0


def test_the_command_line_reports_a_refused_url_as_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from asymbl_sf.cli.app import app

    monkeypatch.chdir(tmp_path)
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(with_url("http://169.254.169.254/latest/meta-data/")))
    result = CliRunner().invoke(
        app,
        [
            "create-application",
            str(payload),
            "--job-id",
            "remote:Registered Nurse",
            "--org",
            f"local:{tmp_path}/o",
        ],
    )
    assert result.exit_code == 1
    assert "attachments[0].data_url" in result.stderr
    assert "cloud metadata address" in result.stderr
    assert "Traceback" not in result.stderr
