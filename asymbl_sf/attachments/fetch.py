"""Download attachments named by URL in untrusted payloads, safely.

Kombo's ``data_url`` and Merge's or Truto's ``file_url`` come from payloads that asymbl-sf does not
control, and asymbl-sf runs both on admins' laptops and on servers inside cloud networks. A careless
``requests.get(url)`` would let a payload read the cloud metadata service (169.254.169.254), an
internal admin page, or a local file, and then upload the answer to Salesforce as a "CV". So
:func:`fetch`:

* accepts only ``http`` and ``https`` URLs, without credentials (``user:pass@``), on the first URL
  and on every redirect target: it follows redirects itself, one checked hop at a time;
* resolves each host (every address ``getaddrinfo`` returns, which also normalises odd IP literals
  such as ``2130706433`` or ``0x7f.1``) and refuses loopback, link-local, private, unspecified,
  multicast, reserved and other non-public addresses unless ``FetchPolicy.allow_private`` is set;
  IPv6 addresses that embed an IPv4 one (``::ffff:a.b.c.d``, NAT64, 6to4, Teredo) are judged by
  the embedded address too;
* streams the body and stops as soon as ``max_bytes`` is passed (or refuses at once when
  Content-Length says so), within a connect/read timeout and a total deadline;
* turns every failure into one :class:`FetchError` whose message is one line a human understands;
  messages and ``FetchError.url`` never carry a URL's userinfo, query string or fragment, which
  often hold passwords or signed tokens.

DNS pinning (the time-of-check/time-of-use gap)
-----------------------------------------------
Checking a host's addresses and then letting ``requests`` resolve it again to connect leaves a gap:
a hostile DNS server can answer the check with a public address and the connection with
127.0.0.1 ("DNS rebinding"). This module closes that gap: connections go through
:class:`_PinningAdapter`, a ``requests`` ``HTTPAdapter`` whose connections open their socket to
the very address that was checked, while ``Host`` header, TLS SNI and certificate verification
still use the host name from the URL. A connection to a host whose address was not checked fails
closed. Two limits remain, by design:

* when a proxy applies (``HTTPS_PROXY`` and friends, which ``requests`` honours), the proxy
  resolves the host itself, so the check is made against this machine's view of DNS and pinning
  does not apply;
* a name is pinned to the first checked address only, so there is no fallback to a second address
  if that one does not answer.

The pinning relies on ``urllib3``'s connection classes (it overrides ``_new_conn``, the one method
that opens the socket); tests cover it against a local server.
"""

from __future__ import annotations

import contextlib
import email.message
import email.utils
import ipaddress
import socket
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.util import connection as urllib3_connection

from asymbl_sf.errors import AsymblError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FetchError",
    "FetchPolicy",
    "Fetched",
    "Resolver",
    "fetch",
    "redact_url",
    "resolve_host",
    "safe_file_name",
]

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MiB

#: ``resolve(host, port)`` returns every IP address (as text) the host name resolves to.
Resolver = Callable[[str, int], Iterable[str]]

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK_SIZE = 64 * 1024
_MAX_NAME_CHARS = 200
# Most file systems limit a name to 255 *bytes*; 200 characters of CJK text would be 600.
_MAX_NAME_BYTES = 240
_MAX_URL_CHARS_IN_MESSAGES = 200
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{base}{n}" for base in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]}
)
_WINDOWS_FORBIDDEN = str.maketrans({c: "_" for c in '<>:"/\\|?*'})
_METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(AsymblError):
    """A download was refused or failed. ``str()`` is ``reason``, one line for a human.

    ``url`` is the URL concerned (a redirect target when a hop failed) with userinfo, query string
    and fragment removed, safe to log.
    """

    def __init__(self, reason: str, *, url: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = redact_url(url)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, as text (the default resolver of :class:`FetchPolicy`).

    ``AI_ADDRCONFIG`` keeps to the address families this machine can use, because the connection is
    pinned to the first address: an IPv6 answer on an IPv4-only host would never connect. Not for
    IPv6 literals, which glibc would then refuse on hosts whose only IPv6 address is ``::1``.
    """
    flags = 0 if ":" in host else socket.AI_ADDRCONFIG
    infos = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=flags
    )
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one :func:`fetch`.

    ``timeout`` is (connect, read) seconds for each request; ``deadline`` bounds the whole download,
    redirects included (it is checked between reads, so it may be overrun by at most one read).
    ``resolve`` is the resolver, replaceable so tests need no DNS.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: tuple[float, float] = (10.0, 60.0)
    deadline: float = 120.0
    max_redirects: int = 5
    allow_private: bool = False
    resolve: Resolver = field(default=resolve_host, repr=False)

    def __post_init__(self) -> None:
        # Programmer errors, not user input: ValueError rather than FetchError.
        if self.max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if self.deadline <= 0 or min(self.timeout) <= 0:
            raise ValueError("timeout and deadline must be positive")
        if self.max_redirects < 0:
            raise ValueError("max_redirects must be zero or more")


@dataclass(frozen=True)
class Fetched:
    """A downloaded file.

    ``content_type`` is the response's media type without parameters (``application/pdf``);
    ``file_name`` comes from Content-Disposition or the URL's last path segment, made safe by
    :func:`safe_file_name` (None when neither names a file). ``final_url`` is where the bytes came
    from after redirects; it may hold a signed query string, so log :func:`redact_url` of it.
    """

    data: bytes
    content_type: str | None
    file_name: str | None
    final_url: str


def fetch(
    url: str, *, policy: FetchPolicy | None = None, session: requests.Session | None = None
) -> Fetched:
    """Download ``url`` within ``policy`` (defaults: 50 MiB, 5 redirects, public addresses only).

    ``session`` lends its headers, cookies, auth and environment settings (proxies, CA bundle);
    the connections themselves always go through a pinning adapter, not the session's own.
    Raises :class:`FetchError` for anything refused or failed.
    """
    policy = policy or FetchPolicy()
    own_session = session is None
    session = session or requests.Session()
    adapter = _PinningAdapter()
    try:
        return _Download(url, policy, session, adapter).run()
    finally:
        adapter.close()
        if own_session:
            session.close()


def redact_url(url: str) -> str:
    """``url`` without userinfo, query string or fragment, shortened: safe for messages and logs.

    Other schemes than http(s) show as ``scheme:…`` (a ``data:`` URL *is* its content).
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "<unparseable URL>"
    if parts.scheme.lower() not in _ALLOWED_SCHEMES:
        return f"{parts.scheme}:…" if parts.scheme else _shorten(parts.path)
    host = parts.netloc.rpartition("@")[2]
    redacted = urlunsplit((parts.scheme, host, parts.path, "", ""))
    return _shorten(redacted)


def safe_file_name(name: str, fallback: str = "attachment") -> str:
    """``name`` made safe to use as a file name on any OS and as a Salesforce ``PathOnClient``.

    Keeps only the last path component (``/`` or ``\\``), drops control and bidi-formatting
    characters (``cv\\u202efdp.exe`` would display as ``cvexe.pdf``), replaces characters Windows
    forbids, strips leading and trailing dots and spaces (hidden files, ``..``), prefixes Windows'
    reserved device names (``CON``, ``nul.txt``), and trims to 200 characters keeping the
    extension. Returns ``fallback`` when nothing is left.
    """
    name = unicodedata.normalize("NFC", name)
    # Categories Cc (controls, including newlines) and Cf (bidi overrides, zero-width marks).
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = name.translate(_WINDOWS_FORBIDDEN).strip(" .")
    if not name:
        return fallback
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 16 or " " in extension:
        stem, extension = name, ""  # no extension worth keeping
    if stem.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    suffix = f".{extension}" if extension else ""
    stem = stem[: _MAX_NAME_CHARS - len(suffix)]
    while stem and len((stem + suffix).encode("utf-8")) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(" .")
    return f"{stem}{suffix}" if stem else fallback


class _Download:
    """One :func:`fetch`: the hops, the deadline and the pins it has checked so far."""

    def __init__(
        self, url: str, policy: FetchPolicy, session: requests.Session, adapter: _PinningAdapter
    ) -> None:
        self.first_url = url.strip()
        self.policy = policy
        self.session = session
        self.adapter = adapter
        self.deadline = time.monotonic() + policy.deadline

    def run(self) -> Fetched:
        url, came_from = self.first_url, None
        first_host: str | None = None
        for _hop in range(self.policy.max_redirects + 1):
            prepared = self._prepare(url, came_from)
            host = _host_key(urlsplit(prepared.url or url).hostname or "")
            first_host = first_host or host
            if host != first_host:
                # Like requests' own redirects: credentials of the first host go no further.
                prepared.headers.pop("Authorization", None)
            response = self._send(prepared, url)
            try:
                if response.status_code in _REDIRECT_STATUSES:
                    came_from, url = url, self._redirect_target(response, url)
                    continue
                if not 200 <= response.status_code < 300:
                    raise FetchError(f"HTTP {response.status_code} from {redact_url(url)}", url=url)
                data = self._read_body(response, url)
                return Fetched(
                    data=data,
                    content_type=_media_type(response.headers.get("Content-Type")),
                    file_name=_file_name(
                        response.headers.get("Content-Disposition"), url, self.first_url
                    ),
                    final_url=url,
                )
            finally:
                response.close()
        raise FetchError(
            f"more than {self.policy.max_redirects} redirects starting at "
            f"{redact_url(self.first_url)}",
            url=self.first_url,
        )

    def _prepare(self, url: str, came_from: str | None) -> requests.PreparedRequest:
        """Check ``url`` (scheme, credentials, addresses), pin its host and prepare the request."""
        shown = redact_url(url)
        lead = f"{redact_url(came_from)} redirected to" if came_from else "refusing"
        try:
            parts = urlsplit(url)
        except ValueError:
            raise FetchError(f"{lead} an invalid URL", url=url) from None
        scheme = parts.scheme.lower()
        if scheme not in _ALLOWED_SCHEMES:
            what = f"a {scheme}: URL" if scheme else f"{shown!r}, not an absolute URL"
            raise FetchError(f"{lead} {what}; only http and https are downloaded", url=url)
        if "@" in parts.netloc:
            raise FetchError(
                f"{lead} a URL with credentials in it (user:password@); they are never sent: "
                f"{shown}",
                url=url,
            )
        try:
            prepared = self.session.prepare_request(requests.Request("GET", url))
            # Content-Length should be the file's size, and a compressed body could be a bomb.
            prepared.headers["Accept-Encoding"] = "identity"
            target = urlsplit(prepared.url or url)
            port = target.port or (443 if scheme == "https" else 80)
        except (requests.RequestException, ValueError):
            raise FetchError(f"{lead} an invalid URL: {shown}", url=url) from None
        host = target.hostname
        if not host:
            raise FetchError(f"{lead} a URL without a host: {shown}", url=url)
        self.adapter.pins[_host_key(host)] = self._checked_address(host, port, url, came_from)
        return prepared

    def _checked_address(self, host: str, port: int, url: str, came_from: str | None) -> str:
        """The address to connect to, after checking every address ``host`` resolves to."""
        shown = redact_url(url)
        try:
            addresses = list(self.policy.resolve(host, port))
        except (OSError, UnicodeError):
            raise FetchError(f"cannot resolve {host} (in {shown})", url=url) from None
        if not addresses:
            raise FetchError(f"cannot resolve {host} (in {shown})", url=url)
        for text in addresses:
            try:
                address = ipaddress.ip_address(text)
            except ValueError:
                raise FetchError(
                    f"{host} resolved to {text!r}, not an IP address", url=url
                ) from None
            what = None if self.policy.allow_private else _non_public(address)
            if what is None:
                continue
            if came_from:
                message = f"{redact_url(came_from)} redirected to {what} {text} ({shown})"
            else:
                message = f"refusing {shown}: it points to {what} {text}"
            raise FetchError(f"{message}; allow_private permits it", url=url)
        return addresses[0]

    def _send(self, prepared: requests.PreparedRequest, url: str) -> requests.Response:
        remaining = self._remaining(url)
        connect, read = self.policy.timeout
        shown = redact_url(url)
        settings = self.session.merge_environment_settings(prepared.url, {}, True, None, None)
        try:
            return self.adapter.send(
                prepared,
                stream=True,
                timeout=(min(connect, remaining), min(read, remaining)),
                verify=True if settings["verify"] is None else settings["verify"],
                cert=settings["cert"],
                proxies=settings["proxies"],
            )
        except requests.ConnectTimeout:
            raise FetchError(f"timed out connecting to {shown}", url=url) from None
        except requests.ReadTimeout:
            raise FetchError(f"timed out waiting for {shown} to answer", url=url) from None
        except requests.exceptions.SSLError:
            raise FetchError(
                f"TLS failed with {shown} (certificate not trusted or handshake refused)", url=url
            ) from None
        except requests.ConnectionError:
            raise FetchError(f"could not connect to {shown}", url=url) from None
        except requests.RequestException as exc:
            raise FetchError(
                f"download of {shown} failed ({type(exc).__name__})", url=url
            ) from None

    def _redirect_target(self, response: requests.Response, url: str) -> str:
        location = response.headers.get("Location")
        if not location:
            raise FetchError(
                f"HTTP {response.status_code} from {redact_url(url)} without a Location header",
                url=url,
            )
        # http.client decodes headers as Latin-1; servers send UTF-8 (requests does the same).
        with contextlib.suppress(UnicodeError):
            location = location.encode("latin-1").decode("utf-8")
        return urljoin(url, location.strip()).partition("#")[0]

    def _read_body(self, response: requests.Response, url: str) -> bytes:
        limit = self.policy.max_bytes
        too_large = f"{redact_url(url)} is larger than {_size(limit)}"
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{too_large} (the server says {_size(int(declared))})", url=url)
        raw = response.raw
        # read1 returns as soon as some bytes arrive, so a slow drip cannot hold one read (and
        # the deadline check) for long; urllib3 before 2.x only has read.
        read: Callable[..., bytes] = getattr(raw, "read1", None) or raw.read
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                self._remaining(url)
                chunk = read(_CHUNK_SIZE, decode_content=True)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise FetchError(f"{too_large}; download stopped", url=url)
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError:
            raise FetchError(f"timed out reading {redact_url(url)}", url=url) from None
        except urllib3.exceptions.DecodeError:
            raise FetchError(f"could not decode the body of {redact_url(url)}", url=url) from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise FetchError(
                f"the connection dropped while downloading {redact_url(url)}", url=url
            ) from None
        return b"".join(chunks)

    def _remaining(self, url: str) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(
                f"download of {redact_url(url)} took longer than {self.policy.deadline:g} s",
                url=url,
            )
        return remaining


# --- pinning: connect to the checked address, keep the host name for Host, SNI and certificate --


def _open_pinned_socket(conn: HTTPConnection, address: str | None) -> socket.socket:
    """What urllib3's ``HTTPConnection._new_conn`` does, but to ``address`` instead of a new lookup.

    urllib3 derives ``host`` (SNI, certificate check) from the attribute it connects to, so the
    address cannot simply be swapped in; the socket is opened here instead.
    """
    if address is None:
        # Fail closed: every host is checked and pinned before its request is sent.
        raise urllib3.exceptions.NewConnectionError(
            conn, f"refusing to connect to {conn.host}: its address was not checked"
        )
    try:
        return urllib3_connection.create_connection(
            (address, conn.port),
            conn.timeout,
            source_address=conn.source_address,
            socket_options=conn.socket_options,
        )
    except TimeoutError as exc:
        raise urllib3.exceptions.ConnectTimeoutError(
            conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        ) from exc
    except OSError as exc:
        raise urllib3.exceptions.NewConnectionError(
            conn, f"Failed to establish a new connection: {exc}"
        ) from exc


class _PinnedHTTPConnection(HTTPConnection):
    pinned_address: str | None = None

    def _new_conn(self) -> socket.socket:
        return _open_pinned_socket(self, self.pinned_address)


class _PinnedHTTPSConnection(HTTPSConnection):
    pinned_address: str | None = None

    def _new_conn(self) -> socket.socket:
        return _open_pinned_socket(self, self.pinned_address)


def _pin(conn: object, pins: Mapping[str, str], host: str) -> object:
    # Connections are created unconnected; the socket is opened later by _new_conn above.
    if isinstance(conn, _PinnedHTTPConnection | _PinnedHTTPSConnection):
        conn.pinned_address = pins.get(_host_key(host))
    return conn


class _PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection
    pins: Mapping[str, str] = {}  # replaced per pool by _PinningPoolManager

    def _new_conn(self) -> Any:
        return _pin(super()._new_conn(), self.pins, self.host)


class _PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection
    pins: Mapping[str, str] = {}  # replaced per pool by _PinningPoolManager

    def _new_conn(self) -> Any:
        return _pin(super()._new_conn(), self.pins, self.host)


class _PinningPoolManager(PoolManager):
    def __init__(self, pins: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pins = pins
        self.pool_classes_by_scheme = {
            "http": _PinnedHTTPConnectionPool,
            "https": _PinnedHTTPSConnectionPool,
        }

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        if isinstance(pool, _PinnedHTTPConnectionPool | _PinnedHTTPSConnectionPool):
            pool.pins = self.pins  # shared and live: fetch adds a pin before each hop
        return pool


class _PinningAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that connects each host to the address in ``pins`` (host → IP)."""

    def __init__(self) -> None:
        self.pins: dict[str, str] = {}
        super().__init__(max_retries=0)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager = _PinningPoolManager(
            self.pins, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )


# --- helpers -------------------------------------------------------------------------------------


def _host_key(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _non_public(address: IPAddress) -> str | None:
    """How to describe ``address`` if it is not a public one (None when it is)."""
    # The embedded IPv4 address first: it is where the packets end up, and says more.
    for candidate in (*_embedded_ipv4(address), address):
        what = _describe_non_public(candidate)
        if what:
            return what
    return None


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 one reaches in practice (mapped, NAT64, 6to4, Teredo client)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.append(address.teredo[1])
    return found


def _describe_non_public(address: IPAddress) -> str | None:
    # Order matters: ipaddress calls loopback and link-local addresses "private" too.
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address in _METADATA_ADDRESSES:
        return "the cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"  # e.g. 100.64.0.0/10, carrier-grade NAT
    return None


def _media_type(content_type: str | None) -> str | None:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type or None


def _file_name(content_disposition: str | None, final_url: str, first_url: str) -> str | None:
    """From Content-Disposition (``filename*`` wins over ``filename``), else a URL's last segment.

    The final URL (often a storage bucket's ``…/cv.pdf``) is preferred over the first (often an
    API's ``…/files/123``) when only one of them has an extension.
    """
    if content_disposition:
        name = _disposition_file_name(content_disposition)
        if name:
            return safe_file_name(name)
    named = [s for s in (_last_segment(final_url), _last_segment(first_url)) if s]
    with_extension = [s for s in named if "." in s.strip(".")]
    chosen = with_extension or named
    return safe_file_name(chosen[0]) if chosen else None


def _disposition_file_name(value: str) -> str | None:
    message = email.message.Message()
    message["Content-Disposition"] = value
    plain: str | None = None
    extended: str | None = None
    for key, param in message.get_params(header="Content-Disposition", failobj=[]):
        if key.lower() != "filename":
            continue
        if isinstance(param, tuple):  # filename*=UTF-8''%E2%82%AC.pdf (RFC 5987/2231)
            extended = email.utils.collapse_rfc2231_value(param)
        else:
            plain = email.utils.unquote(param)
    return extended or plain or None


def _last_segment(url: str) -> str | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    segment = unquote(path.rpartition("/")[2])
    return segment or None


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _shorten(text: str) -> str:
    if len(text) <= _MAX_URL_CHARS_IN_MESSAGES:
        return text
    return text[: _MAX_URL_CHARS_IN_MESSAGES - 1] + "…"
