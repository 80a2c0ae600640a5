"""Handlers for the single-record REST resources, describe, query and limits."""

from __future__ import annotations

import json
import re
import secrets
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import content
from .errors import ApiError

if TYPE_CHECKING:
    from .http import HttpRequest, HttpResponse, LocalOrgServer

#: Salesforce pages query results at 2,000 rows unless ``Sforce-Query-Options`` asks for fewer.
DEFAULT_BATCH_SIZE = 2000


def _response() -> type[HttpResponse]:
    from .http import HttpResponse

    return HttpResponse


def versions(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    return _response().json(
        200,
        [
            {"label": f"v{v}", "url": f"/services/data/v{v}", "version": v}
            for v in ("58.0", "59.0", "60.0", "61.0", "62.0")
        ],
    )


def token(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    """OAuth token endpoint: any grant succeeds on the local org (there is nobody to check)."""
    host = request.url.split("/services/", 1)[0]
    return _response().json(
        200,
        {
            "access_token": "00D8d0000000001!" + secrets.token_hex(16),
            "instance_url": host,
            "id": f"{host}/id/00D8d0000000001AAA/0058d0000000001AAA",
            "token_type": "Bearer",
            "issued_at": "0",
            "signature": "local",
        },
    )


def resources(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    base = f"/services/data/v{match['version']}"
    return _response().json(
        200,
        {
            name: f"{base}/{name}"
            for name in ("sobjects", "query", "queryAll", "composite", "limits", "jobs")
        },
    )


def limits(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    remaining = max(server.daily_limit - server.api_usage, 0)
    return _response().json(
        200,
        {
            "DailyApiRequests": {"Max": server.daily_limit, "Remaining": remaining},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DataStorageMB": {"Max": 5120, "Remaining": 5000},
            "FileStorageMB": {"Max": 20480, "Remaining": 20000},
        },
    )


def global_describe(
    server: LocalOrgServer, request: HttpRequest, match: re.Match[str]
) -> HttpResponse:
    return _response().json(200, server.backend.global_describe())


def describe(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    return _response().json(200, server.backend.describe(match["sobject"]))


def basic_info(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    body = server.backend.describe(match["sobject"])
    info = {
        k: body.get(k)
        for k in (
            "name",
            "label",
            "keyPrefix",
            "custom",
            "createable",
            "updateable",
            "queryable",
            "urls",
        )
    }
    return _response().json(200, {"objectDescribe": info, "recentItems": []})


def create(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    body, data = _create_body(request)
    _raise_record_fault(server, match["sobject"], body)
    record = server.backend.create(match["sobject"], body, data)
    return _response().json(201, {"id": record["Id"], "success": True, "errors": []})


def _create_body(request: HttpRequest) -> tuple[dict[str, Any], bytes | None]:
    """A JSON body, or ContentVersion's multipart form (``entity_content`` + ``VersionData``)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/"):
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError.single(
                400, "JSON_PARSER_ERROR", "The request body must be a JSON object"
            )
        return body, None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + request.body
    )
    entity: dict[str, Any] | None = None
    data: bytes | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        if name == "entity_content":
            try:
                entity = json.loads(payload)
            except ValueError:
                raise ApiError.single(
                    400, "JSON_PARSER_ERROR", "entity_content is not valid JSON"
                ) from None
        elif name in ("VersionData", "Body"):
            data = payload
    if entity is None:
        raise ApiError.single(
            400,
            "INVALID_MULTIPART_REQUEST",
            "A multipart request needs an entity_content part with the record",
        )
    return entity, data


def _raise_record_fault(server: LocalOrgServer, sobject: str, body: dict[str, Any]) -> None:
    fault = server.faults.record_fault(sobject, body)
    if fault is not None:
        from .errors import RecordError, RecordRejected

        raise RecordRejected([RecordError(fault.error_code, fault.message, fault.fields)])


def retrieve(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    fields_param = request.param("fields")
    fields = [f.strip() for f in fields_param.split(",") if f.strip()] if fields_param else None
    return _response().json(200, server.backend.retrieve(match["sobject"], match["id"], fields))


def update(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError.single(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    _raise_record_fault(server, match["sobject"], body)
    server.backend.update(match["sobject"], match["id"], body)
    return _response().empty(204)


def upsert(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    """``PATCH sobjects/{Object}/{ExternalIdField}/{value}``: 201 and ``created: true`` when
    no record holds the value, else 200 and ``created: false`` (API 46.0 and later)."""
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError.single(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    _raise_record_fault(server, match["sobject"], body)
    value = unquote(match["value"])
    record, created = server.backend.upsert(match["sobject"], match["field"], value, body)
    answer = {"id": record["Id"], "success": True, "errors": [], "created": created}
    return _response().json(201 if created else 200, answer)


def delete(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    server.backend.delete(match["sobject"], match["id"])
    return _response().empty(204)


def version_data(
    server: LocalOrgServer, request: HttpRequest, match: re.Match[str]
) -> HttpResponse:
    from asymbl_sf.schema.ids import looks_like_id, to_18

    if not looks_like_id(match["id"]):
        raise ApiError.single(404, "NOT_FOUND", "The requested resource does not exist")
    data = content.version_bytes(server.backend, to_18(match["id"]))
    return _response()(200, data, {"Content-Type": "application/octetstream"})


# -- query --------------------------------------------------------------------------------------


def query(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    return _run_query(server, request, include_deleted=False)


def query_all(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    return _run_query(server, request, include_deleted=True)


def _batch_size(request: HttpRequest) -> int:
    options = request.headers.get("sforce-query-options", "")
    found = re.search(r"batchSize=(\d+)", options)
    if not found:
        return DEFAULT_BATCH_SIZE
    return min(max(int(found.group(1)), 200), DEFAULT_BATCH_SIZE)


def _run_query(
    server: LocalOrgServer, request: HttpRequest, *, include_deleted: bool
) -> HttpResponse:
    soql = request.param("q")
    if not soql:
        raise ApiError.single(400, "MALFORMED_QUERY", "A query string (q) is required")
    result = server.backend.query(soql, include_deleted=include_deleted)
    return _page(
        server,
        result.records,
        result.total_size,
        _batch_size(request),
        "queryAll" if include_deleted else "query",
    )


def _page(
    server: LocalOrgServer,
    rows: list[dict[str, Any]],
    total: int,
    batch: int,
    resource: str,
    offset: int = 0,
) -> HttpResponse:
    page, rest = rows[:batch], rows[batch:]
    body: dict[str, Any] = {"totalSize": total, "done": not rest, "records": page}
    if rest:
        cursor = server.next_cursor()
        end = offset + len(page)
        server.cursors[f"{cursor}-{end}"] = (total, rest)
        body["nextRecordsUrl"] = (
            f"/services/data/v{server.backend.api_version}/{resource}/{cursor}-{end}"
        )
    return _response().json(200, body)


def query_more(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    key = match["cursor"]
    cursor = server.cursors.pop(key, None)
    if cursor is None:
        raise ApiError.single(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    total, rows = cursor
    offset = int(key.rsplit("-", 1)[1])
    resource = "queryAll" if "/queryAll/" in request.path else "query"
    return _page(server, rows, total, _batch_size(request), resource, offset)
