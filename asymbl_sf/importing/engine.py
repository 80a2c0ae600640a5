"""One import run, from input file to results file: read, plan, write through the core, report.

1. **Read** the input (streamed), skipping lines an earlier run finished (or, with
   ``retry_from``, every line except the failed and blocked ones), and plan each record offline
   with the write core's planner. Planned rows wait in the run state (a temporary database), and
   so do the rows that could not be planned (their results come out in input order later).
2. **Choose the API**: ``auto`` takes Bulk API 2.0 above ``bulk_threshold`` planned rows.
3. **Write** through the write core, chunk by chunk over REST
   (:class:`~asymbl_sf.writes.batch.BatchWriter`), or with two Bulk API jobs for the Contacts
   and applications (:class:`~asymbl_sf.writes.bulk_run.BulkWriter`) and a REST pass for files
   and Tasks. Results are appended and flushed per chunk, in input order.

``REQUEST_LIMIT_EXCEEDED`` (or a session that cannot be renewed) stops the run cleanly: the rows
done so far are in the results file, the summary says why it stopped, and the same command
resumes. Every write is preceded by lookups, so a rerun never creates anything twice, with or
without the results file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from asymbl_sf.attachments.fetch import FetchPolicy
from asymbl_sf.errors import AuthenticationError, ConfigurationError, RequestLimitError
from asymbl_sf.mapping import Mapping
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.bulk import Bulk2
from asymbl_sf.salesforce.collections import CollectionWriter
from asymbl_sf.salesforce.retry import RetryPolicy
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.names import APPLICANT, CONTACT, CONTENT_VERSION, TASK
from asymbl_sf.state.ledger import CreatedLedger, PendingClaims
from asymbl_sf.writes.batch import BatchWriter, ChunkResult
from asymbl_sf.writes.bulk_run import BulkWriter
from asymbl_sf.writes.decide import Decider
from asymbl_sf.writes.facts import FactFinder
from asymbl_sf.writes.jobs import Job, JobBook
from asymbl_sf.writes.outcome import ResultRow, failed_row
from asymbl_sf.writes.plan import INVALID_RECORD, PlanError, PlannedRow, Planner, RowInput
from asymbl_sf.writes.rules import WriteRules
from asymbl_sf.writes.scan import OrgScanOf, scan_org
from asymbl_sf.writes.state import RunState

from .columns import column_map_for
from .progress import DRY_RUN, READING, WRITING, ImportProgress, ProgressCallback
from .results import (
    PreviousOutcomes,
    ResultsFormat,
    ResultsWriter,
    default_results_path,
    read_outcomes,
)
from .sources import Format, Source, SourceRecord, describe_source, read_records
from .summary import STOPPED_AUTHENTICATION, STOPPED_REQUEST_LIMIT, ImportSummary

#: Above this many rows to write, ``api="auto"`` uses Bulk API 2.0 (see docs/importing.md).
BULK_THRESHOLD = 10_000
#: Rows decided and written together over REST (and read from the input between writes).
CHUNK_SIZE = 2_000
APIS = ("auto", "rest", "bulk")


@dataclass
class ImportOptions:
    """Everything an import can be told: the one declaration of the import's options (the
    client's ``import_records`` takes them as keywords, the CLI fills them from its flags)."""

    #: ``json`` (an array), ``jsonl`` or ``csv``; None: from the file name or first character.
    format: Format | None = None
    #: The job of records that name none: a Salesforce id or ``remote:<value>``.
    job_id: str | None = None
    #: ``kombo``, ``merge`` or ``truto``; None: detected per record.
    dialect: str | None = None
    #: ``auto`` (Bulk API 2.0 above ``bulk_threshold`` rows), ``rest`` or ``bulk``.
    api: str = "auto"
    #: Read the org, write nothing: the results file holds each row's planned outcome.
    dry_run: bool = False
    #: The results file (default: ``<input>.results.jsonl``; a dry run ``.dry-run.jsonl``).
    results: str | Path | None = None
    results_format: ResultsFormat = "jsonl"
    #: A results file of an earlier run: import only its failed and blocked rows again.
    retry_from: str | Path | None = None
    #: A YAML column map for CSV input (or the mapping's ``csv:`` section).
    column_map: str | Path | None = None
    #: API requests in flight at once.
    max_concurrency: int = 4
    #: Called with an :class:`ImportProgress` after every chunk of every phase.
    progress: ProgressCallback | None = None
    #: How transient failures are retried (default: the client's).
    retry: RetryPolicy | None = None
    chunk_size: int = CHUNK_SIZE
    bulk_threshold: int = BULK_THRESHOLD

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def check(self) -> None:
        if self.api not in APIS:
            raise ConfigurationError(f"unknown api {self.api!r}: use auto, rest or bulk")
        if self.max_concurrency < 1:
            raise ConfigurationError("max_concurrency must be at least 1")
        if self.chunk_size < 1:
            raise ConfigurationError("chunk_size must be at least 1")
        if self.results_format not in ("jsonl", "csv"):
            raise ConfigurationError(
                f"unknown results format {self.results_format!r}: use jsonl or csv"
            )


def run_import(
    api: SalesforceApi,
    mapping: Mapping,
    source: Source,
    options: ImportOptions,
    *,
    ledger: CreatedLedger | None = None,
    fetch_policy: FetchPolicy | None = None,
) -> ImportSummary:
    """Import ``source`` into the org behind ``api`` as ``options`` say; see the module doc.
    ``fetch_policy`` limits the downloads of files given by URL."""
    options.check()
    return ImportRun(api, mapping, source, options, ledger, fetch_policy).run()


class ImportRun:
    """One import: its input, results file, summary and progress around the write core."""

    def __init__(
        self,
        api: SalesforceApi,
        mapping: Mapping,
        source: Source,
        options: ImportOptions,
        ledger: CreatedLedger | None,
        fetch_policy: FetchPolicy | None = None,
    ) -> None:
        self.api = api
        self.fetch_policy = fetch_policy
        self.mapping = mapping
        self.source = source
        self.options = options
        self.ledger = ledger
        self.retry = options.retry or api.retry
        self.rules = WriteRules.of(mapping)
        if self.rules.match_field is None:
            raise ConfigurationError(
                "an import finds each candidate's Contact again by one field, so a rerun never "
                "creates it twice: give objects.Contact a match on one field, e.g. "
                "match: {on: [Email]}"
            )
        self.name = describe_source(source)
        self.summary = ImportSummary(dry_run=options.dry_run)
        self.summary.results_path = self._results_path()
        self.started = time.monotonic()
        self._phase: str | None = None
        self._phase_started = self.started
        #: When the last report went out: a phase's first report comes after its first chunk,
        #: so the phase is taken to have started when the previous one last reported.
        self._last_report = self.started
        #: Planned rows that got their outcome (the rest are pending).
        self._decided = 0
        #: Lines whose results are written: failed rows up to here went out in order.
        self._emitted_to = 0
        self.writer: ResultsWriter | None = None

    def _results_path(self) -> Path:
        if self.options.results is not None:
            return Path(self.options.results)
        if not isinstance(self.source, (str, Path)) or str(self.source) == "-":
            raise ConfigurationError(
                f"reading {self.name}: say where the results go (--results PATH, or results=PATH)"
            )
        return default_results_path(
            str(self.source),
            dry_run=self.options.dry_run,
            results_format=self.options.results_format,
        )

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> ImportSummary:
        options, summary = self.options, self.summary
        previous = self._previous()
        column_map = column_map_for(self.mapping, options.column_map)
        path = summary.results_path
        assert path is not None
        if options.dry_run and path.exists():
            path.unlink()  # a dry run's file is a plan, not a record: each run writes it anew
        calls_before = self.api.usage.calls
        saved_retry = self.api.retry
        self.api.retry = self.retry  # reads retried under the import's policy too
        writer = ResultsWriter(path, options.results_format)
        try:
            with RunState() as state:
                try:
                    self._import(state, writer, previous, column_map)
                except RequestLimitError:
                    summary.stopped_reason = STOPPED_REQUEST_LIMIT
                except AuthenticationError:
                    summary.stopped_reason = STOPPED_AUTHENTICATION
                if summary.stopped_reason is not None:
                    summary.pending = max(state.pending_count() - self._decided, 0)
                    self.emit(state, [], upto=None)  # the rows that failed on reading
        finally:
            writer.close()
            self.api.retry = saved_retry
            summary.api_calls = self.api.usage.calls - calls_before
            summary.remaining_budget = self.api.usage.remaining
            summary.elapsed = time.monotonic() - self.started
        return summary

    def _previous(self) -> PreviousOutcomes | None:
        if self.options.retry_from is not None:
            return read_outcomes(Path(self.options.retry_from))
        path = self.summary.results_path
        if not self.options.dry_run and path is not None and path.exists():
            return read_outcomes(path)
        return None

    def _import(
        self,
        state: RunState,
        writer: ResultsWriter,
        previous: PreviousOutcomes | None,
        column_map: Any,
    ) -> None:
        self.writer = writer
        self._read(state, previous, column_map)
        planned = state.pending_count()
        options = self.options
        compares = self.rules.when_found != "reuse"
        if options.api == "bulk" and compares:
            raise ConfigurationError(
                f"the mapping's Contact match says when_found: {self.rules.when_found}, which "
                "compares each existing Contact's fields before writing; Bulk API 2.0 reads "
                "Contacts without them: use --api rest (or auto)"
            )
        bulk = options.api == "bulk" or (
            options.api == "auto" and planned > options.bulk_threshold and not compares
        )
        self.summary.api = "bulk" if bulk else "rest"
        if planned == 0:
            self.emit(state, [], upto=None)
            return
        book = JobBook(self.api, self.rules.job_remote_key)
        book.load(
            state.pending_jobs(), state.pending_users(), max_concurrency=options.max_concurrency
        )
        scan = None
        if bulk:  # a dry run through Bulk plans against the same scan
            jobs = [job.id for ref in state.pending_jobs() if isinstance(job := book.job(ref), Job)]
            scan_org(Bulk2(self.api, retry=self.retry), state, self.rules, jobs)
            scan = OrgScanOf(state, self.rules)
        finder = FactFinder(
            self.api, self.rules, book, scan=scan, max_concurrency=options.max_concurrency
        )
        claims = (
            PendingClaims(self.ledger) if self.ledger is not None and not options.dry_run else None
        )
        decider = Decider(state, book, self.rules, claims=claims)
        collections = CollectionWriter(
            self.api, self.retry, max_concurrency=options.max_concurrency
        )
        batch = BatchWriter(
            self.api,
            self.rules,
            state,
            finder,
            decider,
            collections,
            ledger=None if options.dry_run else self.ledger,
        )
        if options.dry_run:
            self._each_chunk(state, planned, DRY_RUN, batch.plan, with_data=False)
        elif bulk:
            self._bulk(state, planned, batch)
        else:
            self._each_chunk(state, planned, WRITING, batch.write, with_data=True)
        self.emit(state, [], upto=None)

    def _each_chunk(
        self, state: RunState, planned: int, phase: str, step: Any, *, with_data: bool
    ) -> None:
        done = 0
        for rows in state.pending_chunks(self.options.chunk_size, with_data=with_data):
            chunk: ChunkResult | None = None
            try:
                chunk = step(rows)
            finally:
                if chunk is not None:
                    self._count(chunk)
                    self.emit(state, chunk.rows, upto=rows[-1].line)
            done += len(rows)
            self.report(phase, done, planned, finished=done >= planned)

    def _bulk(self, state: RunState, planned: int, batch: BatchWriter) -> None:
        bulk = BulkWriter(
            Bulk2(self.api, retry=self.retry),
            state,
            self.rules,
            batch,
            self.retry,
            ledger=self.ledger,
            chunk_size=self.options.chunk_size,
        )
        done = 0
        for rows in state.pending_chunks(self.options.chunk_size):
            decided = batch.decide(rows)  # remembered in the run state: no second lookup
            self.summary.contacts_reused += decided.counts.reused_contacts
            self.summary.contacts_ambiguous += decided.counts.ambiguous_contacts
            done += len(rows)
            self.report("deciding", done, planned, finished=done >= planned)
        bulk.write()
        self.summary.contacts_new += bulk.contacts_created
        done = 0
        for rows in state.pending_chunks(self.options.chunk_size, with_data=True):
            # What Bulk API 2.0 cannot carry (files, Tasks), and every row's outcome.
            chunk = batch.write(rows)
            self.emit(state, chunk.rows, upto=rows[-1].line)
            done += len(rows)
            self.report(WRITING, done, planned, finished=done >= planned)

    # -- step 1: read ---------------------------------------------------------------------------

    def _read(self, state: RunState, previous: PreviousOutcomes | None, column_map: Any) -> None:
        summary, size = self.summary, self.options.chunk_size
        planner: Planner | None = None  # made at the first row to plan: a rerun of a finished
        # import reads the org's describes for nothing otherwise
        batch: list[Any] = []
        failed: list[ResultRow] = []
        retry_only = self.options.retry_from is not None
        for record in read_records(
            self.source, format=self.options.format, column_map=column_map, notes=summary.notes
        ):
            summary.records_read += 1
            if previous is not None and (
                record.line in previous.final
                or (retry_only and record.line not in previous.retryable)
            ):
                summary.skipped += 1
                continue
            if planner is None:
                planner = Planner(
                    self.mapping,
                    self._schema(),
                    rules=self.rules,
                    fetch_policy=self.fetch_policy,
                    require_match=True,
                )
            planned = plan_record(
                planner, record, job_id=self.options.job_id, dialect=self.options.dialect
            )
            if isinstance(planned, ResultRow):
                failed.append(planned)
            else:
                batch.append(planned)
            if len(batch) + len(failed) >= size:
                self._flush_read(state, batch, failed)
                batch, failed = [], []
        self._flush_read(state, batch, failed, finished=True)

    def _flush_read(
        self, state: RunState, batch: list[Any], failed: list[ResultRow], finished: bool = False
    ) -> None:
        state.add_pending(batch, with_fields=not self.options.dry_run)
        state.add_failed(failed)
        for row in failed:
            self._tally(row)
        self.report(READING, self.summary.records_read, None, finished=finished)

    def _schema(self) -> OrgSchema:
        """The packaged describes, with the org's own for the objects the import writes (one
        Composite call, unless this client has them already)."""
        from asymbl_sf.writes.queries import LookupBatch

        wanted = [
            n
            for n in (CONTACT, APPLICANT, CONTENT_VERSION, TASK)
            if self.api.cached_describe(n) is None
        ]
        if wanted:
            batch = LookupBatch(self.api)
            batch.describe(wanted)
            try:
                batch.run()
            except Exception as exc:
                raise ConfigurationError(
                    f"cannot describe {', '.join(wanted)} in this org ({exc}); is Asymbl ATS "
                    "installed, and may this user read it?"
                ) from None
        packaged = OrgSchema.packaged()
        return OrgSchema(self.api.cached_describe(d.name) or d for d in packaged)

    # -- results --------------------------------------------------------------------------------

    def emit(self, state: RunState, rows: list[ResultRow], *, upto: int | None) -> None:
        """Append ``rows`` and the rows that failed on reading up to line ``upto`` (all of them
        when None) to the results file, in input order, and count them."""
        if self.writer is None:
            return
        earlier = state.failed_between(self._emitted_to, upto)
        if upto is not None:
            self._emitted_to = max(self._emitted_to, upto)
        out = sorted([*rows, *earlier], key=lambda r: r.line)
        if not out:
            return
        self.writer.write(out)
        self.writer.flush()
        self._decided += len(rows)
        for row in rows:
            self._tally(row)

    def _tally(self, row: ResultRow) -> None:
        summary = self.summary
        summary.add(row.outcome)
        if row.outcome in ("failed", "blocked"):
            summary.note_problem(row.line, row.error_code, row.message)
        if row.outcome in ("created", "reused", "would_create", "would_reuse"):
            summary.applications_new += 1
        elif row.outcome == "exists":
            summary.applications_exist += 1

    def _count(self, chunk: ChunkResult) -> None:
        counts = chunk.counts
        self.summary.contacts_reused += counts.reused_contacts
        self.summary.contacts_ambiguous += counts.ambiguous_contacts
        if self.options.dry_run:
            self.summary.contacts_new += counts.new_contacts
        else:
            self.summary.contacts_new += chunk.contacts_created

    def report(self, phase: str, done: int, total: int | None, *, finished: bool = False) -> None:
        callback = self.options.progress
        if callback is None:
            return
        now = time.monotonic()
        if self._phase != phase:
            self._phase, self._phase_started = phase, self._last_report
        self._last_report = now
        counts = dict(self.summary.outcomes)
        callback(ImportProgress(phase, done, total, counts, now - self._phase_started, finished))


def plan_record(
    planner: Planner, record: SourceRecord, *, job_id: str | None = None, dialect: str | None = None
) -> PlannedRow | ResultRow:
    """One input record, planned: its :class:`PlannedRow`, or the failed row saying why not
    (``job_id``, ``dialect``: the import's defaults for records that give none)."""
    if record.problem is not None:
        return failed_row(
            record.line,
            record.source_id,
            INVALID_RECORD,
            _message([record.problem]),
            record.problem.path or None,
        )
    payload = record.payload or {}
    row = RowInput(
        payload,
        line=record.line,
        source_id=record.source_id,
        job_id=record.job_id or (None if _body_names_job(payload) else job_id),
        dialect=record.dialect or dialect,
        activities=record.activities,
    )
    try:
        return planner.application(row)
    except PlanError as exc:
        return failed_row(
            record.line,
            record.source_id,
            exc.code,
            _message(exc.problems),
            exc.problems[0].path if exc.problems else None,
        )


def _message(problems: list[Any]) -> str:
    """Every problem of a row in one message."""
    return "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in problems)


def _body_names_job(payload: dict[str, Any]) -> bool:
    """Whether the body carries its own job (Merge ``model.job``, Kombo ``application.job_id``):
    then ``--job-id`` is not a default for it."""
    model, application = payload.get("model"), payload.get("application")
    return bool(
        (isinstance(model, dict) and model.get("job"))
        or (isinstance(application, dict) and application.get("job_id"))
    )


__all__ = ["APIS", "BULK_THRESHOLD", "ImportOptions", "ImportRun", "plan_record", "run_import"]
