"""The local org's HTTP surface: requests in, Salesforce-shaped responses out.

A routing table maps a method and a URL pattern to a handler (moto's layout). Every call is
counted, may be delayed or failed by the fault plan, and answers with the ``Sforce-Limit-Info``
header. A route that is not emulated answers 501 ``NOT_EMULATED``: a silent success would let a
test pass against behaviour Salesforce does not have.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .backend import OrgBackend
from .errors import ApiError, RecordError, RecordRejected
from .faults import CallLog, FaultPlan

#: A GET whose URI and headers exceed this is refused, as Salesforce does (431).
MAX_GET_BYTES = 16_384
DEFAULT_DAILY_LIMIT = 100_000


class DroppedConnection(Exception):
    """The connection broke; the front door turns this into the client's ConnectionError."""


@dataclass
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        self.path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = {k.lower(): v for k, v in self.headers.items()}

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ApiError.single(
                400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}"
            ) from None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> HttpResponse:
        return cls(
            status,
            json.dumps(data).encode("utf-8"),
            {"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
        )

    @classmethod
    def empty(cls, status: int = 204) -> HttpResponse:
        return cls(status, b"", {})

    @classmethod
    def error(cls, exc: ApiError) -> HttpResponse:
        return cls.json(exc.status, exc.body())

    @classmethod
    def rejected(cls, exc: RecordRejected) -> HttpResponse:
        return cls.json(exc.status, [e.rest_body() for e in exc.errors])


Handler = Callable[["LocalOrgServer", HttpRequest, "re.Match[str]"], HttpResponse]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    endpoint: str  # name used by the call log


_API = r"^/services/data/v(?P<version>\d+\.\d)"

#: ``sobjects/{Object}/{name}`` resources that are not records (none of them is emulated).
_OBJECT_SUBRESOURCES = (
    "listviews",
    "quickActions",
    "layouts",
    "compactLayouts",
    "updated",
    "deleted",
    "approvalLayouts",
    "namedLayouts",
    "relevantItems",
    "eventSchema",
    "defaultValues",
    "describe",
)


def _handler(module: str, name: str) -> Handler:
    """Resolve a handler on first use: the handler modules import this one."""

    def call(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
        import importlib

        function = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        return function(server, request, match)

    return call


class _Handlers:
    def __init__(self, module: str) -> None:
        self.module = module

    def __getattr__(self, name: str) -> Handler:
        return _handler(self.module, name)


def route_table() -> list[Route]:
    bulk, composite, rest = _Handlers("bulk"), _Handlers("composite"), _Handlers("rest")
    soap = _Handlers("soap")
    bulk_query = _Handlers("bulk_query")

    def r(method: str, pattern: str, handler: Handler, endpoint: str) -> Route:
        return Route(method, re.compile(pattern + r"/?$"), handler, endpoint)

    obj = r"(?P<sobject>[A-Za-z0-9_]+)"
    # Named sub-resources of an object are real Salesforce routes, not record ids: they must
    # reach the 501 answer, not a 404 about a record called "listviews".
    rid = r"(?P<id>(?!(?:" + "|".join(_OBJECT_SUBRESOURCES) + r")$)[A-Za-z0-9]+)"
    return [
        r("GET", r"^/services/data", rest.versions, "GET versions"),
        r("POST", r"^/services/Soap/u/(?P<version>[0-9.]+)", soap.call, "POST soap"),
        r("POST", r"^/services/oauth2/token", rest.token, "POST oauth2/token"),
        r("GET", _API, rest.resources, "GET resources"),
        r("GET", _API + r"/limits", rest.limits, "GET limits"),
        r("GET", _API + r"/sobjects", rest.global_describe, "GET sobjects"),
        r("GET", _API + rf"/sobjects/{obj}/describe", rest.describe, "GET describe"),
        r(
            "GET",
            _API + rf"/sobjects/ContentVersion/{rid}/VersionData",
            rest.version_data,
            "GET VersionData",
        ),
        r("GET", _API + rf"/sobjects/{obj}", rest.basic_info, "GET sobject"),
        r("POST", _API + rf"/sobjects/{obj}", rest.create, "POST sobject"),
        r("GET", _API + rf"/sobjects/{obj}/{rid}", rest.retrieve, "GET record"),
        r("PATCH", _API + rf"/sobjects/{obj}/{rid}", rest.update, "PATCH record"),
        r(
            "PATCH",
            _API + rf"/sobjects/{obj}/(?P<field>[A-Za-z0-9_]+)/(?P<value>[^/?]+)",
            rest.upsert,
            "PATCH upsert",
        ),
        r("DELETE", _API + rf"/sobjects/{obj}/{rid}", rest.delete, "DELETE record"),
        r("GET", _API + r"/query", rest.query, "GET query"),
        r("GET", _API + r"/queryAll", rest.query_all, "GET queryAll"),
        r(
            "GET",
            _API + r"/query(?:All)?/(?P<cursor>[A-Za-z0-9]+-\d+)",
            rest.query_more,
            "GET query more",
        ),
        r(
            "POST",
            _API + r"/composite/sobjects",
            composite.collection_create,
            "POST composite/sobjects",
        ),
        r(
            "PATCH",
            _API + r"/composite/sobjects",
            composite.collection_update,
            "PATCH composite/sobjects",
        ),
        r(
            "DELETE",
            _API + r"/composite/sobjects",
            composite.collection_delete,
            "DELETE composite/sobjects",
        ),
        r(
            "GET",
            _API + rf"/composite/sobjects/{obj}",
            composite.collection_retrieve,
            "GET composite/sobjects",
        ),
        r(
            "PATCH",
            _API + rf"/composite/sobjects/{obj}/(?P<field>[A-Za-z0-9_]+)",
            composite.collection_upsert,
            "PATCH composite/sobjects upsert",
        ),
        r("POST", _API + r"/composite", composite.composite, "POST composite"),
        r("POST", _API + r"/jobs/ingest", bulk.create_job, "POST jobs/ingest"),
        r("GET", _API + r"/jobs/ingest", bulk.list_jobs, "GET jobs/ingest"),
        r(
            "PUT",
            _API + r"/jobs/ingest/(?P<job>[A-Za-z0-9]+)/batches",
            bulk.upload,
            "PUT jobs/ingest batches",
        ),
        r(
            "PATCH",
            _API + r"/jobs/ingest/(?P<job>[A-Za-z0-9]+)",
            bulk.set_state,
            "PATCH jobs/ingest",
        ),
        r("GET", _API + r"/jobs/ingest/(?P<job>[A-Za-z0-9]+)", bulk.get_job, "GET jobs/ingest"),
        r(
            "DELETE",
            _API + r"/jobs/ingest/(?P<job>[A-Za-z0-9]+)",
            bulk.delete_job,
            "DELETE jobs/ingest",
        ),
        r(
            "GET",
            _API + r"/jobs/ingest/(?P<job>[A-Za-z0-9]+)/(?P<kind>successfulResults|"
            r"failedResults|unprocessed[Rr]ecords)",
            bulk.results,
            "GET jobs/ingest results",
        ),
        r("POST", _API + r"/jobs/query", bulk_query.create_job, "POST jobs/query"),
        r("GET", _API + r"/jobs/query", bulk_query.list_jobs, "GET jobs/query"),
        r("GET", _API + r"/jobs/query/(?P<job>[A-Za-z0-9]+)", bulk_query.get_job, "GET jobs/query"),
        r(
            "GET",
            _API + r"/jobs/query/(?P<job>[A-Za-z0-9]+)/results",
            bulk_query.results,
            "GET jobs/query results",
        ),
        r(
            "PATCH",
            _API + r"/jobs/query/(?P<job>[A-Za-z0-9]+)",
            bulk_query.set_state,
            "PATCH jobs/query",
        ),
        r(
            "DELETE",
            _API + r"/jobs/query/(?P<job>[A-Za-z0-9]+)",
            bulk_query.delete_job,
            "DELETE jobs/query",
        ),
    ]


class LocalOrgServer:
    """Dispatches HTTP requests to the backend, with counting, faults, latency and limits."""

    def __init__(
        self,
        backend: OrgBackend,
        *,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
        require_auth: bool = True,
    ) -> None:
        self.backend = backend
        self.routes = route_table()
        self.calls = CallLog()
        self.faults = FaultPlan()
        self.latency = 0.0
        self.daily_limit = daily_limit
        self.require_auth = require_auth
        #: Query cursors for ``nextRecordsUrl`` paging: cursor id -> remaining rows.
        self.cursors: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self.bulk_jobs: dict[str, Any] = {}
        self._cursor_serial = 0
        # Clients may send requests from several threads (imports cap them with
        # --max-concurrency); the store and its indexes are not thread-safe, so one request is
        # answered at a time. Latency is simulated outside the lock, as a network would add it.
        self._lock = threading.RLock()

    # -- accounting -----------------------------------------------------------------------------

    @property
    def api_usage(self) -> int:
        return int(self.backend.store.meta.get("api_usage", 0))

    @api_usage.setter
    def api_usage(self, value: int) -> None:
        # Kept in the store's meta so a persisted org remembers its daily usage across runs.
        self.backend.store.meta["api_usage"] = value

    def limit_header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage}/{self.daily_limit}"}

    def next_cursor(self) -> str:
        self._cursor_serial += 1
        return f"01g8d{self._cursor_serial:010d}"

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; raises :class:`DroppedConnection` for a dropped-connection fault."""
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            route, match = self._route(request)
            endpoint = route.endpoint if route else f"{request.method} (not emulated)"
            self.calls.record(endpoint)
            counts = route is not None and route.endpoint not in ("GET limits", "POST oauth2/token")
            if counts:
                # Salesforce counts even failed calls against the daily budget.
                self.api_usage = self.api_usage + 1
            response = self._answer(request, route, match)
            response.headers.update(self.limit_header())
            return response

    def _answer(
        self, request: HttpRequest, route: Route | None, match: re.Match[str] | None
    ) -> HttpResponse:
        if request.method == "GET":
            size = len(request.url) + sum(len(k) + len(v) + 4 for k, v in request.headers.items())
            if size > MAX_GET_BYTES:
                return HttpResponse(
                    431, b"Request Header Fields Too Large", {"Content-Type": "text/plain"}
                )
        if route is None or match is None:
            return HttpResponse.json(
                501,
                [
                    {
                        "errorCode": "NOT_EMULATED",
                        "message": f"The local org does not emulate {request.method} {request.path}; "
                        "see docs/local-org.md for the emulated routes.",
                    }
                ],
            )
        if route.endpoint not in ("GET versions", "POST oauth2/token", "POST soap"):
            # (SOAP carries its session in the envelope: the handler checks it.)
            auth = request.headers.get("authorization", "")
            if self.require_auth and not auth.split(" ", 1)[-1].strip():
                return HttpResponse.json(
                    401,
                    [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                )
        if self.api_usage > self.daily_limit and route.endpoint != "GET limits":
            return HttpResponse.json(
                403,
                [
                    {
                        "message": "TotalRequests Limit exceeded.",
                        "errorCode": "REQUEST_LIMIT_EXCEEDED",
                    }
                ],
            )
        fault = self.faults.draw(request.method, request.path)
        if fault is not None and fault != "lost_response":
            injected = self._fault_response(fault, request)
            if injected is not None:
                return injected
        try:
            response = route.handler(self, request, match)
        except ApiError as exc:
            response = HttpResponse.error(exc)
        except RecordRejected as exc:
            response = HttpResponse.rejected(exc)
        if fault == "lost_response":
            raise DroppedConnection("connection dropped after the org processed the request")
        return response

    def _route(self, request: HttpRequest) -> tuple[Route | None, re.Match[str] | None]:
        for route in self.routes:
            if route.method != request.method:
                continue
            match = route.pattern.match(request.path)
            if match:
                return route, match
        return None, None

    def _fault_response(self, fault: str, request: HttpRequest) -> HttpResponse | None:
        if fault == "drop":
            raise DroppedConnection("connection dropped before the org saw the request")
        if fault == "http_500":
            return HttpResponse.json(
                500,
                [
                    {
                        "message": "An unexpected error occurred (injected).",
                        "errorCode": "UNKNOWN_EXCEPTION",
                    }
                ],
            )
        if fault == "http_503":
            return HttpResponse.json(
                503,
                [{"message": "Server unavailable (injected).", "errorCode": "SERVER_UNAVAILABLE"}],
            )
        if fault == "expired_session":
            return HttpResponse.json(
                401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            )
        if fault == "request_limit":
            return HttpResponse.json(
                403,
                [
                    {
                        "message": "TotalRequests Limit exceeded.",
                        "errorCode": "REQUEST_LIMIT_EXCEEDED",
                    }
                ],
            )
        if fault == "row_lock":
            lock = RecordError(
                "UNABLE_TO_LOCK_ROW",
                "unable to obtain exclusive access to this record or 1 records",
            )
            if "/composite/sobjects" in request.path and request.method in ("POST", "PATCH"):
                body = request.json() or {}
                records = body.get("records") or []
                return HttpResponse.json(
                    200, [{"success": False, "errors": [lock.collection_body()]} for _ in records]
                )
            if "/composite/sobjects" in request.path and request.method == "DELETE":
                ids = [i for i in (request.param("ids") or "").split(",") if i]
                return HttpResponse.json(
                    200,
                    [{"id": i, "success": False, "errors": [lock.collection_body()]} for i in ids],
                )
            return HttpResponse.json(400, [lock.rest_body()])
        return None
