"""One import run, from input file to results file: read, decide, write, report.

1. **Read** the input (streamed), skipping lines an earlier run finished (or, with
   ``retry_from``, every line except the failed and blocked ones), and plan each record offline
   (:mod:`.planning`). Rows that do not parse go to the results file at once; planned rows wait
   in the run's temporary database (:mod:`.state`).
2. **Choose the API**: ``auto`` takes Bulk API 2.0 above :data:`BULK_THRESHOLD` planned rows.
3. **Resolve** the file's jobs, stages and recruiters (one Composite call for most files).
4. **Decide and write** chunk by chunk over REST (:mod:`.rest_run`), or decide everything, then
   write with two Bulk API jobs (:mod:`.bulk_run`). Results are appended and flushed per chunk.

``REQUEST_LIMIT_EXCEEDED`` (or a session that cannot be renewed) stops the run cleanly: the rows
done so far are in the results file, the summary says why it stopped, and the same command
resumes. Every write is preceded by lookups, so a rerun never creates anything twice, with or
without the results file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asymbl_sf.errors import AuthenticationError, ConfigurationError, RequestLimitError
from asymbl_sf.mapping import Mapping
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.bulk import Bulk2
from asymbl_sf.salesforce.retry import RetryPolicy
from asymbl_sf.schema import OrgSchema
from asymbl_sf.state.ledger import CreatedLedger, PendingClaims

from .bulk_run import BulkRun
from .columns import column_map_for
from .decide import Decider
from .lookups import OrgLookup, RestLookup, ScannedLookup, scan_org
from .outcomes import outcome
from .planning import APPLICANT, CONTACT, ImportMapping, PlannedRow, Planner
from .progress import DRY_RUN, READING, ImportProgress, ProgressCallback
from .references import References
from .rest_run import RestRun
from .results import (
    PreviousOutcomes,
    ResultRow,
    ResultsFormat,
    ResultsWriter,
    default_results_path,
    read_outcomes,
)
from .sources import Format, Source, describe_source, read_records
from .state import RunState
from .summary import STOPPED_AUTHENTICATION, STOPPED_REQUEST_LIMIT, ImportSummary

#: Above this many rows to write, ``api="auto"`` uses Bulk API 2.0 (see docs/importing.md).
BULK_THRESHOLD = 10_000
#: Rows decided and written together over REST (and read from the input between writes).
CHUNK_SIZE = 2_000
APIS = ("auto", "rest", "bulk")


@dataclass
class ImportOptions:
    """Everything :func:`run_import` can be told; the defaults are the CLI's."""

    format: Format | None = None
    job_id: str | None = None
    dialect: str | None = None
    api: str = "auto"
    dry_run: bool = False
    results: str | Path | None = None
    results_format: ResultsFormat = "jsonl"
    retry_from: str | Path | None = None
    column_map: str | Path | None = None
    max_concurrency: int = 4
    progress: ProgressCallback | None = None
    retry: RetryPolicy | None = None
    chunk_size: int = CHUNK_SIZE
    bulk_threshold: int = BULK_THRESHOLD

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
) -> ImportSummary:
    """Import ``source`` into the org behind ``api`` as ``options`` say; see the module doc."""
    options.check()
    return _Run(api, mapping, source, options, ledger).run()


class _Run:
    def __init__(
        self,
        api: SalesforceApi,
        mapping: Mapping,
        source: Source,
        options: ImportOptions,
        ledger: CreatedLedger | None,
    ) -> None:
        self.api = api
        self.mapping = mapping
        self.source = source
        self.options = options
        self.ledger = ledger
        self.retry = options.retry or api.retry
        self.rules = ImportMapping.of(mapping)
        self.name = describe_source(source)
        self.summary = ImportSummary(dry_run=options.dry_run)
        self.summary.results_path = self._results_path()
        self.started = time.monotonic()
        self._phase: str | None = None
        self._phase_started = self.started
        #: When the last report went out: a phase's first report comes after its first chunk,
        #: so the phase is taken to have started when the previous one last reported.
        self._last_report = self.started
        #: Rows of the temporary database that got their outcome (the rest are pending).
        self._decided = 0
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
        bulk = self.options.api == "bulk" or (
            self.options.api == "auto" and planned > self.options.bulk_threshold
        )
        self.summary.api = "bulk" if bulk else "rest"
        if planned == 0:
            return
        references = References(
            self.api,
            self.mapping.settings.job_remote_key,
            max_concurrency=self.options.max_concurrency,
        )
        references.load_jobs(state.pending_jobs())
        references.load_users(state.pending_users())
        lookup = self._lookup(state, references, bulk)
        claims = (
            PendingClaims(self.ledger)
            if self.ledger is not None and not self.options.dry_run
            else None
        )
        decider = Decider(state, lookup, references, self.rules.when_many, claims=claims)
        if self.options.dry_run:
            self._dry_run(state, decider, planned)
        elif bulk:
            BulkRun(self, state, decider, Bulk2(self.api, retry=self.retry)).run(planned)
        else:
            RestRun(self, state, decider, lookup).run(planned)

    def _schema(self) -> OrgSchema:
        """The packaged describes, with the org's own for the objects the import writes (one
        Composite call, unless this client has them already)."""
        wanted = [name for name in (CONTACT, APPLICANT) if self.api.cached_describe(name) is None]
        if wanted:
            answers = self.api.composite(
                [
                    SubRequest("GET", self.api.describe_url(n), f"d{i}")
                    for i, n in enumerate(wanted)
                ],
                all_or_none=False,
            )
            for i, name in enumerate(wanted):
                answer = answers.get(f"d{i}")
                if answer is None or not answer.ok:
                    raise ConfigurationError(
                        f"cannot describe {name} in this org "
                        f"({answer.error() if answer else 'no answer'}); is Asymbl ATS "
                        "installed, and may this user read it?"
                    )
                self.api.remember_describe(answer.body)
        packaged = OrgSchema.packaged()
        return OrgSchema(self.api.cached_describe(d.name) or d for d in packaged)

    def _lookup(self, state: RunState, references: References, bulk: bool) -> OrgLookup:
        refs = self.rules.applicant_refs
        contact_field = next((n for n, r in refs.items() if r == CONTACT), APPLICANT)
        job_field = next((n for n, r in refs.items() if r == "job"), "bpats__Job__c")
        if not bulk:
            return RestLookup(
                self.api,
                self.rules.match_field,
                contact_field=contact_field,
                job_field=job_field,
                max_concurrency=self.options.max_concurrency,
            )
        jobs = []
        for ref in state.pending_jobs():
            job = references.job(ref)
            job_id = getattr(job, "id", None)
            if job_id:
                jobs.append(job_id)
        scan_org(
            Bulk2(self.api, retry=self.retry),
            state,
            match_field=self.rules.match_field,
            contact_field=contact_field,
            job_field=job_field,
            job_ids=jobs,
        )
        return ScannedLookup(state)

    # -- step 1: read ---------------------------------------------------------------------------

    def _read(self, state: RunState, previous: PreviousOutcomes | None, column_map: Any) -> None:
        summary, size = self.summary, self.options.chunk_size
        planner: Planner | None = None  # made at the first row to plan: a rerun of a finished
        # import reads the org's describes for nothing otherwise
        batch: list[PlannedRow] = []
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
                    job_id=self.options.job_id,
                    dialect=self.options.dialect,
                    source_name=self.name,
                )
            planned = planner.plan(record)
            if isinstance(planned, ResultRow):
                failed.append(planned)
            else:
                batch.append(planned)
            if len(batch) + len(failed) >= size:
                self._flush_read(state, batch, failed)
                batch, failed = [], []
        self._flush_read(state, batch, failed, finished=True)

    def _flush_read(
        self,
        state: RunState,
        batch: list[PlannedRow],
        failed: list[ResultRow],
        finished: bool = False,
    ) -> None:
        state.add_pending(batch, with_fields=not self.options.dry_run)
        self.emit(failed, planned=False)
        self.report(READING, self.summary.records_read, None, finished=finished)

    # -- a dry run ------------------------------------------------------------------------------

    def _dry_run(self, state: RunState, decider: Decider, planned: int) -> None:
        done = 0
        for rows in state.pending_chunks(self.options.chunk_size):
            decisions, facts = decider.decide(rows)
            self.count_facts(facts)
            results = [
                outcome(d, facts.contacts.get(d.key), facts.applicants.get(d.pair), dry_run=True)
                for d in decisions
            ]
            self.emit([r for r in results if r is not None])
            done += len(rows)
            self.report(DRY_RUN, done, planned, finished=done >= planned)

    # -- shared by the phases -------------------------------------------------------------------

    def emit(self, rows: list[ResultRow], *, planned: bool = True) -> None:
        """Append rows to the results file (flushed) and count them; ``planned``: rows of the
        temporary database (not rows that failed while reading)."""
        if not rows:
            return
        assert self.writer is not None
        rows.sort(key=lambda r: r.line)
        self.writer.write(rows)
        self.writer.flush()
        if planned:
            self._decided += len(rows)
        for row in rows:
            self.summary.add(row.outcome)
            if row.outcome in ("failed", "blocked"):
                self.summary.note_problem(row.line, row.error_code, row.message)
            if row.outcome in ("created", "reused", "would_create", "would_reuse"):
                self.summary.applications_new += 1
            elif row.outcome == "exists":
                self.summary.applications_exist += 1

    def count_facts(self, facts: Any) -> None:
        self.summary.contacts_reused += facts.reused_contacts
        self.summary.contacts_ambiguous += facts.ambiguous_contacts
        if self.options.dry_run:
            self.summary.contacts_new += facts.new_contacts

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


__all__ = ["APIS", "BULK_THRESHOLD", "ImportOptions", "run_import"]
