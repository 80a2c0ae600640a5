"""The one place asymbl-sf talks to Salesforce: queries, Composite, Collections, describe.

simple-salesforce does the HTTP; this module adds what it lacks (Composite and Collections
helpers, a describe cache, paging) and translates its exceptions into asymbl-sf's at exactly one
boundary, so no ``SalesforceMalformedRequest`` or ``requests`` error escapes to a user. The same
boundary renews an expired session once, retries reads that failed transiently, and never
repeats a write (docs/reliability.md).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
import tenacity
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError as SimpleSalesforceError
from simple_salesforce.util import exception_handler

from asymbl_sf.errors import AsymblError, AuthenticationError, SalesforceError, TransientError
from asymbl_sf.schema import SObjectDescribe

from .failures import error_from_body, status_maybe_applied, transport_error
from .retry import RetryPolicy

__all__ = ["ApiUsage", "Renew", "SalesforceApi", "SubRequest", "SubResponse", "error_from_body"]

_log = logging.getLogger(__name__)

#: Logs in again and returns the new session id, or a client whose session id is taken over.
Renew = Callable[[], "str | Salesforce"]

_WHAT_TO_DO = (
    "Check the login settings (SF_USERNAME / SF_PASSWORD / SF_SECURITY_TOKEN, SF_CLIENT_ID / "
    "SF_CLIENT_SECRET, or SF_CLIENT_ID / SF_USERNAME / SF_PRIVATE_KEY_FILE; see "
    "docs/connecting.md) and run the command again."
)
_CANNOT_RENEW = (
    "the Salesforce session is invalid or has expired, and this connection cannot log in again "
    "by itself. For an SF_ACCESS_TOKEN login get a new access token (for example with "
    "'sf org display') and set SF_ACCESS_TOKEN; or configure a login (username/password, client "
    "credentials or JWT bearer, see docs/connecting.md) so asymbl-sf renews expired sessions."
)
_REFUSED_AFTER_RENEWAL = (
    "the Salesforce session expired; asymbl-sf logged in again, but Salesforce refused the new "
    "session too (the user may lack API access, or a session policy revokes new sessions). "
    + _WHAT_TO_DO
)


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
    """Calls this client made, and the org's daily budget as Salesforce last reported it.

    An import sends requests from several threads at once (``--max-concurrency``), so the
    counts change only under a lock (``+=`` on an attribute is a read and a write, and two
    threads can interleave them); read :attr:`by_kind` through :meth:`kinds` while calls may
    still be running.
    """

    calls: int = 0
    used: int | None = None
    limit: int | None = None
    by_kind: dict[str, int] = field(default_factory=dict)
    #: Reads tried again after a transient failure (each retry is also one of ``calls``).
    retries: int = 0
    #: Times an expired session was renewed by logging in again.
    renewals: int = 0
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @property
    def remaining(self) -> int | None:
        with self._lock:
            used, limit = self.used, self.limit
        if used is None or limit is None:
            return None
        return max(limit - used, 0)

    def note_call(self, kind: str) -> None:
        """Count one API call of ``kind`` (``query``, ``composite``, ``POST sobjects/X``...)."""
        with self._lock:
            self.calls += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def note_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def note_renewal(self) -> None:
        with self._lock:
            self.renewals += 1

    def note_budget(self, used: int, limit: int) -> None:
        """What Salesforce last said of the daily budget (the two together, never half)."""
        with self._lock:
            self.used, self.limit = used, limit

    def kinds(self) -> dict[str, int]:
        """A copy of :attr:`by_kind`, safe to iterate while other threads make calls."""
        with self._lock:
            return dict(self.by_kind)


class SalesforceApi:
    """A thin, typed façade over a ``simple_salesforce.Salesforce`` client.

    ``renew`` logs in again when Salesforce says the session expired (it returns the new session
    id, or a new client whose session is taken over); without it an expired session is an
    :class:`AuthenticationError` at once. ``retry`` says how often a *read* is tried again after
    a :class:`TransientError`; writes are never repeated here (see :meth:`_call`).
    """

    def __init__(
        self, sf: Salesforce, *, renew: Renew | None = None, retry: RetryPolicy | None = None
    ) -> None:
        self.sf = sf
        self.renew = renew
        self.retry = retry if retry is not None else RetryPolicy()
        self.usage = ApiUsage()
        self._describes: dict[str, SObjectDescribe] = {}
        #: Facts about the org this client learnt and may reuse for a while (key -> (when,
        #: value)): see :meth:`recall` and :meth:`note`.
        self._notes: dict[str, tuple[float, Any]] = {}

    @property
    def version(self) -> str:
        return str(self.sf.sf_version)

    @property
    def base_path(self) -> str:
        return f"/services/data/v{self.version}"

    # -- the boundary ---------------------------------------------------------------------------

    def _call(
        self, kind: str, function: Any, *args: Any, idempotent: bool = False, **kwargs: Any
    ) -> Any:
        """Run one API call; every failure leaves as an asymbl-sf error without secrets.

        An expired session is renewed once (when there is a ``renew`` hook) and the call repeated:
        a 401 means Salesforce did not process it, so even a write is safe to send again. A read
        (``idempotent``) that fails transiently is tried again under :attr:`retry`; a write is
        not, because a lost answer may hide a write that happened: its :class:`TransientError`
        says so in ``maybe_applied`` and the caller looks before repeating.
        """
        renewed = [False]  # at most one renewal per call, across its retries
        if not idempotent:
            return self._call_renewing(kind, function, args, kwargs, renewed, idempotent=False)
        result: Any = None
        for attempt in self.retry.retrying(before_sleep=self._note_retry(kind)):
            with attempt:
                result = self._call_renewing(kind, function, args, kwargs, renewed, idempotent=True)
        return result

    def _call_renewing(
        self,
        kind: str,
        function: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        renewed: list[bool],
        *,
        idempotent: bool,
    ) -> Any:
        while True:  # runs at most twice: ``renewed`` flips before the second round
            try:
                return self._call_once(kind, function, args, kwargs, idempotent=idempotent)
            except AuthenticationError as exc:
                if exc.status != 401:
                    raise
                if self.renew is None:
                    raise AuthenticationError(
                        _CANNOT_RENEW, error_code=exc.error_code, status=401
                    ) from None
                if renewed[0]:
                    raise AuthenticationError(
                        _REFUSED_AFTER_RENEWAL, error_code=exc.error_code, status=401
                    ) from None
            renewed[0] = True
            self._renew_session()

    def _call_once(
        self,
        kind: str,
        function: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        idempotent: bool,
    ) -> Any:
        self.usage.note_call(kind)
        _log.debug("API call %d: %s", self.usage.calls, kind)
        try:
            return function(*args, **kwargs)
        except SimpleSalesforceError as exc:
            # Only the parsed body is used: str(exc) holds the URL and simple-salesforce's wording.
            error = error_from_body(exc.content, exc.status, secrets=[self.sf.session_id])
            if isinstance(error, TransientError) and not idempotent:
                error.maybe_applied = status_maybe_applied(error.error_code, exc.status)
            raise error from None
        except requests.RequestException as exc:
            raise transport_error(exc, kind, idempotent=idempotent) from None
        finally:
            self._read_usage()

    def _renew_session(self) -> None:
        """Log in again through the ``renew`` hook and use the new session from now on."""
        assert self.renew is not None
        self.usage.note_renewal()
        _log.info("the Salesforce session expired; logging in again")
        try:
            fresh = self.renew()
        except AsymblError as exc:  # asymbl-sf's own errors are free of secrets by design
            raise AuthenticationError(
                f"the Salesforce session expired and logging in again failed ({exc}). "
                f"{_WHAT_TO_DO}",
                error_code="SESSION_RENEWAL_FAILED",
                status=401,
            ) from None
        except Exception as exc:  # a caller's hook: its message may hold anything, so only a name
            raise AuthenticationError(
                f"the Salesforce session expired and logging in again failed "
                f"({type(exc).__name__} in the renew hook). {_WHAT_TO_DO}",
                error_code="SESSION_RENEWAL_FAILED",
                status=401,
            ) from None
        session_id = fresh if isinstance(fresh, str) else str(fresh.session_id)
        self.sf.session_id = session_id
        # Changed in place: objects simple-salesforce made earlier (mdapi) hold this dict.
        self.sf.headers["Authorization"] = f"Bearer {session_id}"

    def _note_retry(self, kind: str) -> Callable[[tenacity.RetryCallState], None]:
        def note(state: tenacity.RetryCallState) -> None:
            self.usage.note_retry()
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            _log.info(
                "%s failed (%s); trying again in %.1f s (attempt %d of %d)",
                kind,
                error,
                wait,
                state.attempt_number + 1,
                self.retry.attempts,
            )

        return note

    def _read_usage(self) -> None:
        usage = getattr(self.sf, "api_usage", None) or {}
        found = usage.get("api-usage") if isinstance(usage, dict) else None
        if found is not None:
            self.usage.note_budget(found.used, found.total)

    # -- resources ------------------------------------------------------------------------------

    def restful(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        """A REST call relative to ``/services/data/vXX.X/``; a GET is retried, others not."""
        return self._call(
            f"{method} {path.split('?')[0]}",
            self.sf.restful,
            path,
            method=method,
            idempotent=method.upper() == "GET",
            **kwargs,
        )

    def http(
        self, method: str, url: str, *, kind: str | None = None, **kwargs: Any
    ) -> requests.Response:
        """A raw request to the org (file bodies, multipart uploads) through the same boundary:
        the session's headers at the time of sending (so a renewed session is used), errors
        translated, a GET retried. ``headers={"Content-Type": None}`` drops a default header."""
        extra_headers = kwargs.pop("headers", None) or {}

        def send() -> requests.Response:
            headers = {**self.sf.headers, **extra_headers}
            response: requests.Response = self.sf.session.request(
                method, url, headers=headers, **kwargs
            )
            limit_info = response.headers.get("Sforce-Limit-Info")
            if limit_info:  # what simple-salesforce does for its own calls
                self.sf.api_usage = Salesforce.parse_api_usage(limit_info)
            if response.status_code >= 300:
                exception_handler(response, name=kind or method)
            return response

        label = kind or f"{method} {url.split('?')[0].rsplit('/services/data/', 1)[-1]}"
        response: requests.Response = self._call(
            label, send, idempotent=method.upper() in ("GET", "HEAD")
        )
        return response

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every row of ``soql``, following ``nextRecordsUrl`` (each page is one API call)."""
        return list(self.query_iter(soql))

    def count(self, soql: str) -> int:
        """The answer to ``SELECT COUNT() FROM ...``: Salesforce gives it as ``totalSize``,
        with no records."""
        answer = self._call("query", self.sf.query, soql, idempotent=True)
        return int(answer.get("totalSize") or 0)

    def query_iter(
        self, soql: str, include_deleted: bool = False, *, prefetch: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every row of ``soql``, page by page (each page is one API call). ``prefetch``: ask
        for the next page while the rows of this one are used, so a long read waits for the
        org only once, not once per page (at most two pages are held)."""
        result = self._call(
            "query", self.sf.query, soql, include_deleted=include_deleted, idempotent=True
        )
        pool = ThreadPoolExecutor(1, thread_name_prefix="asymbl-sf-page") if prefetch else None
        try:
            while True:
                next_url = result.get("nextRecordsUrl")
                last = result.get("done", True) or not next_url
                coming = None
                if not last and pool is not None:
                    coming = pool.submit(self._next_page, next_url, include_deleted)
                yield from result.get("records", [])
                if last:
                    return
                result = (
                    coming.result()
                    if coming is not None
                    else self._next_page(next_url, include_deleted)
                )
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _next_page(self, next_url: str, include_deleted: bool) -> dict[str, Any]:
        answer: dict[str, Any] = self._call(
            "query",
            self.sf.query_more,
            next_url,
            identifier_is_url=True,
            include_deleted=include_deleted,
            idempotent=True,
        )
        return answer

    def composite(
        self, subrequests: Sequence[SubRequest], *, all_or_none: bool = False
    ) -> dict[str, SubResponse]:
        """Run up to 25 subrequests in one call; answers keyed by reference id.

        A Composite of reads only (every subrequest a GET) is retried like a query; one that
        writes is not.
        """
        if not subrequests:
            return {}
        body = {
            "allOrNone": all_or_none,
            "compositeRequest": [
                {
                    "method": s.method,
                    "url": s.url,
                    "referenceId": s.reference_id,
                    **({"body": s.body} if s.body is not None else {}),
                }
                for s in subrequests
            ],
        }
        reads_only = all(s.method.upper() == "GET" for s in subrequests)
        answer = self._call(
            "composite",
            self.sf.restful,
            "composite",
            method="POST",
            json=body,
            idempotent=reads_only,
        )
        return {
            item["referenceId"]: SubResponse(
                item["referenceId"], int(item["httpStatusCode"]), item.get("body")
            )
            for item in answer.get("compositeResponse", [])
        }

    def create_collection(
        self, records: Sequence[dict[str, Any]], *, all_or_none: bool = False
    ) -> list[dict[str, Any]]:
        """sObject Collections create (at most 200 records, each with ``attributes.type``)."""
        body = {"allOrNone": all_or_none, "records": list(records)}
        return list(
            self._call(
                "collections", self.sf.restful, "composite/sobjects", method="POST", json=body
            )
        )

    def update_collection(
        self, records: Sequence[dict[str, Any]], *, all_or_none: bool = False
    ) -> list[dict[str, Any]]:
        body = {"allOrNone": all_or_none, "records": list(records)}
        return list(
            self._call(
                "collections", self.sf.restful, "composite/sobjects", method="PATCH", json=body
            )
        )

    def delete_collection(
        self, ids: Sequence[str], *, all_or_none: bool = False
    ) -> list[dict[str, Any]]:
        """sObject Collections delete (at most 200 ids, in that order); one result per id."""
        params = {"ids": ",".join(ids), "allOrNone": str(all_or_none).lower()}
        return list(
            self._call(
                "collections", self.sf.restful, "composite/sobjects", method="DELETE", params=params
            )
        )

    # -- what this client learnt ------------------------------------------------------------------

    def recall(self, key: str, max_age: float) -> Any:
        """A fact noted under ``key`` no more than ``max_age`` seconds ago, else None."""
        noted = self._notes.get(key)
        if noted is None or time.monotonic() - noted[0] > max_age:
            return None
        return noted[1]

    def note(self, key: str, value: Any) -> None:
        self._notes[key] = (time.monotonic(), value)

    def forget(self, key: str) -> None:
        self._notes.pop(key, None)

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
