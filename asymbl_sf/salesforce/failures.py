"""What a failed call means: Salesforce's error body, or a failure below HTTP, as an asymbl-sf
error, and whether a write that failed may have been carried out anyway (``maybe_applied``).

Used by :mod:`asymbl_sf.salesforce.api` (the one boundary) and by callers that read per-record
errors out of a successful answer (Collections, Composite subrequests).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from asymbl_sf.errors import AuthenticationError, RequestLimitError, SalesforceError, TransientError

from .redact import redact

_TRANSIENT_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"}
#: Transient failures that prove the org did not carry the request out.
_NOT_APPLIED_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"}


def error_from_body(
    body: Any, status: int | None, *, secrets: Iterable[str | None] = ()
) -> SalesforceError:
    """An asymbl-sf error from Salesforce's error list (``errorCode``/``statusCode``).

    The message is redacted of ``secrets`` and of anything shaped like a credential: a proxy or a
    misbehaving endpoint may echo the request's headers back.
    """
    first = body[0] if isinstance(body, list) and body else body if isinstance(body, dict) else {}
    if not isinstance(first, dict):
        first = {}
    code = str(first.get("errorCode") or first.get("statusCode") or "UNKNOWN")
    message = redact(str(first.get("message") or f"HTTP {status}"), secrets)
    fields = tuple(str(f) for f in first.get("fields") or ())
    return classify(redact(code), message, status, fields)


def classify(
    code: str, message: str, status: int | None, fields: tuple[str, ...] = ()
) -> SalesforceError:
    """The error class a caller can act on: out of API budget, not logged in, worth another
    try, or refused (the plain :class:`SalesforceError`)."""
    kind: type[SalesforceError] = SalesforceError
    if code == "REQUEST_LIMIT_EXCEEDED":
        kind = RequestLimitError
    elif status == 401 or code == "INVALID_SESSION_ID":
        kind = AuthenticationError
    elif code in _TRANSIENT_CODES or (status is not None and status >= 500):
        kind = TransientError
    return kind(message, error_code=code, status=status, fields=fields)


def status_maybe_applied(error_code: str, status: int | None) -> bool:
    """Whether a write that failed with this status may still have been carried out.

    A row lock or 503 SERVER_UNAVAILABLE means the org did nothing; a 500 (or a gateway's 502/504)
    can come after the work was done.
    """
    if error_code in _NOT_APPLIED_CODES or status == 503:
        return False
    return status is None or status >= 500


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection never opened, so the org cannot have seen the request."""
    if isinstance(
        exc, (requests.ConnectTimeout, requests.exceptions.ProxyError, requests.exceptions.SSLError)
    ):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def transport_error(
    exc: requests.RequestException, kind: str, *, idempotent: bool
) -> SalesforceError:
    """An error for a failure below HTTP. The message names only the exception type: a
    ``requests`` message can hold the URL (with a query) and headers."""
    name = type(exc).__name__
    if isinstance(
        exc,
        (
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidHeader,
        ),
    ):
        return SalesforceError(
            f"{name}: asymbl-sf could not build the request ({kind})", error_code="INVALID_REQUEST"
        )
    maybe_applied = not idempotent and not _never_sent(exc)
    outcome = (
        "; the org may have carried it out, so check before sending it again"
        if maybe_applied
        else ""
    )
    return TransientError(
        f"{name} talking to Salesforce ({kind}){outcome}",
        error_code="CONNECTION_ERROR",
        maybe_applied=maybe_applied,
    )
