"""Bulk API 2.0, ingest and query, over :class:`~asymbl_sf.salesforce.api.SalesforceApi`.

simple-salesforce's ``sf.bulk2`` sleeps five seconds before its first poll and reads the job
again after it completes; here every request goes through the api's one boundary (counted in
``api.usage``, errors translated, reads retried, an expired session renewed) and polling backs
off from half a second, so a job on a fast org costs: create, upload, close, two polls and the
two result downloads (seven calls); a query job: create, two polls, one call per set of results.

Writes are never repeated blindly. A job is only processed once it is closed, so a failed upload
abandons the job (an open job is never processed) and the rows go up again in a new one; a close
whose answer was lost is checked by reading the job before it is sent again.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import requests

from asymbl_sf.errors import SalesforceError, TransientError

from .api import SalesforceApi
from .retry import RetryPolicy

#: Bytes of CSV in one upload (Salesforce takes at most 150 MB of base64 per job upload;
#: simple-salesforce and Salesforce's guidance stop at 100 MB).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
#: Rows per set of query results asked for: bounds the memory one download takes.
QUERY_PAGE_ROWS = 200_000
_FINISHED = ("JobComplete", "Failed", "Aborted")


@dataclass
class IngestResult:
    """A finished ingest job: its state and where its per-row results are."""

    job_id: str
    state: str
    error_message: str | None = None
    processed: int = 0
    failed: int = 0


class Bulk2:
    """Bulk API 2.0 jobs through one :class:`SalesforceApi`.

    ``retry`` bounds how often a failed create or upload is tried again (and its ``sleep`` is
    used for polling too, so tests run without waiting); ``max_wait`` is how long to poll one job
    before giving up.
    """

    def __init__(
        self,
        api: SalesforceApi,
        *,
        retry: RetryPolicy | None = None,
        max_wait: float = 3600.0,
        first_poll: float = 0.5,
        max_poll: float = 30.0,
    ) -> None:
        self.api = api
        self.retry = retry or RetryPolicy()
        self.max_wait = max_wait
        self.first_poll = first_poll
        self.max_poll = max_poll

    @property
    def _sleep(self) -> Callable[[float], None]:
        return self.retry.sleep

    # -- ingest ---------------------------------------------------------------------------------

    def insert(
        self, sobject: str, header: list[str], rows: Iterable[list[str]]
    ) -> IngestResult | None:
        """Insert ``rows`` (values in ``header`` order; ``""`` leaves a field unset) in one job;
        see :meth:`ingest`."""
        return self.ingest(sobject, header, rows, operation="insert")

    def ingest(
        self,
        sobject: str,
        header: list[str],
        rows: Iterable[list[str]],
        *,
        operation: str = "insert",
    ) -> IngestResult | None:
        """Run ``rows`` (values in ``header`` order, made with :func:`csv_cell`) through one
        ingest job of ``operation`` (``insert``; ``update``, whose ``header`` has ``Id``).

        ``rows`` is read once, so it may be a generator; it is uploaded in parts of at most
        :data:`MAX_UPLOAD_BYTES`. A job that cannot be created or filled is tried again with a
        new job (the rows wait in temporary files until the job is closed). No rows: no job,
        and None.
        """
        parts = _csv_parts(header, rows)
        if not parts:
            return None
        try:
            return self._ingest_parts(sobject, operation, parts)
        finally:
            for part in parts:
                part.close()

    def _ingest_parts(self, sobject: str, operation: str, parts: list[IO[bytes]]) -> IngestResult:
        last_error: TransientError | None = None
        for _attempt in range(max(self.retry.attempts, 1)):
            try:
                job_id = self._create_ingest(sobject, operation)
            except TransientError as exc:
                last_error = exc
                self._backoff(_attempt)
                continue
            try:
                for part in parts:
                    # Bytes, not the file: a call repeated after a session renewal must be able
                    # to send the body again.
                    part.seek(0)
                    data = part.read()
                    self.api.http(
                        "PUT",
                        self._url(f"jobs/ingest/{job_id}/batches"),
                        data=data,
                        headers={"Content-Type": "text/csv"},
                        kind="PUT jobs/ingest batches",
                    )
            except TransientError as exc:
                # The upload may or may not have landed; an open job is never processed, so
                # leaving it (and trying to abort it) is safe, and the rows go up in a new job.
                last_error = exc
                self._abandon(job_id)
                self._backoff(_attempt)
                continue
            self._close(job_id)
            return self._wait_ingest(job_id)
        assert last_error is not None
        raise last_error

    def ingest_results(self, job_id: str, kind: str) -> Iterator[dict[str, str]]:
        """Rows of ``successfulResults`` (``sf__Id``, ``sf__Created`` + the columns sent),
        ``failedResults`` (``sf__Id``, ``sf__Error`` + columns) or ``unprocessedrecords``."""
        response = self.api.http(
            "GET",
            self._url(f"jobs/ingest/{job_id}/{kind}"),
            headers={"Accept": "text/csv"},
            kind=f"GET jobs/ingest {kind}",
        )
        yield from csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))

    def _create_ingest(self, sobject: str, operation: str) -> str:
        body = {
            "object": sobject,
            "operation": operation,
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        answer = self.api.restful("jobs/ingest", method="POST", json=body)
        return str(answer["id"])

    def _close(self, job_id: str) -> None:
        for attempt in range(max(self.retry.attempts, 1)):
            try:
                self.api.restful(
                    f"jobs/ingest/{job_id}", method="PATCH", json={"state": "UploadComplete"}
                )
                return
            except TransientError:
                # Look before closing again: the close may have landed with its answer lost.
                state = self._job(f"jobs/ingest/{job_id}").get("state")
                if state != "Open":
                    return
                if attempt + 1 >= self.retry.attempts:
                    raise
                self._backoff(attempt)

    def _abandon(self, job_id: str) -> None:
        # An open job that is never closed is never processed: if the abort fails, nothing is
        # left to undo.
        with contextlib.suppress(SalesforceError):
            self.api.restful(f"jobs/ingest/{job_id}", method="PATCH", json={"state": "Aborted"})

    def _wait_ingest(self, job_id: str) -> IngestResult:
        info = self._wait(f"jobs/ingest/{job_id}")
        return IngestResult(
            job_id,
            str(info.get("state")),
            info.get("errorMessage"),
            int(info.get("numberRecordsProcessed") or 0),
            int(info.get("numberRecordsFailed") or 0),
        )

    # -- query ----------------------------------------------------------------------------------

    def query(
        self, soql: str, *, include_deleted: bool = False, page_rows: int = QUERY_PAGE_ROWS
    ) -> Iterator[dict[str, str]]:
        """Every row of ``soql`` as a dict of strings (``""`` for null), one set at a time."""
        operation = "queryAll" if include_deleted else "query"
        job_id = self._create_query(soql, operation)
        info = self._wait(f"jobs/query/{job_id}")
        if info.get("state") != "JobComplete":
            raise SalesforceError(
                f"the Bulk API query job {job_id} ended {info.get('state')}: "
                f"{info.get('errorMessage') or 'no reason given'}",
                error_code="BULK_JOB_FAILED",
            )
        locator = ""
        while True:
            params: dict[str, Any] = {"maxRecords": page_rows}
            if locator:
                params["locator"] = locator
            response = self.api.http(
                "GET",
                self._url(f"jobs/query/{job_id}/results"),
                params=params,
                headers={"Accept": "text/csv"},
                kind="GET jobs/query results",
                stream=True,  # a set of 200,000 rows is read as it arrives, never held whole
            )
            try:
                yield from csv.DictReader(_lines(response))
            finally:
                response.close()
            locator = response.headers.get("Sforce-Locator", "null")
            if not locator or locator == "null":
                return

    def _create_query(self, soql: str, operation: str) -> str:
        body = {
            "operation": operation,
            "query": soql,
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        for attempt in range(max(self.retry.attempts, 1)):
            try:
                answer = self.api.restful("jobs/query", method="POST", json=body)
                return str(answer["id"])
            except TransientError:
                # A query job changes nothing: one created twice costs a job, never data.
                if attempt + 1 >= self.retry.attempts:
                    raise
                self._backoff(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- shared ---------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.api.sf.base_url}{path}"

    def _job(self, path: str) -> dict[str, Any]:
        return dict(self.api.restful(path) or {})

    def _wait(self, path: str) -> dict[str, Any]:
        """Poll the job until it is finished; the wait doubles up to ``max_poll`` seconds."""
        waited, delay = 0.0, self.first_poll
        while True:
            self._sleep(delay)
            waited += delay
            info = self._job(path)
            if info.get("state") in _FINISHED:
                return info
            if waited >= self.max_wait:
                raise TransientError(
                    f"the Bulk API job {path.rsplit('/', 1)[-1]} was still {info.get('state')} "
                    f"after {int(waited)} s; run the same command again later to pick up what "
                    "it did",
                    error_code="BULK_JOB_TIMEOUT",
                )
            delay = min(delay * 2, self.max_poll)

    def _backoff(self, attempt: int) -> None:
        delays = self.retry.delays()
        if delays:
            self._sleep(delays[min(attempt, len(delays) - 1)])


def bulk_error(text: str, sobject: str) -> tuple[str, str, str | None]:
    """``CODE:message:Field1,Field2 --`` (as failedResults writes ``sf__Error``) → parts."""
    body = text.strip().removesuffix("--").strip()
    code, _, rest = body.partition(":")
    message, _, fields = rest.rpartition(":")
    if not message or " " in fields.strip():
        message, fields = rest, ""
    first = fields.strip().split(",")[0] if fields.strip() else None
    return (
        code.strip() or "UNKNOWN",
        message.strip() or text,
        f"{sobject}.{first}" if first else None,
    )


def _lines(response: requests.Response) -> Iterator[str]:
    """The response's text, line by line with its line ending (what :mod:`csv` needs to read a
    quoted value spanning lines), decoded as it arrives."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    for chunk in response.iter_content(1 << 16):
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def csv_cell(value: Any, *, clear: bool = False) -> str:
    """A value as a Bulk API CSV cell. ``""`` leaves a field unset (insert) or unchanged
    (update); with ``clear``, None becomes ``#N/A``, which empties the field."""
    if value is None:
        return "#N/A" if clear else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_parts(header: list[str], rows: Iterable[list[str]]) -> list[IO[bytes]]:
    """The rows as CSV uploads of at most :data:`MAX_UPLOAD_BYTES` each, every one starting
    with the header row, in temporary files (memory stays flat however many rows there are)."""
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\n")

    def encode(values: list[str]) -> bytes:
        line.seek(0)
        line.truncate()
        writer.writerow(values)
        return line.getvalue().encode("utf-8")

    head = encode(header)
    parts: list[IO[bytes]] = []
    part: IO[bytes] | None = None
    size = 0
    for row in rows:
        data = encode(row)
        if part is None or size + len(data) > MAX_UPLOAD_BYTES:
            part = tempfile.TemporaryFile()  # noqa: SIM115 - closed by insert() after the job
            part.write(head)
            parts.append(part)
            size = len(head)
        part.write(data)
        size += len(data)
    return parts
