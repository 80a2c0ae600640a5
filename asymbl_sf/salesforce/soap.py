"""The one SOAP API call asymbl-sf makes: ``undelete``, which REST does not have.

Records deleted through the API go to the recycle bin; only SOAP's ``undelete()`` brings them
back with their own ids (and brings back what was deleted with them: a Contact's Tasks and file
links). simple-salesforce has no such call, so this module sends the envelope itself, through
the same boundary as every other call (:meth:`SalesforceApi.http`: counted, the session renewed
once when it expired, secrets kept out of errors).

    results = undelete(api, ["003...", "003..."])   # {id: None, id: "UNDELETE_FAILED: ..."}
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from xml.sax.saxutils import escape

import requests

from asymbl_sf.errors import SalesforceError
from asymbl_sf.schema.ids import looks_like_id, to_18

from .api import SalesforceApi
from .failures import classify
from .redact import redact

#: Records per ``undelete()`` call (Salesforce's limit).
MAX_IDS = 200
_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
_PARTNER = "urn:partner.soap.sforce.com"


def undelete(api: SalesforceApi, ids: Sequence[str]) -> dict[str, str | None]:
    """Undelete ``ids`` (200 per call): each 18-character id → None (undeleted) or Salesforce's
    error as ``CODE: message``. A call that fails as a whole raises (an expired session is
    renewed once first)."""
    out: dict[str, str | None] = {}
    wanted = [to_18(i) if looks_like_id(i) else i for i in ids]
    for start in range(0, len(wanted), MAX_IDS):
        batch = wanted[start : start + MAX_IDS]
        out.update(zip(batch, _undelete_batch(api, batch), strict=True))
    return out


def _undelete_batch(api: SalesforceApi, ids: list[str]) -> list[str | None]:
    url = f"https://{api.sf.sf_instance}/services/Soap/u/{api.version}"

    def send() -> requests.Response:
        # The session at the time of sending: a renewed one after a 401.
        response: requests.Response = api.sf.session.request(
            "POST",
            url,
            data=_envelope(api.sf.session_id, ids).encode("utf-8"),
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
        )
        if response.status_code >= 300:
            raise _fault(response, api.sf.session_id)
        return response

    response: requests.Response = api._call("SOAP undelete", send, idempotent=False)
    return _results(response.content, len(ids))


def _envelope(session_id: str, ids: list[str]) -> str:
    body = "".join(f"<urn:ids>{escape(i)}</urn:ids>" for i in ids)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{_SOAP}" xmlns:urn="{_PARTNER}">'
        "<soapenv:Header><urn:SessionHeader>"
        f"<urn:sessionId>{escape(session_id)}</urn:sessionId>"
        "</urn:SessionHeader></soapenv:Header>"
        f"<soapenv:Body><urn:undelete>{body}</urn:undelete></soapenv:Body>"
        "</soapenv:Envelope>"
    )


def _results(content: bytes, expected: int) -> list[str | None]:
    """Each ``<result>`` of an ``undeleteResponse``, in order: None or ``CODE: message``."""
    root = ET.fromstring(content)
    results = [e for e in root.iter() if _local(e.tag) == "result"]
    if len(results) != expected:
        raise SalesforceError(
            f"Salesforce answered undelete with {len(results)} results for {expected} ids",
            error_code="UNEXPECTED_ANSWER",
        )
    out: list[str | None] = []
    for result in results:
        if _text(result, "success") == "true":
            out.append(None)
            continue
        error = next((e for e in result if _local(e.tag) == "errors"), None)
        code = _text(error, "statusCode") if error is not None else "UNKNOWN"
        message = _text(error, "message") if error is not None else "undelete failed"
        out.append(f"{code}: {message}")
    return out


def fault_of(content: bytes | str) -> tuple[str | None, str | None]:
    """The code (``sf:`` prefix dropped) and text of the SOAP fault in ``content``, each None
    when absent (or when ``content`` is not XML)."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError:
        return None, None
    fault = next((e for e in root.iter() if _local(e.tag) == "Fault"), None)
    if fault is None:
        return None, None
    code = _text(fault, "faultcode")
    return (code.split(":")[-1] if code else None), (_text(fault, "faultstring") or None)


def _fault(response: requests.Response, session_id: str | None) -> SalesforceError:
    """A SOAP fault as an asymbl-sf error: ``sf:INVALID_SESSION_ID`` is an expired session."""
    found_code, found_message = fault_of(response.content)
    code = found_code or "UNKNOWN"
    message = found_message or f"HTTP {response.status_code}"
    status = 401 if code == "INVALID_SESSION_ID" else response.status_code
    return classify(code, redact(message, [session_id]), status)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(parent: ET.Element | None, name: str) -> str:
    if parent is None:
        return ""
    found = next((e for e in parent if _local(e.tag) == name), None)
    return (found.text or "").strip() if found is not None else ""
