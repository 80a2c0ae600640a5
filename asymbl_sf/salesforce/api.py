"""The one place asymbl-sf talks to Salesforce: queries, Composite, Collections, describe.

simple-salesforce does the HTTP; this module adds what it lacks (Composite and Collections
helpers, a describe cache, paging) and translates its exceptions into asymbl-sf's at exactly one
boundary, so no ``SalesforceMalformedRequest`` or ``requests`` error escapes to a user.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError as SimpleSalesforceError

from asymbl_sf.errors import (
    AuthenticationError,
    RequestLimitError,
    SalesforceError,
    TransientError,
)
from asymbl_sf.schema import SObjectDescribe

_TRANSIENT_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"}


@dataclass(frozen=True)
class SubRequest:
    """One subrequest of a Composite call."""

    method: str
    url: str
    reference_id: str
    body: Any = None


@dataclass
class SubResponse:
    reference_id: str
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status < 400

    def error(self) -> SalesforceError:
        """The first error of a failed subrequest, as an exception (not raised)."""
        return error_from_body(self.body, self.status)


@dataclass
class ApiUsage:
    """Calls this client made, and the org's daily budget as Salesforce last reported it."""

    calls: int = 0
    used: int | None = None
    limit: int | None = None
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def remaining(self) -> int | None:
        if self.used is None or self.limit is None:
            return None
        return max(self.limit - self.used, 0)


def error_from_body(body: Any, status: int | None) -> SalesforceError:
    """An asymbl-sf error from Salesforce's error list (``errorCode``/``statusCode``)."""
    first = body[0] if isinstance(body, list) and body else body if isinstance(body, dict) else {}
    if not isinstance(first, dict):
        first = {}
    code = str(first.get("errorCode") or first.get("statusCode") or "UNKNOWN")
    message = str(first.get("message") or f"HTTP {status}")
    fields = tuple(str(f) for f in first.get("fields") or ())
    return classify(code, message, status, fields)


def classify(
    code: str, message: str, status: int | None, fields: tuple[str, ...] = ()
) -> SalesforceError:
    kind: type[SalesforceError] = SalesforceError
    if code == "REQUEST_LIMIT_EXCEEDED":
        kind = RequestLimitError
    elif status == 401 or code == "INVALID_SESSION_ID":
        kind = AuthenticationError
    elif code in _TRANSIENT_CODES or (status is not None and status >= 500):
        kind = TransientError
    return kind(message, error_code=code, status=status, fields=fields)


class SalesforceApi:
    """A thin, typed façade over a ``simple_salesforce.Salesforce`` client."""

    def __init__(self, sf: Salesforce) -> None:
        self.sf = sf
        self.usage = ApiUsage()
        self._describes: dict[str, SObjectDescribe] = {}

    @property
    def version(self) -> str:
        return str(self.sf.sf_version)

    @property
    def base_path(self) -> str:
        return f"/services/data/v{self.version}"

    # -- the boundary ---------------------------------------------------------------------------

    def _call(self, kind: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        self.usage.calls += 1
        self.usage.by_kind[kind] = self.usage.by_kind.get(kind, 0) + 1
        try:
            result = function(*args, **kwargs)
        except SimpleSalesforceError as exc:
            raise error_from_body(exc.content, exc.status) from None
        except requests.RequestException as exc:
            # The message of a requests error can hold URLs with tokens; say only what happened.
            raise TransientError(
                f"{type(exc).__name__} talking to Salesforce ({kind})",
                error_code="CONNECTION_ERROR") from None
        finally:
            self._read_usage()
        return result

    def _read_usage(self) -> None:
        usage = getattr(self.sf, "api_usage", None) or {}
        found = usage.get("api-usage") if isinstance(usage, dict) else None
        if found is not None:
            self.usage.used, self.usage.limit = found.used, found.total

    # -- resources ------------------------------------------------------------------------------

    def restful(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        return self._call(f"{method} {path.split('?')[0]}", self.sf.restful, path,
                          method=method, **kwargs)

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every row of ``soql``, following ``nextRecordsUrl`` (each page is one API call)."""
        return list(self.query_iter(soql))

    def query_iter(self, soql: str, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        result = self._call("query", self.sf.query, soql, include_deleted=include_deleted)
        while True:
            yield from result.get("records", [])
            next_url = result.get("nextRecordsUrl")
            if result.get("done", True) or not next_url:
                return
            result = self._call("query", self.sf.query_more, next_url, identifier_is_url=True,
                                include_deleted=include_deleted)

    def composite(
        self, subrequests: Sequence[SubRequest], *, all_or_none: bool = False
    ) -> dict[str, SubResponse]:
        """Run up to 25 subrequests in one call; answers keyed by reference id."""
        if not subrequests:
            return {}
        body = {
            "allOrNone": all_or_none,
            "compositeRequest": [
                {"method": s.method, "url": s.url, "referenceId": s.reference_id,
                 **({"body": s.body} if s.body is not None else {})}
                for s in subrequests
            ],
        }
        answer = self._call("composite", self.sf.restful, "composite", method="POST", json=body)
        return {
            item["referenceId"]: SubResponse(item["referenceId"], int(item["httpStatusCode"]),
                                             item.get("body"))
            for item in answer.get("compositeResponse", [])
        }

    def create_collection(
        self, records: Sequence[dict[str, Any]], *, all_or_none: bool = False
    ) -> list[dict[str, Any]]:
        """sObject Collections create (at most 200 records, each with ``attributes.type``)."""
        body = {"allOrNone": all_or_none, "records": list(records)}
        return list(self._call("collections", self.sf.restful, "composite/sobjects",
                               method="POST", json=body))

    def update_collection(
        self, records: Sequence[dict[str, Any]], *, all_or_none: bool = False
    ) -> list[dict[str, Any]]:
        body = {"allOrNone": all_or_none, "records": list(records)}
        return list(self._call("collections", self.sf.restful, "composite/sobjects",
                               method="PATCH", json=body))

    # -- describe -------------------------------------------------------------------------------

    def cached_describe(self, sobject: str) -> SObjectDescribe | None:
        return self._describes.get(sobject.lower())

    def remember_describe(self, body: dict[str, Any]) -> SObjectDescribe:
        describe = SObjectDescribe.model_validate(body)
        self._describes[describe.name.lower()] = describe
        return describe

    def describe(self, sobject: str) -> SObjectDescribe:
        cached = self.cached_describe(sobject)
        if cached is not None:
            return cached
        body = self.restful(f"sobjects/{sobject}/describe")
        return self.remember_describe(body)

    # -- URLs for subrequests -------------------------------------------------------------------

    def query_url(self, soql: str) -> str:
        """A query URL for a Composite subrequest; ``@{ref.path}`` references stay unencoded so
        Composite can substitute them."""
        pieces = re.split(r"(@\{[A-Za-z0-9_]+\.[^}]+\})", soql)
        encoded = "".join(p if p.startswith("@{") else quote(p, safe="") for p in pieces)
        return f"{self.base_path}/query/?q={encoded}"

    def sobject_url(self, sobject: str, record_id: str | None = None) -> str:
        base = f"{self.base_path}/sobjects/{sobject}"
        return f"{base}/{record_id}" if record_id else base

    def describe_url(self, sobject: str) -> str:
        return f"{self.base_path}/sobjects/{sobject}/describe"
