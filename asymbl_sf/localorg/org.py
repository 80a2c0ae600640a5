"""``LocalOrg``: one emulated Asymbl org and its two front doors.

- a ``requests`` transport adapter, mounted on the session handed to
  ``simple_salesforce.Salesforce(instance_url=..., session_id=..., session=...)``: what the CLI and
  ``asymbl_sf.connect(org="local")`` use, with the org kept on disk;
- a ``responses`` mock (``with LocalOrg() as org:``) that catches every ``requests`` call to the
  org's URL, whichever session makes it: what tests use.

Both call :meth:`LocalOrg.handle`, so they behave identically.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from asymbl_sf.errors import ConfigurationError
from asymbl_sf.schema import OrgSchema

from .backend import DEFAULT_API_VERSION, OrgBackend, utc_now
from .faults import CallLog, FaultPlan
from .http import DEFAULT_DAILY_LIMIT, DroppedConnection, HttpRequest, HttpResponse, LocalOrgServer
from .persist import OrgFolder
from .seed import seed
from .store import Record

#: ``.invalid`` can never resolve (RFC 2606), so nothing aimed here can reach a network.
INSTANCE_URL = "https://asymbl-sf.local-org.invalid"
SESSION_ID = "00D8d0000000001!local-org-session"

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    300: "Multiple Choices",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    431: "Request Header Fields Too Large",
    500: "Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class LocalOrg:
    """An emulated org, in memory or kept in a folder (``path``)."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        schema: OrgSchema | None = None,
        seed_data: bool = True,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
        clock: Callable[[], datetime] = utc_now,
        api_version: str = DEFAULT_API_VERSION,
        instance_url: str = INSTANCE_URL,
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.api_version = api_version
        self.folder = OrgFolder(Path(path)) if path is not None else None
        if self.folder is not None and schema is None:
            schema = self.folder.load_schema()
        self.backend = OrgBackend(schema, clock=clock, api_version=api_version)
        self.server = LocalOrgServer(self.backend, daily_limit=daily_limit)
        self._mock: Any = None
        #: The org's own id, kept in its folder (None in memory): what asymbl-sf's state about
        #: the org is keyed by (see ``OrgFolder.identity``).
        self.identity: str | None = None
        if self.folder is not None:
            with self.folder.locked():
                self.folder.remove_stale_temporaries()
                self.folder.check_not_orphaned()
                if not self.folder.refresh(self.backend):
                    if seed_data:
                        seed(self.backend)
                    if schema is not None:
                        self.folder.save_schema(schema)
                    self.folder.save(self.backend)
                self.identity = self.folder.identity()
        elif seed_data:
            seed(self.backend)

    # -- steering (tests and benchmarks) --------------------------------------------------------

    @property
    def calls(self) -> CallLog:
        return self.server.calls

    @property
    def faults(self) -> FaultPlan:
        return self.server.faults

    @property
    def latency(self) -> float:
        return self.server.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.server.latency = seconds

    @property
    def api_usage(self) -> int:
        return self.server.api_usage

    def records(self, sobject: str, include_deleted: bool = False) -> list[Record]:
        """The stored records of ``sobject`` (copies), for assertions."""
        self._refresh()
        describe = self.backend.store.describe(sobject)
        name = describe.name if describe else sobject
        return [dict(r) for r in self.backend.store.all(name, include_deleted)]

    def count(self, sobject: str) -> int:
        return len(self.records(sobject))

    def get(self, record_id: str) -> Record | None:
        self._refresh()
        found = self.backend.store.find(record_id)
        return dict(found[1]) if found else None

    def file_bytes(self, version_id: str) -> bytes:
        self._refresh()
        return self.backend.store.blobs[version_id]

    def load_schema(self, schema: OrgSchema) -> None:
        """Use another org's describes (rehearse an import against that org's own fields)."""
        self.backend.store.replace_schema(schema)
        if self.folder is not None:
            with self.folder.locked():
                self.folder.save_schema(schema)
                self.folder.save(self.backend)

    def _refresh(self) -> None:
        if self.folder is not None:
            with self.folder.locked():
                self.folder.refresh(self.backend)

    # -- the shared entry point -----------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; a folder-backed org reloads and saves around it under a lock."""
        if self.folder is None:
            return self.server.handle(request)
        with self.folder.locked():
            self.folder.refresh(self.backend)
            before = self.backend.store.version
            try:
                return self.server.handle(request)
            finally:
                if self.backend.store.version != before:
                    self.folder.save(self.backend)
                else:  # a read: only the API usage changed
                    self.folder.save_usage(self.backend)

    # -- front door 1: a requests transport adapter ---------------------------------------------

    def session(self) -> requests.Session:
        """A ``requests.Session`` whose calls to the org's URL are answered by this org."""
        session = requests.Session()
        session.mount(self.instance_url + "/", LocalOrgAdapter(self))
        return session

    def salesforce(self, session_id: str = SESSION_ID, **kwargs: Any) -> Any:
        """A real ``simple_salesforce.Salesforce`` client talking to this org.

        Inside ``with LocalOrg() as org:`` it uses a plain session (the ``responses`` mock answers);
        otherwise it gets a session with the adapter mounted.
        """
        from simple_salesforce import Salesforce

        session = requests.Session() if self._mock is not None else self.session()
        return Salesforce(
            instance_url=self.instance_url,
            session_id=session_id,
            session=session,
            version=self.api_version,
            **kwargs,
        )

    # -- front door 2: a responses mock ---------------------------------------------------------

    @property
    def responses(self) -> Any:
        """The active ``responses.RequestsMock`` (inside ``with``), to mock other hosts too:
        ``org.responses.add(responses.GET, "https://files.example.com/cv.pdf", body=b"...")``."""
        if self._mock is None:
            raise RuntimeError("LocalOrg.responses is only available inside 'with LocalOrg()'")
        return self._mock

    def __enter__(self) -> LocalOrg:
        try:
            import responses
        except ImportError as exc:
            raise ConfigurationError(
                "the local org's HTTP mock needs the 'responses' package: "
                "pip install 'asymbl-sf[test]' (or pip install responses), "
                "or use LocalOrg.salesforce() / connect(org='local'), which need no mock"
            ) from exc

        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        pattern = re.compile(re.escape(self.instance_url) + r"(/.*)?$")
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"):
            mock.add_callback(method, pattern, callback=self._responses_callback)
        mock.start()
        self._mock = mock
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock.reset()
            self._mock = None

    def _responses_callback(
        self, prepared: requests.PreparedRequest
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            response = self.handle(_to_request(prepared))
        except DroppedConnection as exc:
            raise requests.exceptions.ConnectionError(str(exc), request=prepared) from None
        return response.status, response.headers, response.body


def _to_request(prepared: requests.PreparedRequest) -> HttpRequest:
    body = prepared.body
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode("utf-8")
    elif isinstance(body, bytes):
        data = body
    else:  # a file-like or generator body
        data = body.read() if hasattr(body, "read") else b"".join(body)
    return HttpRequest(str(prepared.method), str(prepared.url), dict(prepared.headers), data)


class LocalOrgAdapter(BaseAdapter):
    """A transport adapter that answers from a :class:`LocalOrg` instead of the network."""

    def __init__(self, org: LocalOrg) -> None:
        super().__init__()
        self.org = org

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        try:
            answer = self.org.handle(_to_request(request))
        except DroppedConnection as exc:
            raise requests.exceptions.ConnectionError(str(exc), request=request) from None
        response = requests.Response()
        response.status_code = answer.status
        response.reason = _REASONS.get(answer.status, "")
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.body
        # The body is here already: reading it as a stream (stream=True) takes it from memory.
        response._content_consumed = True  # type: ignore[attr-defined]
        response.encoding = "utf-8"
        response.url = str(request.url)
        response.request = request
        response.connection = self  # type: ignore[assignment]
        return response

    def close(self) -> None:
        """Nothing to release: no sockets are ever opened."""
