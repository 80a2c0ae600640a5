"""sObject Collections and Composite: many records or subrequests in one API call.

Collections answer HTTP 200 even when records fail, one result per record in request order, and
refuse more than 200 records outright. ``allOrNone`` undoes every write of the call when one
record fails and marks the innocent ones ``ALL_OR_NONE_OPERATION_ROLLED_BACK``. Composite runs up
to 25 subrequests in order, substituting ``@{refId.path}`` references to earlier answers.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from asymbl_sf.schema.ids import looks_like_id, to_18

from .errors import ApiError, RecordError, RecordRejected

if TYPE_CHECKING:
    from .http import HttpRequest, HttpResponse, LocalOrgServer

MAX_COLLECTION = 200
MAX_SUBREQUESTS = 25
MAX_QUERY_OR_COLLECTION_SUBREQUESTS = 5

_ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)
_HALTED = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same "
    "transaction failed.",
}
#: ``@{ref.id}``, ``@{ref.records[0].Id}`` and, for a collection's answer, ``@{ref[0].id}``.
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)([.\[][^}]*)\}")


def _http() -> Any:
    from . import http

    return http


class _Rollback(Exception):
    """Raised inside a transaction to undo it after results have been collected."""


def _too_many(count: int) -> ApiError:
    return ApiError.single(
        400,
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {MAX_COLLECTION} records into this call "
        f"(got {count})",
    )


def _records_of(request: HttpRequest) -> tuple[list[Any], bool]:
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError.single(
            400, "JSON_PARSER_ERROR", "The request body must be an object with a records list"
        )
    records = body["records"]
    if len(records) > MAX_COLLECTION:
        raise _too_many(len(records))
    return records, bool(body.get("allOrNone", False))


def _type_of(record: Any) -> str:
    if not isinstance(record, dict):
        raise RecordRejected([RecordError("JSON_PARSER_ERROR", "Each record must be an object")])
    attributes = record.get("attributes")
    sobject = attributes.get("type") if isinstance(attributes, dict) else None
    if not sobject:
        raise RecordRejected(
            [RecordError("INVALID_TYPE", "Must specify a type in the attributes of each record")]
        )
    return str(sobject)


def _run_collection(
    server: LocalOrgServer, records: list[Any], all_or_none: bool, operation: Any
) -> list[dict[str, Any]]:
    """Apply ``operation(record) -> id`` to each record, collecting per-record results."""
    results: list[dict[str, Any]] = []
    failed = False

    def run_all() -> None:
        nonlocal failed
        for record in records:
            try:
                done = operation(record)
                if isinstance(done, tuple):  # an upsert: (id, created)
                    results.append(
                        {"id": done[0], "success": True, "errors": [], "created": done[1]}
                    )
                else:
                    results.append({"id": done, "success": True, "errors": []})
            except (RecordRejected, ApiError) as exc:
                failed = True
                errors = exc.errors
                results.append({"success": False, "errors": [e.collection_body() for e in errors]})
        if failed and all_or_none:
            raise _Rollback

    if all_or_none:
        try:
            with server.backend.transaction():
                run_all()
        except _Rollback:
            for result in results:
                if result["success"]:
                    result.pop("id", None)
                    result["success"] = False
                    result["errors"] = [_ROLLED_BACK.collection_body()]
    else:
        run_all()
    return results


def collection_create(
    server: LocalOrgServer, request: HttpRequest, match: re.Match[str]
) -> HttpResponse:
    records, all_or_none = _records_of(request)

    def create(record: Any) -> str:
        sobject = _type_of(record)
        body = {k: v for k, v in record.items() if k != "attributes"}
        if "id" in {k.lower() for k in body}:
            raise RecordRejected(
                [RecordError("INVALID_FIELD", "cannot specify Id in an insert call", ("Id",))]
            )
        fault = server.faults.record_fault(sobject, body)
        if fault is not None:
            raise RecordRejected([RecordError(fault.error_code, fault.message, fault.fields)])
        return str(server.backend.create(sobject, body)["Id"])

    return _http().HttpResponse.json(200, _run_collection(server, records, all_or_none, create))


def collection_update(
    server: LocalOrgServer, request: HttpRequest, match: re.Match[str]
) -> HttpResponse:
    records, all_or_none = _records_of(request)

    def update(record: Any) -> str:
        sobject = _type_of(record)
        body = {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}
        record_id = record.get("id") or record.get("Id")
        if not record_id:
            raise RecordRejected(
                [RecordError("MISSING_ARGUMENT", "Id not specified in an update call", ("Id",))]
            )
        fault = server.faults.record_fault(sobject, body)
        if fault is not None:
            raise RecordRejected([RecordError(fault.error_code, fault.message, fault.fields)])
        return str(server.backend.update(sobject, str(record_id), body)["Id"])

    return _http().HttpResponse.json(200, _run_collection(server, records, all_or_none, update))


def collection_upsert(
    server: LocalOrgServer, request: HttpRequest, match: re.Match[str]
) -> HttpResponse:
    """``PATCH composite/sobjects/{Object}/{ExternalIdField}``: up to 200 records of the one
    object, each created or updated by its external id; a value given twice in one request
    fails both records (``DUPLICATE_EXTERNAL_ID``)."""
    records, all_or_none = _records_of(request)
    sobject, field = match["sobject"], match["field"]
    counts: dict[str, int] = {}
    for record in records:
        if isinstance(record, dict):
            value = next((v for k, v in record.items() if k.lower() == field.lower()), None)
            if value is not None:
                counts[str(value).lower()] = counts.get(str(value).lower(), 0) + 1

    def upsert(record: Any) -> tuple[str, bool]:
        kind = _type_of(record)
        if kind.lower() != sobject.lower():
            raise RecordRejected(
                [RecordError("INVALID_TYPE", f"Record type {kind} does not match {sobject}")]
            )
        body = {k: v for k, v in record.items() if k != "attributes"}
        value = next((v for k, v in body.items() if k.lower() == field.lower()), None)
        if value is None or value == "":
            raise RecordRejected(
                [RecordError("MISSING_ARGUMENT", f"{field} not specified", (field,))]
            )
        if counts.get(str(value).lower(), 0) > 1:
            raise RecordRejected(
                [
                    RecordError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"Duplicate external id specified: {value}",
                        (field,),
                    )
                ]
            )
        fault = server.faults.record_fault(sobject, body)
        if fault is not None:
            raise RecordRejected([RecordError(fault.error_code, fault.message, fault.fields)])
        record_out, created = server.backend.upsert(sobject, field, str(value), body)
        return str(record_out["Id"]), created

    return _http().HttpResponse.json(200, _run_collection(server, records, all_or_none, upsert))


def collection_delete(
    server: LocalOrgServer, request: HttpRequest, match: re.Match[str]
) -> HttpResponse:
    ids = [i for i in (request.param("ids") or "").split(",") if i]
    if len(ids) > MAX_COLLECTION:
        raise _too_many(len(ids))
    all_or_none = (request.param("allOrNone") or "false").lower() == "true"

    def delete(record_id: str) -> str:
        # 15- and 18-character ids both name a record; anything else is not an id at all.
        if not looks_like_id(record_id):
            raise RecordRejected([RecordError("MALFORMED_ID", f"malformed id {record_id}")])
        found = server.backend.store.find(to_18(record_id))
        if found is None:
            raise RecordRejected(
                [RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
            )
        sobject, record = found
        if record.get("IsDeleted"):
            raise RecordRejected([RecordError("ENTITY_IS_DELETED", "entity is deleted")])
        server.backend.delete(sobject, record["Id"])
        return str(record["Id"])

    results = _run_collection(server, ids, all_or_none, delete)
    for record_id, result in zip(ids, results, strict=True):
        # Salesforce echoes every id, failed ones included, in the 18-character form.
        result.setdefault("id", to_18(record_id) if looks_like_id(record_id) else record_id)
    return _http().HttpResponse.json(200, results)


def collection_retrieve(
    server: LocalOrgServer, request: HttpRequest, match: re.Match[str]
) -> HttpResponse:
    ids = [i for i in (request.param("ids") or "").split(",") if i]
    if len(ids) > 2000:
        raise _too_many(len(ids))
    fields = [f for f in (request.param("fields") or "").split(",") if f]
    if not fields:
        raise ApiError.single(400, "MISSING_ARGUMENT", "fields is required")
    out: list[Any] = []
    for record_id in ids:
        try:
            out.append(server.backend.retrieve(match["sobject"], record_id, fields))
        except ApiError:
            out.append(None)
    return _http().HttpResponse.json(200, out)


# -- composite ----------------------------------------------------------------------------------


def _resolve(value: Any, answers: dict[str, Any]) -> Any:
    """Substitute ``@{refId.path}`` references in strings, recursively."""
    if isinstance(value, str):

        def replace(found: re.Match[str]) -> str:
            ref, path = found.group(1), found.group(2).lstrip(".")
            if ref not in answers:
                raise KeyError(f"{ref}.{path}")
            current: Any = answers[ref]
            for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
                if part.startswith("["):
                    index = int(part[1:-1])
                    if not isinstance(current, list) or index >= len(current):
                        raise KeyError(f"{ref}.{path}")
                    current = current[index]
                else:
                    if not isinstance(current, dict) or part not in current:
                        raise KeyError(f"{ref}.{path}")
                    current = current[part]
            return str(current)

        return _REFERENCE.sub(replace, value)
    if isinstance(value, dict):
        return {k: _resolve(v, answers) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, answers) for v in value]
    return value


def composite(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    http = _http()
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise ApiError.single(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    subrequests = body["compositeRequest"]
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ApiError.single(
            400,
            "LIMIT_EXCEEDED",
            f"A composite request can hold at most {MAX_SUBREQUESTS} "
            f"subrequests (got {len(subrequests)})",
        )
    heavy = sum(
        1
        for s in subrequests
        if isinstance(s, dict)
        and re.search(r"/(query|queryAll|composite/sobjects)\b", str(s.get("url", "")))
    )
    if heavy > MAX_QUERY_OR_COLLECTION_SUBREQUESTS:
        raise ApiError.single(
            400,
            "LIMIT_EXCEEDED",
            "A composite request can hold at most "
            f"{MAX_QUERY_OR_COLLECTION_SUBREQUESTS} query or collection subrequests",
        )
    all_or_none = bool(body.get("allOrNone", False))
    answers: dict[str, Any] = {}
    responses: list[dict[str, Any]] = []
    failed_at: int | None = None

    def run_all() -> None:
        nonlocal failed_at
        for index, sub in enumerate(subrequests):
            reference_id = str(sub.get("referenceId", f"ref{index}"))
            if failed_at is not None and all_or_none:
                responses.append(
                    {
                        "body": [_HALTED],
                        "httpHeaders": {},
                        "httpStatusCode": 400,
                        "referenceId": reference_id,
                    }
                )
                continue
            try:
                url = _resolve(str(sub.get("url", "")), answers)
                sub_body = _resolve(sub.get("body"), answers)
            except KeyError as missing:
                ref = str(missing).strip("'").split(".")[0]
                responses.append(
                    {
                        "body": [
                            {
                                "errorCode": "PROCESSING_HALTED",
                                "message": f"Invalid reference specified. No value for {missing.args[0]} found "
                                f"in {ref}. Provided referenceId ('{ref}') must match a "
                                "referenceId of a previous successful subrequest.",
                            }
                        ],
                        "httpHeaders": {},
                        "httpStatusCode": 400,
                        "referenceId": reference_id,
                    }
                )
                failed_at = index if failed_at is None else failed_at
                continue
            headers = {
                "Content-Type": "application/json",
                **{str(k): str(v) for k, v in (sub.get("httpHeaders") or {}).items()},
            }
            inner = http.HttpRequest(
                str(sub.get("method", "GET")).upper(),
                url,
                headers,
                json.dumps(sub_body).encode() if sub_body is not None else b"",
            )
            answer = _dispatch(server, inner)
            payload = json.loads(answer.body) if answer.body else None
            out_headers = {}
            if answer.status == 201 and isinstance(payload, dict) and payload.get("id"):
                # The new record's own URL (an upsert's path names the external id instead).
                base = re.match(r"^(.*?/sobjects/[^/]+)", inner.path)
                root = base.group(1) if base else inner.path.rstrip("/")
                out_headers["Location"] = root + "/" + payload["id"]
            responses.append(
                {
                    "body": payload,
                    "httpHeaders": out_headers,
                    "httpStatusCode": answer.status,
                    "referenceId": reference_id,
                }
            )
            if answer.status < 400:
                answers[reference_id] = payload
            elif failed_at is None:
                failed_at = index
        if failed_at is not None and all_or_none:
            raise _Rollback

    if all_or_none:
        try:
            with server.backend.transaction():
                run_all()
        except _Rollback:
            for index, response in enumerate(responses):
                if index != failed_at and response["httpStatusCode"] < 400:
                    response.update({"body": [_HALTED], "httpHeaders": {}, "httpStatusCode": 400})
    else:
        run_all()
    return http.HttpResponse.json(200, {"compositeResponse": responses})


def _dispatch(server: LocalOrgServer, request: HttpRequest) -> HttpResponse:
    http = _http()
    route, found = server._route(request)
    if route is None or found is None:
        return http.HttpResponse.json(
            501,
            [
                {
                    "errorCode": "NOT_EMULATED",
                    "message": f"The local org does not emulate {request.method} {request.path} inside "
                    "a composite request",
                }
            ],
        )
    try:
        return route.handler(server, request, found)
    except ApiError as exc:
        return http.HttpResponse.error(exc)
    except RecordRejected as exc:
        return http.HttpResponse.rejected(exc)
