"""Bulk API 2.0 ingest: create a job, upload CSV, close it, poll it, download per-row results.

The flow Salesforce documents, with its states and error codes:

* ``POST jobs/ingest`` opens a job (``Open``) for one object and one operation (``insert``,
  ``update``, ``upsert`` by ``externalIdFieldName``, ``delete``, ``hardDelete``).
* ``PUT jobs/ingest/{id}/batches`` uploads CSV while the job is ``Open``; several uploads append
  (each starts with the same header row).
* ``PATCH jobs/ingest/{id}`` with ``UploadComplete`` closes it and the org processes every row;
  with ``Aborted`` nothing more is processed and the rows not processed go to
  ``unprocessedrecords``.
* ``GET jobs/ingest/{id}`` reports the state and ``numberRecordsProcessed`` (successes *and*
  failures, as Salesforce counts) / ``numberRecordsFailed``.
* ``successfulResults`` / ``failedResults`` / ``unprocessedrecords`` answer CSV with every value
  quoted: ``sf__Id, sf__Created`` or ``sf__Id, sf__Error`` followed by the original columns.

Choices of this emulation (see also the test file):

* Rows are processed synchronously when the job is closed, so the data is in the org as soon as
  the close answers. The first ``GET`` of the job after closing still reports ``InProgress`` and
  later ones ``JobComplete`` (or ``Failed``), so a client's polling loop runs.
* Each row goes through ``backend.create`` / ``update`` / ``delete``, so every rule and error code
  of the org applies; record faults of the fault plan apply per row (as on the REST paths). A
  failed row never stops the others; there is no ``allOrNone``. Rows are processed in upload
  order and results keep that order (Salesforce does not promise any order).
* Problems with the file as a whole fail the job (state ``Failed``, ``errorMessage``, nothing
  processed, every row in ``unprocessedrecords``), as Salesforce does: a column that names no
  field (``InvalidBatch : Field name not found : X``), a missing ``Id`` column for
  update/delete, a missing external id column for upsert, a line ending other than the job's,
  a malformed CSV or a row whose column count differs from the header's, uploads whose headers
  differ, or no data at all.
* Relationship columns are emulated: ``bpats__Job__r.Name`` (or polymorphic
  ``Type:Owner.Field``) finds the parent by an external id or idLookup field of the parent
  object; no match fails the row (``INVALID_FIELD:Foreign key external ID: ... not found``).
* An empty cell leaves the field unset (insert) or unchanged (update); ``#N/A`` sets it null.
* Results of a job still ``Open`` are refused with 400 ``INVALIDJOBSTATE``; once closed the
  results are complete (Salesforce would answer with what is done so far).
* An abort after closing leaves the rows already processed (here: all of them) processed.
* ``hardDelete`` deletes and then removes the record from the store, so ``queryAll`` no longer
  sees it.
* Results use the job's column delimiter and line ending.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asymbl_sf.schema import FieldDescribe, SObjectDescribe
from asymbl_sf.schema.ids import looks_like_id, make_id, to_18

from .errors import ApiError, RecordError, RecordRejected
from .rules import format_datetime

if TYPE_CHECKING:
    from .backend import OrgBackend
    from .http import HttpRequest, HttpResponse, LocalOrgServer

JOB_PREFIX = "750"
OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
#: Salesforce refuses a single upload larger than 150 MB.
MAX_UPLOAD_BYTES = 150 * 1024 * 1024
#: The literal that sets a field to null in Bulk API CSV.
NULL_VALUE = "#N/A"
#: Job states in which the job may be deleted.
_DELETABLE = ("UploadComplete", "InProgress", "JobComplete", "Aborted", "Failed")
_XSD_TYPES = {
    "boolean": "boolean",
    "date": "date",
    "datetime": "dateTime",
    "double": "double",
    "currency": "double",
    "percent": "double",
    "int": "int",
    "long": "long",
}


def _response() -> type[HttpResponse]:
    from .http import HttpResponse

    return HttpResponse


class _JobFailure(Exception):
    """The file as a whole cannot be processed: the job ends ``Failed`` with this message."""


@dataclass
class BulkJob:
    """One ingest job and, once processed, its per-row outcomes."""

    id: str
    operation: str
    object: str
    external_id: str | None
    line_ending: str
    column_delimiter: str
    api_version: float
    created_by: str
    created_date: str
    modstamp: str
    state: str = "Open"
    uploads: list[bytes] = field(default_factory=list)
    header: list[str] | None = None
    #: (sf__Id, sf__Created, original row)
    successes: list[tuple[str, bool, list[str]]] = field(default_factory=list)
    #: (sf__Id, sf__Error, original row)
    failures: list[tuple[str, str, list[str]]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    error_message: str | None = None
    #: GETs that still report ``InProgress`` after the (synchronous) processing.
    pending_polls: int = 0
    processing_ms: int = 0

    @property
    def delimiter(self) -> str:
        return DELIMITERS[self.column_delimiter]

    @property
    def terminator(self) -> str:
        return LINE_ENDINGS[self.line_ending]

    def visible_state(self) -> str:
        return "InProgress" if self.pending_polls > 0 else self.state

    def info(self, state: str | None = None) -> dict[str, Any]:
        """The job info Salesforce answers a create, close or abort with."""
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": self.created_date,
            "systemModstamp": self.modstamp,
            "state": state or self.visible_state(),
        }
        if self.external_id:
            body["externalIdFieldName"] = self.external_id
        body.update(
            {
                "concurrencyMode": "Parallel",
                "contentType": "CSV",
                "apiVersion": self.api_version,
                "contentUrl": f"services/data/v{self.api_version:.1f}/jobs/ingest/{self.id}/batches",
                "lineEnding": self.line_ending,
                "columnDelimiter": self.column_delimiter,
            }
        )
        return body

    def full_info(self, state: str) -> dict[str, Any]:
        """The job info of ``GET jobs/ingest/{id}``: counts and processing times too."""
        body = self.info(state)
        body.update(
            {
                "jobType": "V2Ingest",
                "retries": 0,
                "numberRecordsProcessed": len(self.successes) + len(self.failures),
                "numberRecordsFailed": len(self.failures),
                "totalProcessingTime": self.processing_ms,
                "apiActiveProcessingTime": self.processing_ms,
                "apexProcessingTime": 0,
            }
        )
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body

    def list_entry(self) -> dict[str, Any]:
        body = self.info()
        body.pop("contentUrl", None)
        body["jobType"] = "V2Ingest"
        return body


# -- handlers -----------------------------------------------------------------------------------


def create_job(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    body = request.json()
    if not isinstance(body, dict):
        raise _invalid_job("The request body must be a JSON object")
    backend = server.backend
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise _invalid_job(f"InvalidJob : Invalid operation: {operation}")
    object_name = body.get("object")
    if not isinstance(object_name, str) or not object_name:
        raise _invalid_job("InvalidJob : Object is required")
    describe = backend.store.describe(object_name)
    if describe is None:
        raise _invalid_job(f"InvalidJob : Unable to find object: {object_name}")
    allowed = {
        "insert": describe.createable,
        "update": describe.updateable,
        "upsert": describe.createable and describe.updateable,
        "delete": describe.deletable,
        "hardDelete": describe.deletable,
    }[operation]
    if not allowed:
        raise _invalid_job(
            f"InvalidJob : Entity '{describe.name}' does not support the {operation} operation"
        )
    content_type = body.get("contentType", "CSV")
    if content_type != "CSV":
        raise _invalid_job(f"InvalidJob : Unsupported content type: {content_type}")
    line_ending = body.get("lineEnding", "LF")
    if line_ending not in LINE_ENDINGS:
        raise _invalid_job(f"InvalidJob : Invalid lineEnding: {line_ending}")
    delimiter = body.get("columnDelimiter", "COMMA")
    if delimiter not in DELIMITERS:
        raise _invalid_job(f"InvalidJob : Invalid columnDelimiter: {delimiter}")
    external_id = None
    if operation == "upsert":
        external_id = _external_id_field(describe, body.get("externalIdFieldName"))

    serial = backend.store.counters.get(JOB_PREFIX, 0) + 1
    backend.store.counters[JOB_PREFIX] = serial
    now = format_datetime(backend.clock())
    job = BulkJob(
        id=make_id(JOB_PREFIX, serial),
        operation=operation,
        object=describe.name,
        external_id=external_id,
        line_ending=line_ending,
        column_delimiter=delimiter,
        api_version=float(match["version"]),
        created_by=backend.running_user_id or "005000000000000AAA",
        created_date=now,
        modstamp=now,
    )
    server.bulk_jobs[job.id] = job
    return _response().json(200, job.info())


def list_jobs(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job_type = request.param("jobType")
    records = (
        []
        if job_type not in (None, "V2Ingest")
        else [job.list_entry() for job in server.bulk_jobs.values() if isinstance(job, BulkJob)]
    )
    return _response().json(200, {"done": True, "records": records, "nextRecordsUrl": None})


def upload(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    if job.state != "Open":
        raise ApiError.single(
            400,
            "INVALIDJOBSTATE",
            f"Job {job.id} is in state {job.visible_state()}; data can only be "
            "uploaded to an Open job",
        )
    content_type = request.headers.get("content-type", "text/csv")
    if not content_type.lower().startswith("text/csv"):
        raise ApiError.single(
            400,
            "INVALIDJOB",
            f"InvalidJob : Unsupported content type: {content_type}; expected text/csv",
        )
    if len(request.body) > MAX_UPLOAD_BYTES:
        raise ApiError.single(
            400, "INVALIDJOB", "InvalidJob : The upload exceeds the 150 MB limit of one upload"
        )
    job.uploads.append(bytes(request.body))
    return _response()(201, b"", {})


def set_state(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    body = request.json()
    wanted = body.get("state") if isinstance(body, dict) else None
    current = job.visible_state()
    if wanted == "UploadComplete":
        if job.state != "Open":
            raise _transition(current, wanted)
        _process(server.backend, server, job)
        job.pending_polls = 1
        job.modstamp = format_datetime(server.backend.clock())
        return _response().json(200, job.info("UploadComplete"))
    if wanted == "Aborted":
        if current not in ("Open", "UploadComplete", "InProgress"):
            raise _transition(current, wanted)
        if job.state == "Open":
            try:
                job.header, job.unprocessed = _parse(job, strict=False)
            except (_JobFailure, csv.Error):
                job.unprocessed = []
        job.state = "Aborted"
        job.pending_polls = 0
        job.modstamp = format_datetime(server.backend.clock())
        return _response().json(200, job.info("Aborted"))
    raise _transition(current, str(wanted))


def get_job(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    state = job.visible_state()
    if job.pending_polls > 0:
        job.pending_polls -= 1
    return _response().json(200, job.full_info(state))


def delete_job(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    if job.visible_state() not in _DELETABLE:
        raise ApiError.single(
            400,
            "INVALIDJOBSTATE",
            f"Job {job.id} is in state {job.visible_state()}; only a closed, "
            "completed, aborted or failed job can be deleted",
        )
    del server.bulk_jobs[job.id]
    return _response().empty(204)


def results(server: LocalOrgServer, request: HttpRequest, match: re.Match[str]) -> HttpResponse:
    job = _job(server, match)
    if job.state == "Open":
        raise ApiError.single(
            400, "INVALIDJOBSTATE", f"Job {job.id} is still Open; results exist once it is closed"
        )
    header = job.header or []
    kind = match["kind"].lower()
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=job.delimiter, lineterminator=job.terminator, quoting=csv.QUOTE_ALL
    )
    if kind == "successfulresults":
        writer.writerow(["sf__Id", "sf__Created", *header])
        writer.writerows(
            [rid, "true" if created else "false", *row] for rid, created, row in job.successes
        )
    elif kind == "failedresults":
        writer.writerow(["sf__Id", "sf__Error", *header])
        writer.writerows([rid, error, *row] for rid, error, row in job.failures)
    else:
        if header:
            writer.writerow(header)
        writer.writerows(job.unprocessed)
    return _response()(
        200, buffer.getvalue().encode("utf-8"), {"Content-Type": "text/csv; charset=UTF-8"}
    )


# -- job helpers --------------------------------------------------------------------------------


def _invalid_job(message: str) -> ApiError:
    return ApiError.single(400, "INVALIDJOB", message)


def _transition(current: str, wanted: str) -> ApiError:
    return ApiError.single(
        400, "INVALIDJOBSTATE", f"Invalid job state transition from {current} to {wanted}"
    )


def _job(server: LocalOrgServer, match: re.Match[str]) -> BulkJob:
    job = server.bulk_jobs.get(match["job"])
    if not isinstance(job, BulkJob) and looks_like_id(match["job"]):
        job = server.bulk_jobs.get(to_18(match["job"]))
    if not isinstance(job, BulkJob):
        raise ApiError.single(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def _external_id_field(describe: SObjectDescribe, name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise _invalid_job(
            f"InvalidJob : External ID was blank for {describe.name}. An External "
            "ID must be specified for upsert."
        )
    fd = describe.field(name)
    if fd is None or not (fd.type == "id" or fd.externalId or fd.idLookup):
        raise _invalid_job(
            f"InvalidJob : Field name provided, {name} does not match an External "
            f"ID, Salesforce Id, or indexed field for {describe.name}"
        )
    return fd.name


# -- parsing ------------------------------------------------------------------------------------


def _parse(job: BulkJob, strict: bool = True) -> tuple[list[str], list[list[str]]]:
    """The header and rows of every upload; raises :class:`_JobFailure` for a bad file.

    ``strict=False`` reads what it can (for ``unprocessedrecords`` of a failed job): no line
    ending or column count checks.
    """
    header: list[str] | None = None
    rows: list[list[str]] = []
    for data in job.uploads:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _JobFailure("ClientInputError : The uploaded data is not valid UTF-8") from None
        first_newline = text.find("\n")
        if first_newline >= 0 and strict:
            crlf = first_newline > 0 and text[first_newline - 1] == "\r"
            if crlf != (job.line_ending == "CRLF"):
                raise _JobFailure(
                    "ClientInputError : LineEnding is invalid on user data. Current "
                    f"LineEnding setting is {job.line_ending}"
                )
        if not strict and job.line_ending == "LF":
            text = text.replace("\r\n", "\n")
        reader = csv.reader(io.StringIO(text), delimiter=job.delimiter, strict=strict)
        try:
            upload_header = next(reader, None)
            if upload_header is None:
                continue
            if header is None:
                header = upload_header
            elif upload_header != header:
                raise _JobFailure(
                    "InvalidBatch : Every upload of a job must have the same header "
                    f"row; expected {header}, got {upload_header}"
                )
            width = len(header)
            for row in reader:
                if len(row) != width:
                    if not row:
                        continue  # a blank line
                    if not strict:
                        row = (row + [""] * width)[:width]
                        rows.append(row)
                        continue
                    raise _JobFailure(
                        f"ClientInputError : Row {len(rows) + 1} has {len(row)} columns but the "
                        f"header has {width}"
                    )
                rows.append(row)
        except csv.Error as exc:
            raise _JobFailure(f"ClientInputError : Malformed CSV: {exc}") from None
    if header is None:
        raise _JobFailure("InvalidBatch : Unable to find any data to create batch")
    return header, rows


# -- processing ---------------------------------------------------------------------------------


@dataclass
class _Relationship:
    """A ``Rel.Field`` column: the parent is found by ``target_field`` of ``target``."""

    column: int
    reference_field: str
    target: SObjectDescribe
    target_field: FieldDescribe


@dataclass
class _Plan:
    """How the columns of a job's header map to fields."""

    describe: SObjectDescribe
    id_column: int | None
    fields: list[tuple[int, str]]  # plain columns other than Id: (column, field name)
    relationships: list[_Relationship]
    external: tuple[int, FieldDescribe] | None = None


def _plan(backend: OrgBackend, job: BulkJob, header: list[str]) -> _Plan:
    describe = backend.sobject_describe(job.object)
    id_column: int | None = None
    fields: list[tuple[int, str]] = []
    relationships: list[_Relationship] = []
    seen: set[str] = set()
    for column, raw in enumerate(header):
        name = raw.strip()
        if name.lower() in seen:
            raise _JobFailure(f"InvalidBatch : Duplicate field name: {name}")
        seen.add(name.lower())
        if "." in name:
            relationships.append(_relationship(backend, describe, column, name))
            continue
        fd = describe.field(name)
        if fd is None:
            raise _JobFailure(f"InvalidBatch : Field name not found : {name}")
        if fd.type == "id":
            id_column = column
        else:
            fields.append((column, fd.name))
    plan = _Plan(describe, id_column, fields, relationships)
    if job.operation in ("update", "delete", "hardDelete") and id_column is None:
        raise _JobFailure("InvalidBatch : Field name not found : Id")
    if job.operation == "upsert":
        ext = describe.field(job.external_id or "Id")
        assert ext is not None
        ext_column = (
            id_column if ext.type == "id" else next((c for c, n in fields if n == ext.name), None)
        )
        if ext_column is None:
            raise _JobFailure(f"InvalidBatch : Field name not found : {ext.name}")
        plan.external = (ext_column, ext)
    return plan


def _relationship(
    backend: OrgBackend, describe: SObjectDescribe, column: int, name: str
) -> _Relationship:
    path, _, target_name = name.rpartition(".")
    type_name, _, relationship = path.rpartition(":")
    reference = describe.relationship(relationship)
    if reference is None or "." in relationship:
        raise _JobFailure(f"InvalidBatch : Field name not found : {name}")
    targets = reference.referenceTo
    if type_name:
        matching = [t for t in targets if t.lower() == type_name.lower()]
        if not matching:
            raise _JobFailure(f"InvalidBatch : Field name not found : {name}")
        target = backend.store.describe(matching[0])
    elif len(targets) == 1:
        target = backend.store.describe(targets[0])
    else:
        raise _JobFailure(
            f"InvalidBatch : The polymorphic relationship {relationship} needs the "
            f"parent's type: ObjectType:{relationship}.{target_name}"
        )
    if target is None:
        raise _JobFailure(f"InvalidBatch : Field name not found : {name}")
    target_field = target.field(target_name)
    if target_field is None or not (
        target_field.type == "id" or target_field.externalId or target_field.idLookup
    ):
        raise _JobFailure(
            f"InvalidBatch : Field name not found : {name} (a relationship column "
            "must name an external id or idLookup field of the parent)"
        )
    return _Relationship(column, reference.name, target, target_field)


def _error_text(errors: list[RecordError]) -> str:
    """``CODE:message:fields --`` the way failedResults writes sf__Error."""
    parts = []
    for error in errors:
        fields = ",".join(error.fields)
        parts.append(f"{error.error_code}:{error.message}:{fields + ' ' if fields else ''}--")
    return " ".join(parts)


def _process(backend: OrgBackend, server: LocalOrgServer, job: BulkJob) -> None:
    start = time.perf_counter()
    rows: list[list[str]] = []
    try:
        job.header, rows = _parse(job)
        plan = _plan(backend, job, job.header)
    except _JobFailure as exc:
        job.state = "Failed"
        job.error_message = str(exc)
        if not rows:
            try:
                job.header, rows = _parse(job, strict=False)
            except (_JobFailure, csv.Error):
                rows = []
        job.unprocessed = rows
        job.processing_ms = int((time.perf_counter() - start) * 1000)
        return
    operation = _operation(backend, server, job, plan)
    id_column = plan.id_column
    successes, failures = job.successes, job.failures
    for row in rows:
        try:
            record_id, created = operation(row)
            successes.append((record_id, created, row))
        except RecordRejected as exc:
            failures.append((_failed_id(exc, row, id_column), _error_text(exc.errors), row))
        except ApiError as exc:
            errors = _translate(backend, plan, row, exc)
            failures.append((_failed_id(exc, row, id_column), _error_text(errors), row))
    job.state = "JobComplete"
    job.processing_ms = int((time.perf_counter() - start) * 1000)


def _failed_id(exc: Exception, row: list[str], id_column: int | None) -> str:
    found = getattr(exc, "record_id", None)
    if found:
        return str(found)
    return row[id_column] if id_column is not None else ""


def _translate(
    backend: OrgBackend, plan: _Plan, row: list[str], exc: ApiError
) -> list[RecordError]:
    """Bulk's per-row wording for errors the REST layer reports as whole-call failures."""
    out: list[RecordError] = []
    for error in exc.errors:
        if error.error_code == "JSON_PARSER_ERROR":
            out.append(_deserialize_error(backend, plan, row) or error)
        elif error.error_code == "NOT_FOUND":
            out.append(RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"))
        else:
            out.append(error)
    return out


def _deserialize_error(backend: OrgBackend, plan: _Plan, row: list[str]) -> RecordError | None:
    """The column whose value cannot be read as its field's type, worded as Bulk words it."""
    for column, name in plan.fields:
        value = row[column]
        if value in ("", NULL_VALUE):
            continue
        fd = plan.describe.field(name)
        assert fd is not None
        try:
            backend.rules._coerce(plan.describe, fd, value)
        except ApiError:
            xsd = _XSD_TYPES.get(fd.type, "string")
            return RecordError(
                "INVALID_FIELD",
                f"Failed to deserialize field at col {column + 1}. Due to, "
                f"'{value}' is not a valid value for the type xsd:{xsd}",
                (fd.name,),
            )
    return None


class _RowRejected(RecordRejected):
    """A row refused before or after reaching the backend, remembering the record it concerns."""

    def __init__(self, errors: list[RecordError], record_id: str | None = None) -> None:
        super().__init__(errors)
        self.record_id = record_id


def _operation(
    backend: OrgBackend, server: LocalOrgServer, job: BulkJob, plan: _Plan
) -> Callable[[list[str]], tuple[str, bool]]:
    """The function applying one row: ``row -> (record id, created)``."""
    sobject = plan.describe.name
    fields = plan.fields
    relationships = plan.relationships
    store = backend.store
    faults = server.faults
    id_column = plan.id_column

    def body_of(row: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for column, name in fields:
            value = row[column]
            if value:
                body[name] = None if value == NULL_VALUE else value
        for rel in relationships:
            value = row[rel.column]
            if value:
                body[rel.reference_field] = (
                    None if value == NULL_VALUE else _parent_id(store, rel, value)
                )
        if faults.record_faults:
            fault = faults.record_fault(sobject, body)
            if fault is not None:
                raise RecordRejected([RecordError(fault.error_code, fault.message, fault.fields)])
        return body

    def record_id_of(row: list[str]) -> str:
        assert id_column is not None
        value = row[id_column].strip()
        if not value:
            raise RecordRejected(
                [RecordError("MISSING_ARGUMENT", "Id not specified in an update call", ("Id",))]
            )
        if not looks_like_id(value) or to_18(value)[:3] != plan.describe.keyPrefix:
            raise RecordRejected(
                [
                    RecordError(
                        "MALFORMED_ID",
                        f"{sobject} ID: id value of incorrect type: {value}",
                        ("Id",),
                    )
                ]
            )
        return to_18(value)

    def insert(row: list[str]) -> tuple[str, bool]:
        if id_column is not None and row[id_column].strip():
            raise RecordRejected(
                [RecordError("INVALID_FIELD", "cannot specify Id in an insert call", ("Id",))]
            )
        return str(backend.create(sobject, body_of(row))["Id"]), True

    def update(row: list[str]) -> tuple[str, bool]:
        record_id = record_id_of(row)
        body = body_of(row)
        return str(backend.update(sobject, record_id, body)["Id"]), False

    def delete(row: list[str]) -> tuple[str, bool]:
        record_id = record_id_of(row)
        backend.delete(sobject, record_id)
        return record_id, False

    def hard_delete(row: list[str]) -> tuple[str, bool]:
        record_id, _ = delete(row)
        _purge(backend, sobject, record_id)
        return record_id, False

    def upsert(row: list[str]) -> tuple[str, bool]:
        assert plan.external is not None
        column, ext = plan.external
        value = row[column].strip()
        if ext.type == "id":
            if not value:
                return insert(row)
            return update(row)
        if not value or value == NULL_VALUE:
            raise RecordRejected(
                [RecordError("MISSING_ARGUMENT", f"{ext.name} not specified", (ext.name,))]
            )
        body = body_of(row)
        found = _live(store.lookup(sobject, ext.name, [value]), store, sobject, ext, value)
        if not found:
            return str(backend.create(sobject, body)["Id"]), True
        if len(found) > 1:
            ids = ", ".join(r["Id"] for r in found)
            raise RecordRejected(
                [
                    RecordError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"{ext.name}: more than one record found for external id field: [{ids}]",
                        (ext.name,),
                    )
                ]
            )
        record_id = found[0]["Id"]
        body.pop(ext.name, None)
        try:
            return str(backend.update(sobject, record_id, body)["Id"]), False
        except RecordRejected as exc:
            raise _RowRejected(exc.errors, record_id) from None

    return {
        "insert": insert,
        "update": update,
        "upsert": upsert,
        "delete": delete,
        "hardDelete": hard_delete,
    }[job.operation]


def _live(
    rows: list[dict[str, Any]] | None, store: Any, sobject: str, fd: FieldDescribe, value: str
) -> list[dict[str, Any]]:
    """Records (not deleted) whose ``fd`` equals ``value``; scans when the field has no index."""
    if rows is None:
        wanted = value if fd.caseSensitive else value.lower()
        rows = [
            r
            for r in store.all(sobject)
            if isinstance(r.get(fd.name), str)
            and (r[fd.name] if fd.caseSensitive else r[fd.name].lower()) == wanted
        ]
    return [r for r in rows if not r.get("IsDeleted")]


def _parent_id(store: Any, rel: _Relationship, value: str) -> str:
    target, fd = rel.target, rel.target_field
    if fd.type == "id":
        record = store.get(target.name, to_18(value)) if looks_like_id(value) else None
        found = [record] if record is not None and not record.get("IsDeleted") else []
    else:
        found = _live(store.lookup(target.name, fd.name, [value]), store, target.name, fd, value)
    if len(found) == 1:
        return str(found[0]["Id"])
    if not found:
        raise RecordRejected(
            [
                RecordError(
                    "INVALID_FIELD",
                    f"Foreign key external ID: {value} not found for field {fd.name} in "
                    f"entity {target.name}",
                    (rel.reference_field,),
                )
            ]
        )
    raise RecordRejected(
        [
            RecordError(
                "INVALID_FIELD",
                f"Foreign key external ID: {value} matched more than one record for "
                f"field {fd.name} in entity {target.name}",
                (rel.reference_field,),
            )
        ]
    )


def _purge(backend: OrgBackend, sobject: str, record_id: str) -> None:
    """Remove a (soft-deleted) record from the store: what ``hardDelete`` leaves behind."""
    store = backend.store
    record = store.tables.get(sobject, {}).pop(record_id, None)
    if record is not None:
        store._unindex(sobject, record)
        store.version += 1
