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

import contextlib
import csv
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
from asymbl_sf.state.locks import input_lock, log_waiting, org_write_lock
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
from .error_file import error_file_path, write_error_file
from .progress import DRY_RUN, READING, WRITING, ImportProgress, ProgressCallback
from .read_ahead import ChunkReader, ReadChunk
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

#: What the reader keeps of a record: its plan, or its failed result.
Planned = PlannedRow | ResultRow


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
    #: ``jsonl`` or ``csv``; None: from the results file's extension (or ``retry_from``'s).
    results_format: ResultsFormat | None = None
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
        if self.results_format not in (None, "jsonl", "csv"):
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
    lock_key: str | None = None,
) -> ImportSummary:
    """Import ``source`` into the org behind ``api`` as ``options`` say; see the module doc.
    ``fetch_policy`` limits the downloads of files given by URL. ``lock_key`` (the org's state
    key) makes the run hold the machine's locks: its input's for the whole run, the org's
    write lock around each chunk's lookups and writes (docs/reliability.md)."""
    options.check()
    return ImportRun(api, mapping, source, options, ledger, fetch_policy, lock_key).run()


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
        lock_key: str | None = None,
    ) -> None:
        self.api = api
        self.lock_key = lock_key
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
        self.results_format = self._results_format()
        self.summary = ImportSummary(dry_run=options.dry_run)
        self.summary.results_path = self._results_path()
        self.started = time.monotonic()
        #: When each phase started: a phase's first report comes after its first chunk, so the
        #: phase is taken to have started when the previous report went out.
        self._phase_started: dict[str, float] = {}
        self._last_report = self.started
        #: Planned rows that got their outcome (the rest are pending).
        self._decided = 0
        #: Lines whose results are written: failed rows up to here went out in order.
        self._emitted_to = 0
        #: The last pending line a chunk step took, and how many rows the steps took.
        self._done_to = 0
        self._done = 0
        #: Records a stopped run did not read (they are pending too).
        self._unread = 0
        self.writer: ResultsWriter | None = None

    def _results_format(self) -> ResultsFormat:
        """As asked; else CSV when the results file (or the one retried from) is ``.csv``, so a
        spreadsheet round trip stays CSV; else JSON Lines."""
        if self.options.results_format is not None:
            return self.options.results_format
        for named in (self.options.results, self.options.retry_from):
            if named is not None and str(named).lower().endswith(".csv"):
                return "csv"
        return "jsonl"

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
            results_format=self.results_format,
        )

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> ImportSummary:
        path = self.summary.results_path
        assert path is not None
        with self._input_lock(path):  # before the results file is read or replaced
            previous = self._previous()
            column_map = column_map_for(self.mapping, self.options.column_map)
            if self.options.dry_run and path.exists():
                path.unlink()  # a dry run's file is a plan, not a record: each run writes it anew
            summary = self._run(path, previous, column_map)
            self._error_file(path, column_map)
            return summary

    def _error_file(self, results: Path, column_map: Any) -> None:
        """For a CSV file, its failed rows as a CSV to fix and import again (Data Loader's
        habit): :mod:`.error_file`."""
        source = self.source
        if not isinstance(source, (str, Path)) or str(source) == "-":
            return
        name = str(source).lower()
        is_csv = self.options.format == "csv" or (
            self.options.format is None and name.endswith((".csv", ".tsv"))
        )
        if not is_csv:
            return
        delimiter = getattr(column_map, "delimiter", None) or (
            "\t" if name.endswith(".tsv") else ","
        )
        target = error_file_path(Path(source), dry_run=self.options.dry_run)
        try:
            rows = write_error_file(Path(source), delimiter, results, target)
        except (OSError, csv.Error) as exc:  # csv.Error: Python 3.10 cannot copy a NUL
            self.summary.notes.append(f"the error file {target} could not be written: {exc}")
            return
        if rows:
            self.summary.errors_path = target
            self.summary.error_rows = rows

    def _input_lock(self, results: Path) -> Any:
        """The lock of this input (its results file) for the whole run: a second run of it
        stops at once, naming the first."""
        if self.lock_key is None:
            return contextlib.nullcontext()
        what = f"import of {self._short_name}" + (" (dry run)" if self.options.dry_run else "")
        return input_lock(self.lock_key, results, what).held(wait=0)

    @property
    def _short_name(self) -> str:
        """The input as messages name it: a file by its name, else as described."""
        source = self.source
        return (
            Path(source).name
            if isinstance(source, (str, Path)) and str(source) != "-"
            else self.name
        )

    def _org_lock(self, what: str) -> Any:
        """The org's write lock, for one chunk's lookups and writes (none in a dry run)."""
        if self.lock_key is None or self.options.dry_run:
            return contextlib.nullcontext()
        return org_write_lock(self.lock_key, f"import of {self._short_name} ({what})").held(
            on_wait=log_waiting
        )

    def _run(self, path: Path, previous: PreviousOutcomes | None, column_map: Any) -> ImportSummary:
        summary = self.summary
        calls_before = self.api.usage.calls
        saved_retry = self.api.retry
        self.api.retry = self.retry  # reads retried under the import's policy too
        writer = ResultsWriter(path, self.results_format)
        try:
            with RunState() as state:
                try:
                    self._import(state, writer, previous, column_map)
                except RequestLimitError:
                    summary.stopped_reason = STOPPED_REQUEST_LIMIT
                except AuthenticationError:
                    summary.stopped_reason = STOPPED_AUTHENTICATION
                if summary.stopped_reason is not None:
                    pending = state.pending_count() - self._decided
                    summary.pending = max(pending, 0) + self._unread
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
        options = self.options
        compares = self.rules.when_found != "reuse"
        if options.api == "bulk" and compares:
            raise ConfigurationError(
                f"the mapping's Contact match says when_found: {self.rules.when_found}, which "
                "compares each existing Contact's fields before writing; Bulk API 2.0 reads "
                "Contacts without them: use --api rest (or auto)"
            )
        # Over REST for sure: write each chunk while the reader plans the next ones.
        stream = options.api == "rest" or (options.api == "auto" and compares)
        reader = self._reader(previous, column_map, threaded=stream)
        try:
            if stream:
                self.summary.api = "rest"
                self._stream(state, reader)
            else:
                self._read_all(state, reader)
        except (RequestLimitError, AuthenticationError):
            reader.close()
            self._unread = reader.count_rest()
            raise
        finally:
            reader.close()

    def _stream(self, state: RunState, reader: ChunkReader[SourceRecord, Planned]) -> None:
        """Write (or, in a dry run, check) each chunk as soon as it is read."""
        batch = self._batch_writer(state, scan=None)
        step, phase = (batch.plan, DRY_RUN) if self.options.dry_run else (batch.write, WRITING)
        for chunk in reader:
            self._flush_read(state, chunk)
            self._each_chunk(state, None, phase, step, with_data=not self.options.dry_run)
        self.report(READING, self.summary.records_read, None, finished=True)
        if self._done:  # the total is known now that the input is read
            self.report(phase, self._done, self._done, finished=True)
        self.emit(state, [], upto=None)

    def _read_all(self, state: RunState, reader: ChunkReader[SourceRecord, Planned]) -> None:
        """Read everything first: ``auto`` chooses between REST and Bulk by the rows planned,
        and Bulk writes all the rows at once."""
        for chunk in reader:
            self._flush_read(state, chunk)
        self.report(READING, self.summary.records_read, None, finished=True)
        planned = state.pending_count()
        options = self.options
        bulk = options.api == "bulk" or (options.api == "auto" and planned > options.bulk_threshold)
        self.summary.api = "bulk" if bulk else "rest"
        if planned == 0:
            self.emit(state, [], upto=None)
            return
        if not bulk:
            batch = self._batch_writer(state, scan=None)
            if options.dry_run:
                self._each_chunk(state, planned, DRY_RUN, batch.plan, with_data=False)
            else:
                self._each_chunk(state, planned, WRITING, batch.write, with_data=True)
        else:
            # The scan is the lookup of every row at once: it and the writes that follow hold
            # the org's write lock together, or another run could create in between.
            with self._org_lock("Bulk API"):
                self._bulk_run(state, planned)
        self.emit(state, [], upto=None)

    def _bulk_run(self, state: RunState, planned: int) -> None:
        """Read the org once with Bulk query jobs (the jobs first), then write (or, in a dry
        run, plan) every row against that scan."""
        options = self.options
        book = self._book()
        book.load(
            state.pending_jobs(), state.pending_users(), max_concurrency=options.max_concurrency
        )
        jobs = [job.id for ref in state.pending_jobs() if isinstance(job := book.job(ref), Job)]
        scan_org(Bulk2(self.api, retry=self.retry), state, self.rules, jobs)
        batch = self._batch_writer(state, scan=OrgScanOf(state, self.rules), book=book)
        if options.dry_run:  # a dry run through Bulk plans against the same scan
            self._each_chunk(state, planned, DRY_RUN, batch.plan, with_data=False)
        else:
            self._bulk(state, planned, batch)

    def _book(self) -> JobBook:
        return JobBook(self.api, self.rules.job_remote_key)

    def _batch_writer(
        self, state: RunState, *, scan: OrgScanOf | None, book: JobBook | None = None
    ) -> BatchWriter:
        """The write core for this run. The jobs, stages and users rows name are read with the
        first chunk's lookups that needs them (in the same Composite calls), unless ``book``
        has them already."""
        options = self.options
        finder = FactFinder(
            self.api,
            self.rules,
            book or self._book(),
            scan=scan,
            max_concurrency=options.max_concurrency,
        )
        claims = (
            PendingClaims(self.ledger) if self.ledger is not None and not options.dry_run else None
        )
        decider = Decider(state, finder.book, self.rules, claims=claims)
        collections = CollectionWriter(
            self.api, self.retry, max_concurrency=options.max_concurrency
        )
        return BatchWriter(
            self.api,
            self.rules,
            state,
            finder,
            decider,
            collections,
            ledger=None if options.dry_run else self.ledger,
        )

    def _each_chunk(
        self, state: RunState, planned: int | None, phase: str, step: Any, *, with_data: bool
    ) -> None:
        """Run ``step`` on the pending rows not done yet, chunk by chunk, and emit their
        results (``planned``: the total to report, when known)."""
        size = self.options.chunk_size
        for rows in state.pending_chunks(size, with_data=with_data, after=self._done_to):
            chunk: ChunkResult | None = None
            try:
                with self._org_lock(f"rows {rows[0].line}-{rows[-1].line}"):
                    chunk = step(rows)
            finally:
                if chunk is not None:
                    self._count(chunk)
                    self.emit(state, chunk.rows, upto=rows[-1].line)
            self._done_to = rows[-1].line
            self._done += len(rows)
            finished = planned is not None and self._done >= planned
            self.report(phase, self._done, planned, finished=finished)

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

    def _reader(
        self, previous: PreviousOutcomes | None, column_map: Any, *, threaded: bool
    ) -> ChunkReader[SourceRecord, Planned]:
        """The input's records, planned chunk by chunk (``threaded``: a few chunks ahead, on a
        thread of their own)."""
        planner: Planner | None = None  # made at the first row to plan: a rerun of a finished
        # import reads the org's describes for nothing otherwise
        retry_only = self.options.retry_from is not None

        def skip(record: SourceRecord) -> bool:
            return previous is not None and (
                record.line in previous.final
                or (retry_only and record.line not in previous.retryable)
            )

        def plan(record: SourceRecord) -> Planned:
            nonlocal planner
            if planner is None:
                planner = Planner(
                    self.mapping,
                    self._schema(),
                    rules=self.rules,
                    fetch_policy=self.fetch_policy,
                    require_match=True,
                )
            return plan_record(
                planner, record, job_id=self.options.job_id, dialect=self.options.dialect
            )

        records = read_records(
            self.source,
            format=self.options.format,
            column_map=column_map,
            notes=self.summary.notes,
        )
        return ChunkReader(records, plan, skip, self.options.chunk_size, threaded=threaded)

    def _flush_read(self, state: RunState, chunk: ReadChunk[Planned]) -> None:
        """Keep a chunk of read rows in the run state (the failed ones' results too)."""
        planned = [r for r in chunk.planned if isinstance(r, PlannedRow)]
        failed = [r for r in chunk.planned if isinstance(r, ResultRow)]
        self.summary.records_read += chunk.read
        self.summary.skipped += chunk.skipped
        state.add_pending(planned, with_fields=not self.options.dry_run)
        state.add_failed(failed)
        for row in failed:
            self._tally(row)
        self.report(READING, self.summary.records_read, None)

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
        # Phases interleave when writing streams behind reading: each keeps its own start.
        started = self._phase_started.setdefault(phase, self._last_report)
        self._last_report = now
        counts = dict(self.summary.outcomes)
        callback(ImportProgress(phase, done, total, counts, now - started, finished))


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
        limits_checked=record.limits_checked,
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
