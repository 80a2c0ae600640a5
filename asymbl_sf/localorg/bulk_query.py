"""Bulk API 2.0 query jobs: create a job with a SOQL query, poll it, page through CSV results.

The flow Salesforce documents:

* ``POST jobs/query`` with ``{"operation": "query" | "queryAll", "query": ...}`` (optional
  ``contentType`` CSV, ``columnDelimiter``, ``lineEnding``) answers the job info, state
  ``UploadComplete``. The query is checked at once: a query Salesforce refuses answers 400 with
  the same error code the REST query resource uses (``MALFORMED_QUERY``, ``INVALID_FIELD``,
  ``INVALID_TYPE``); what Bulk API 2.0 does not support (``COUNT()``, ``OFFSET``) answers 400
  ``INVALIDJOB``.
* ``GET jobs/query/{id}`` reports the state (``jobType: V2Query``) and
  ``numberRecordsProcessed``, the number of rows the query returned.
* ``GET jobs/query/{id}/results[?locator=&maxRecords=]`` answers one set of rows as CSV, every
  value quoted, headed by the selected field names as written in the query
  (``bpats__Job__r.Name``); a null is an empty string. ``Sforce-NumberOfRecords`` counts the rows
  of this set; ``Sforce-Locator`` is the locator of the next set, or the text ``null`` after the
  last. A locator may be used again as long as the job exists.
* ``PATCH jobs/query/{id}`` with ``Aborted`` stops a job that has not completed; ``DELETE``
  removes a job that is not in progress; ``GET jobs/query`` lists the query jobs.

Choices of this emulation:

* The query runs when the job is created, against the data of that moment. The first ``GET`` of
  the job still reports ``InProgress`` and later ones ``JobComplete``, so a client's polling loop
  runs; results asked for before the job is seen complete answer 400 ``INVALIDJOBSTATE``.
* Without ``maxRecords`` a set holds at most :data:`DEFAULT_MAX_RECORDS` rows (Salesforce sizes
  sets by bytes; a fixed number keeps tests exact). Locators are base64 offsets, as Salesforce's
  are.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asymbl_sf.schema.ids import looks_like_id, make_id, to_18

from .bulk import DELIMITERS, JOB_PREFIX, LINE_ENDINGS
from .errors import ApiError
from .rules import format_datetime
from .soql import SoqlError, parse_query
from .soql.nodes import SelectAggregate, SelectField

if TYPE_CHECKING:
    from .http import HttpRequest, HttpResponse, LocalOrgServer

#: Rows in one set of results when the request gives no ``maxRecords``.
DEFAULT_MAX_RECORDS = 100_000
OPERATIONS = ("query", "queryAll")


def _response() -> type[HttpResponse]:
    from .http import HttpResponse

    return HttpResponse


@dataclass
class QueryJob:
    """One query job: its settings and, from creation on, every row of its answer."""

    id: str
    operation: str
    object: str
    query: str
    line_ending: str
    column_delimiter: str
    api_version: float
    created_by: str
    created_date: str
    modstamp: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    state: str = "JobComplete"
    #: GETs that still report ``InProgress`` although the rows are ready.
    pending_polls: int = 1

    def visible_state(self) -> str:
        ready = self.pending_polls == 0 or self.state != "JobComplete"
        return self.state if ready else "InProgress"

    def info(self, state: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": self.created_date,
            "systemModstamp": self.modstamp,
            "state": state or self.visible_state(),
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": self.api_version,
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }

    def full_info(self, state: str) -> dict[str, Any]:
        body = self.info(state)
        body.update(
            {
                "jobType": "V2Query",
                "numberRecordsProcessed": len(self.rows),
                "retries": 0,
                "totalProcessingTime": 0,
                "isPkChunkingSupported": True,
            }
        )
        return body


# -- handlers -----------------------------------------------------------------------------------


def create_job(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    body = request.json()
    if not isinstance(body, dict):
        raise _invalid_job("The request body must be a JSON object")
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise _invalid_job(f"InvalidJob : Invalid operation: {operation}")
    soql = body.get("query")
    if not isinstance(soql, str) or not soql.strip():
        raise _invalid_job("InvalidJob : The query is required")
    if body.get("contentType", "CSV") != "CSV":
        raise _invalid_job(f"InvalidJob : Unsupported content type: {body.get('contentType')}")
    line_ending = body.get("lineEnding", "LF")
    if line_ending not in LINE_ENDINGS:
        raise _invalid_job(f"InvalidJob : Invalid lineEnding: {line_ending}")
    delimiter = body.get("columnDelimiter", "COMMA")
    if delimiter not in DELIMITERS:
        raise _invalid_job(f"InvalidJob : Invalid columnDelimiter: {delimiter}")
    header, rows, sobject = _run(server, soql, include_deleted=operation == "queryAll")

    backend = server.backend
    serial = backend.store.counters.get(JOB_PREFIX, 0) + 1
    backend.store.counters[JOB_PREFIX] = serial
    now = format_datetime(backend.clock())
    job = QueryJob(
        id=make_id(JOB_PREFIX, serial),
        operation=operation,
        object=sobject,
        query=soql,
        line_ending=line_ending,
        column_delimiter=delimiter,
        api_version=float(match["version"]),
        created_by=backend.running_user_id or "005000000000000AAA",
        created_date=now,
        modstamp=now,
        header=header,
        rows=rows,
    )
    server.bulk_jobs[job.id] = job
    return _response().json(200, job.info("UploadComplete"))


def list_jobs(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    records = []
    for job in server.bulk_jobs.values():
        if isinstance(job, QueryJob):
            entry = job.info()
            entry["jobType"] = "V2Query"
            records.append(entry)
    return _response().json(200, {"done": True, "records": records, "nextRecordsUrl": None})


def get_job(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    state = job.visible_state()
    if job.pending_polls > 0:
        job.pending_polls -= 1
    return _response().json(200, job.full_info(state))


def results(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    if job.visible_state() != "JobComplete":
        raise ApiError.single(
            400,
            "INVALIDJOBSTATE",
            f"Job {job.id} is in state {job.visible_state()}; results exist once it is JobComplete",
        )
    start = _offset(request.param("locator"))
    size = _max_records(request.param("maxRecords"))
    page = job.rows[start : start + size]
    end = start + len(page)
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=DELIMITERS[job.column_delimiter],
        lineterminator=LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(job.header)
    writer.writerows(page)
    locator = _locator(end) if end < len(job.rows) else "null"
    return _response()(
        200,
        buffer.getvalue().encode("utf-8"),
        {
            "Content-Type": "text/csv; charset=UTF-8",
            "Sforce-NumberOfRecords": str(len(page)),
            "Sforce-Locator": locator,
        },
    )


def set_state(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    body = request.json()
    wanted = body.get("state") if isinstance(body, dict) else None
    current = job.visible_state()
    if wanted != "Aborted" or current not in ("UploadComplete", "InProgress"):
        raise ApiError.single(
            400, "INVALIDJOBSTATE", f"Invalid job state transition from {current} to {wanted}"
        )
    job.state = "Aborted"
    job.rows = []
    job.pending_polls = 0
    job.modstamp = format_datetime(server.backend.clock())
    return _response().json(200, job.info("Aborted"))


def delete_job(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    if job.visible_state() in ("UploadComplete", "InProgress"):
        raise ApiError.single(
            400,
            "INVALIDJOBSTATE",
            f"Job {job.id} is in state {job.visible_state()}; abort it first",
        )
    del server.bulk_jobs[job.id]
    return _response().empty(204)


# -- helpers ------------------------------------------------------------------------------------


def _invalid_job(message: str) -> ApiError:
    return ApiError.single(400, "INVALIDJOB", message)


def _job(server: LocalOrgServer, match: re.Match[str]) -> QueryJob:
    job = server.bulk_jobs.get(match["job"])
    if not isinstance(job, QueryJob) and looks_like_id(match["job"]):
        job = server.bulk_jobs.get(to_18(match["job"]))
    if not isinstance(job, QueryJob):
        raise ApiError.single(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def _run(
    server: LocalOrgServer, soql: str, *, include_deleted: bool
) -> tuple[list[str], list[list[str]], str]:
    """Header, CSV rows and object name of ``soql``'s answer."""
    try:
        parsed = parse_query(soql)
    except SoqlError as exc:
        raise ApiError.single(400, exc.error_code, exc.message) from None
    if parsed.group_by or any(isinstance(item, SelectAggregate) for item in parsed.select):
        raise _invalid_job(
            "InvalidJob : Aggregate functions such as COUNT() are not supported "
            "by Bulk API 2.0 query"
        )
    if parsed.offset is not None:
        raise _invalid_job("InvalidJob : OFFSET is not supported by Bulk API 2.0 query")
    result = server.backend.query(soql, include_deleted=include_deleted)
    paths = [item.path.parts for item in parsed.select if isinstance(item, SelectField)]
    header = [".".join(parts) for parts in paths]
    rows = [[_cell(_value(record, parts)) for parts in paths] for record in result.records]
    describe = server.backend.sobject_describe(parsed.sobject)
    return header, rows, describe.name


def _value(record: dict[str, Any], parts: tuple[str, ...]) -> Any:
    """The value at a selected path; keys are matched without regard to case, as SOQL does."""
    current: Any = record
    for part in parts:
        if not isinstance(current, dict):
            return None
        current = next((v for k, v in current.items() if k.lower() == part.lower()), None)
    return current


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode("ascii")).decode("ascii").rstrip("=")


def _offset(locator: str | None) -> int:
    if not locator:
        return 0
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded, validate=True).decode("ascii"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiError.single(
            400, "INVALID_QUERY_LOCATOR", f"invalid query locator: {locator[:40]}"
        ) from None


def _max_records(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_MAX_RECORDS
    if not value.isdigit() or int(value) < 1:
        raise ApiError.single(
            400, "INVALIDJOB", f"InvalidJob : maxRecords must be a positive integer, got {value!r}"
        )
    return int(value)
