"""The SOAP API's ``undelete``, the one SOAP call the client makes (REST has no undelete).

``POST /services/Soap/u/{version}`` with an envelope whose ``SessionHeader`` carries the session
and whose body is ``<undelete><ids>...</ids></undelete>``; the answer is an ``undeleteResponse``
with one ``<result>`` per id, in order (``success``, ``id``, ``errors``), as the partner WSDL
says. Anything else is a SOAP fault, as is a missing session (``sf:INVALID_SESSION_ID``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from .errors import ApiError, RecordRejected

if TYPE_CHECKING:
    from .http import HttpRequest, HttpResponse, LocalOrgServer

_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_IDS = 200


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml(status: int, body: str) -> HttpResponse:
    from .http import HttpResponse

    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{_SOAP}" xmlns="urn:partner.soap.sforce.com" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
    return HttpResponse(
        status, envelope.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8"}
    )


def fault(code: str, message: str) -> HttpResponse:
    return _xml(
        500,
        "<soapenv:Fault>"
        f"<faultcode>sf:{escape(code)}</faultcode><faultstring>{escape(code)}: "
        f"{escape(message)}</faultstring></soapenv:Fault>",
    )


def call(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    try:
        root = ET.fromstring(request.body)
    except ET.ParseError as exc:
        return fault("INVALID_XML", f"the request is not XML: {exc}")
    session = next((e for e in root.iter() if _local(e.tag) == "sessionId"), None)
    if session is None or not (session.text or "").strip():
        return fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader")
    operation = next((e for e in root.iter() if _local(e.tag) == "Body"), None)
    call_element = next(iter(operation), None) if operation is not None else None
    if call_element is None or _local(call_element.tag) != "undelete":
        name = _local(call_element.tag) if call_element is not None else "nothing"
        return fault("UNSUPPORTED_API_CALL", f"the local org emulates only undelete, not {name}")
    ids = [(e.text or "").strip() for e in call_element if _local(e.tag) == "ids"]
    if len(ids) > MAX_IDS:
        return fault("LIMIT_EXCEEDED", f"Too many ids: {len(ids)} (at most {MAX_IDS})")
    results = []
    for record_id in ids:
        try:
            undone = server.backend.undelete(record_id)
            results.append(
                f'<result><errors xsi:nil="true"/><id>{escape(undone)}</id>'
                "<success>true</success></result>"
            )
        except (RecordRejected, ApiError) as exc:
            first = exc.errors[0]
            results.append(
                "<result><errors>"
                f"<message>{escape(first.message)}</message>"
                f"<statusCode>{escape(first.error_code)}</statusCode>"
                f'</errors><id xsi:nil="true"/><success>false</success></result>'
            )
    return _xml(200, f"<undeleteResponse>{''.join(results)}</undeleteResponse>")
