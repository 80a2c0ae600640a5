"""``update``: a one-off data fix on many records, with a diff, a journal and an undo.

Which records: those a ``--where`` condition selects (a SOQL condition on the object, e.g.
``bpats__Job__r.Name = 'Registered Nurse' AND bpats__Stage__r.Name = 'Interview'``), or those
the rows of a file name by ``--key`` (``Id``, a unique or external-id field, or ``Email`` for
Contacts, chosen among several as the mapping's ``when_many`` says). What to write: ``--set
FIELD=VALUE`` for every record, or the file's own columns per row, resolved as the mapping would
(:mod:`.values`: a stage by name on the record's own job, ...).

1. **Plan**, reading only: every record's current values are read, every new value resolved,
   and each record's diff (field, before, after) kept in a temporary database; a record whose
   values already match is ``unchanged`` and will not be written. A value that does not resolve,
   an unknown field, a ``--where`` that does not parse: all reported at once, nothing written.
2. **Write** (not in a dry run): each chunk's before-images go to the journal first (fsync'ed),
   then the updates through sObject Collections inside Composite (1,000 records a call), or Bulk
   API 2.0 above ``bulk_threshold`` records. Every record gets an outcome; a rerun after a crash
   finds the records already changed ``unchanged``, so nothing is changed twice.

``undo JOURNAL`` puts the before-images back (:mod:`.undo`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asymbl_sf.dedupe import choose_match
from asymbl_sf.errors import ConfigurationError, PayloadError, Problem, SalesforceError
from asymbl_sf.importing.results import ResultsWriter
from asymbl_sf.reading.convert import get_path
from asymbl_sf.reading.soql import select_list
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.bulk import Bulk2, bulk_error, csv_cell
from asymbl_sf.salesforce.collections import CollectionWriter
from asymbl_sf.salesforce.units import PendingWrite, UnitResult
from asymbl_sf.schema import SObjectDescribe
from asymbl_sf.schema.ids import looks_like_id, to_18
from asymbl_sf.schema.names import CONTACT
from asymbl_sf.state.journal import Entry, Journal
from asymbl_sf.writes.jobs import JobBook
from asymbl_sf.writes.queries import in_queries
from asymbl_sf.writes.rules import WriteRules

from .values import FieldValues, Unchecked, same_value

#: Records planned (and written) together.
CHUNK = 2_000
#: Above this many records to write, ``api="auto"`` writes them with one Bulk API 2.0 job
#: (a handful of calls at any size) rather than 1 call per 1,000 records.
BULK_THRESHOLD = 10_000
APIS = ("auto", "rest", "bulk")
#: Rows an :class:`UpdateSummary` keeps in memory (and in ``--json``); the results file has all.
ROWS_KEPT = 10_000
#: Problems listed in an error before "and N more".
MAX_PROBLEMS = 20

# Outcomes of a record.
UPDATED, WOULD_UPDATE, UNCHANGED, FAILED = "updated", "would_update", "unchanged", "failed"
NOT_FOUND, AMBIGUOUS = "not_found", "ambiguous"


@dataclass
class Change:
    field: str
    before: Any
    after: Any
    #: Readable names of the two values (a stage's name), when they are ids.
    labels: tuple[str | None, str | None] = (None, None)

    def text(self) -> str:
        return (
            f"{self.field}: {_short(self.before, self.labels[0])} -> "
            f"{_short(self.after, self.labels[1])}"
        )

    def as_dict(self) -> dict[str, Any]:
        out = {"field": self.field, "before": self.before, "after": self.after}
        if any(self.labels):
            out.update(before_name=self.labels[0], after_name=self.labels[1])
        return out


@dataclass
class FixRow:
    """One record's outcome in a fix: what changed (or would), or why not."""

    outcome: str
    id: str | None = None
    #: The input row's line (file mode) and the key value it named.
    line: int | None = None
    key: str | None = None
    changes: list[Change] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "key": self.key,
            "id": self.id,
            "outcome": self.outcome,
            "changes": [c.as_dict() for c in self.changes],
            "error": self.error,
            "warnings": list(self.warnings),
        }


@dataclass
class UpdateSummary:
    sobject: str
    dry_run: bool
    outcomes: dict[str, int] = field(default_factory=dict)
    rows: list[FixRow] = field(default_factory=list)
    journal: str | None = None
    results: str | None = None
    api_calls: int = 0
    elapsed: float = 0.0
    #: ``rest`` or ``bulk``: how the changes were written (None: nothing was).
    api: str | None = None
    #: Rows not kept in :attr:`rows` (above :data:`ROWS_KEPT`); the results file has them all.
    rows_omitted: int = 0

    @property
    def ok(self) -> bool:
        return not any(self.outcomes.get(o) for o in (FAILED, NOT_FOUND, AMBIGUOUS))

    def add(self, row: FixRow) -> None:
        self.outcomes[row.outcome] = self.outcomes.get(row.outcome, 0) + 1
        if len(self.rows) < ROWS_KEPT:
            self.rows.append(row)
        else:
            self.rows_omitted += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "sobject": self.sobject,
            "dry_run": self.dry_run,
            "outcomes": self.outcomes,
            "ok": self.ok,
            "journal": self.journal,
            "results": self.results,
            "api_calls": self.api_calls,
            "api": self.api,
            "elapsed": round(self.elapsed, 3),
            "records": [r.as_dict() for r in self.rows],
            "records_omitted": self.rows_omitted,
        }

    def text(self, shown: int = 20) -> str:
        head = "dry run (nothing written)" if self.dry_run else "update"
        counts = ", ".join(f"{n:,} {o}" for o, n in sorted(self.outcomes.items())) or "nothing"
        lines = [f"{head} of {self.sobject}: {counts}"]
        changed = [r for r in self.rows if r.changes and r.outcome in (UPDATED, WOULD_UPDATE)]
        for row in changed[:shown]:
            diff = "; ".join(c.text() for c in row.changes)
            lines.append(f"  {row.id}: {diff}")
        more = len(changed) - shown + self.rows_omitted
        if more > 0:
            lines.append(
                f"  ... and {more:,} more" + (f" (in {self.results})" if self.results else "")
            )
        for row in [r for r in self.rows if r.error][:shown]:
            where = f"line {row.line}" if row.line is not None else row.id
            lines.append(f"  {where}: {row.outcome}: {row.error}")
        over = f" over {'Bulk API 2.0' if self.api == 'bulk' else 'REST'}" if self.api else ""
        lines.append(f"  {self.api_calls:,} API call(s){over}; {self.elapsed:.1f} s")
        if self.journal:
            lines.append(f"  journal: {self.journal} (undo with: asymbl-sf undo {self.journal})")
        return "\n".join(lines)


@dataclass
class UpdateRequest:
    """What to update, and how (see the module)."""

    sobject: str
    rows: Iterable[tuple[int, Mapping[str, Any]]] | None = None
    where: str | None = None
    set: Mapping[str, str] = field(default_factory=dict)
    key: str = "Id"
    dry_run: bool = False
    #: Where every record's outcome goes (JSON Lines, or CSV by the extension).
    results: Path | None = None
    max_concurrency: int = 4
    #: ``auto`` (Bulk API 2.0 above ``bulk_threshold`` records to write), ``rest`` or ``bulk``.
    api: str = "auto"
    bulk_threshold: int = BULK_THRESHOLD


class Updater:
    """Runs one update against one org."""

    def __init__(self, api: SalesforceApi, rules: WriteRules, journal: Journal) -> None:
        self.api = api
        self.rules = rules
        self.journal = journal

    def run(self, request: UpdateRequest) -> UpdateSummary:
        started, calls = time.monotonic(), self.api.usage.calls
        if (request.rows is None) == (request.where is None):
            raise ConfigurationError(
                "say which records to update: a file of rows, or --where CONDITION (not both)"
            )
        if request.api not in APIS:
            raise ConfigurationError(f"unknown api {request.api!r}: use auto, rest or bulk")
        if request.where is not None and not request.set:
            raise ConfigurationError("--where needs --set FIELD=VALUE: what to write")
        describe = self.api.describe(request.sobject)
        values = FieldValues(describe, JobBook(self.api, self.rules.job_remote_key))
        summary = UpdateSummary(
            describe.name,
            request.dry_run,
            journal=None if request.dry_run else str(self.journal.path),
        )
        with _Plan() as plan:
            if request.where is not None:
                self._plan_where(request, describe, values, plan)
            else:
                self._plan_rows(request, describe, values, plan)
            problems = plan.problems()
            if problems:
                extra = plan.problem_count() - len(problems)
                if extra > 0:
                    problems.append(Problem("", f"... and {extra:,} more problem(s)"))
                raise PayloadError(problems)
            if not request.dry_run:
                summary.api = self._write(request, describe.name, plan)
            writer = _results_writer(request.results)
            try:
                for row in plan.rows():
                    if request.dry_run and row.outcome == UPDATED:
                        row.outcome = WOULD_UPDATE
                    summary.add(row)
                    if writer is not None:
                        writer.write([row])
            finally:
                if writer is not None:
                    writer.close()
                    summary.results = str(request.results)
        summary.api_calls = self.api.usage.calls - calls
        summary.elapsed = time.monotonic() - started
        return summary

    # -- planning -------------------------------------------------------------------------------

    def _plan_where(
        self, request: UpdateRequest, describe: SObjectDescribe, values: FieldValues, plan: _Plan
    ) -> None:
        names = list(request.set)
        problems = values.field_problems(names)
        if problems:
            raise PayloadError(problems)
        job_link = _job_link(describe, values, names)
        values.prepare(request.set.items())
        select = _select(["Id", *names, *([job_link] if job_link else [])])
        soql = f"SELECT {select} FROM {describe.name} WHERE {request.where}"
        try:
            records = self.api.query_iter(soql)
            batch: list[dict[str, Any]] = []
            for record in records:
                batch.append(record)
                if len(batch) >= CHUNK:
                    self._plan_records(batch, lambda _: request.set, values, job_link, plan)
                    batch = []
            self._plan_records(batch, lambda _: request.set, values, job_link, plan)
        except SalesforceError as exc:
            if exc.error_code in ("MALFORMED_QUERY", "INVALID_FIELD"):
                raise PayloadError(
                    Problem(
                        "where",
                        f"the condition does not parse as SOQL on {describe.name}: {exc.message}",
                    )
                ) from None
            raise

    def _plan_records(
        self,
        records: list[dict[str, Any]],
        wanted: Callable[[str], Mapping[str, Any]],
        values: FieldValues,
        job_link: str | None,
        plan: _Plan,
        origins: Mapping[str, tuple[int, str]] | None = None,
    ) -> None:
        """Each record's diff: its current values against ``wanted(record id)``."""
        if not records:
            return
        if job_link:  # the stages of these records' jobs, before the values resolve
            values.prepare([], [str(r.get(job_link) or "") for r in records])
        for record in records:
            record_id = to_18(str(record["Id"]))
            line, key = (origins or {}).get(record_id, (None, None))
            row = FixRow(UPDATED, record_id, line, key)
            job_id = record.get(job_link) if job_link else None
            for name, raw in wanted(record_id).items():
                described = values.field(name)
                assert described is not None
                after = values.resolve(name, raw, job_id=job_id)
                if isinstance(after, Unchecked):
                    where = f"line {line}" if line is not None else record_id
                    plan.problem(Problem(after.problem.path, after.problem.message, where))
                    continue
                before = get_path(record, described.name)
                if not same_value(before, after):
                    labels = (values.label(name, before, job_id), values.label(name, after, job_id))
                    row.changes.append(Change(described.name, before, after, labels))
            if not row.changes:
                row.outcome = UNCHANGED
            plan.add(row)

    def _plan_rows(
        self, request: UpdateRequest, describe: SObjectDescribe, values: FieldValues, plan: _Plan
    ) -> None:
        assert request.rows is not None
        key_field = values.field(request.key)
        if key_field is None:
            raise PayloadError(values.field_problems([request.key], "key"))
        by_email = describe.name == CONTACT and key_field.name.lower() == "email"
        if not (
            key_field.name == "Id"
            or key_field.unique
            or key_field.externalId
            or (key_field.idLookup and key_field.name.lower() != "email")
            or by_email
        ):
            raise ConfigurationError(
                f"--key {key_field.name} does not name one record: use Id, a unique or "
                f"external-id field of {describe.name}, or Email for Contacts"
            )
        checked: set[str] = set()
        chunk: list[tuple[int, Mapping[str, Any]]] = []
        for line, row in request.rows:
            fields = [n for n in row if n.lower() != key_field.name.lower()]
            new = [n for n in [*fields, *request.set] if n.lower() not in checked]
            for problem in values.field_problems(new):
                plan.problem(Problem(problem.path, problem.message, f"line {line}"))
            checked.update(n.lower() for n in new)
            chunk.append((line, row))
            if len(chunk) >= CHUNK:
                self._plan_chunk(chunk, request, describe, values, key_field.name, by_email, plan)
                chunk = []
        self._plan_chunk(chunk, request, describe, values, key_field.name, by_email, plan)

    def _plan_chunk(
        self,
        chunk: list[tuple[int, Mapping[str, Any]]],
        request: UpdateRequest,
        describe: SObjectDescribe,
        values: FieldValues,
        key: str,
        by_email: bool,
        plan: _Plan,
    ) -> None:
        if not chunk or plan.problem_count():
            return
        names = sorted(
            {n for _, row in chunk for n in row if n.lower() != key.lower()} | set(request.set)
        )
        names = [values.field(n).name for n in names if values.field(n) is not None]  # type: ignore[union-attr]
        job_link = _job_link(describe, values, names)
        values.prepare(
            [(n, str(v)) for _, row in chunk for n, v in row.items() if n.lower() != key.lower()]
            + list(request.set.items())
        )
        wanted: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
        for line, row in chunk:
            raw = str(get_path(row, key) or "").strip()
            value = (
                raw.lower()
                if by_email
                else (to_18(raw) if key == "Id" and looks_like_id(raw) else raw)
            )
            if not value:
                plan.add(
                    FixRow(
                        NOT_FOUND,
                        line=line,
                        key=raw,
                        error=f"the row has no {key} to find its record by",
                    )
                )
                continue
            wanted.setdefault(value, []).append((line, row))
        select = _select(["Id", "CreatedDate", key, *names, *([job_link] if job_link else [])])
        found: dict[str, list[dict[str, Any]]] = {}
        for soql in in_queries(
            self.api,
            f"SELECT {select} FROM {describe.name} WHERE {key} IN "
            "{values} ORDER BY CreatedDate ASC, Id ASC",
            wanted,
        ):
            for record in self.api.query_iter(soql):
                raw = str(get_path(record, key) or "")
                value = raw.strip().lower() if by_email else (to_18(raw) if key == "Id" else raw)
                found.setdefault(value, []).append(record)
        records: list[dict[str, Any]] = []
        origins: dict[str, tuple[int, str]] = {}
        for value, rows in wanted.items():
            matches = found.get(value, [])
            if by_email and self.rules.when_many == "newest":
                matches = list(reversed(matches))
            try:
                chosen, warning = choose_match(
                    matches, self.rules.when_many if by_email else "fail"
                )
            except ValueError as exc:
                for line, _ in rows:
                    plan.add(FixRow(AMBIGUOUS, line=line, key=value, error=str(exc)))
                continue
            if chosen is None:
                for line, _ in rows:
                    plan.add(
                        FixRow(
                            NOT_FOUND,
                            line=line,
                            key=value,
                            error=f"no {describe.name} with {key} = {value!r}",
                        )
                    )
                continue
            record_id = to_18(str(chosen["Id"]))
            line, row = rows[-1]  # the last row naming a record wins, as in a spreadsheet
            merged = {**request.set, **{n: v for n, v in row.items() if n.lower() != key.lower()}}
            plan.values(record_id, merged)
            origins[record_id] = (line, value)
            if record_id not in {to_18(str(r["Id"])) for r in records}:
                records.append(dict(chosen))
            if warning:
                plan.warn(record_id, warning)
        self._plan_records(records, plan.values_of, values, job_link, plan, origins)

    # -- writing --------------------------------------------------------------------------------

    def _write(self, request: UpdateRequest, sobject: str, plan: _Plan) -> str | None:
        """Write the planned changes; returns the API used (``rest`` or ``bulk``; None when
        nothing needed writing)."""
        if plan.to_write_count == 0:
            return None
        bulk = request.api == "bulk" or (
            request.api == "auto" and plan.to_write_count > request.bulk_threshold
        )
        if bulk:
            self._write_bulk(sobject, plan)
            return "bulk"
        writer = CollectionWriter(self.api, max_concurrency=request.max_concurrency)
        for rows in plan.to_write(CHUNK):
            self._journal(sobject, rows)
            writes = [
                PendingWrite(
                    str(row.id), sobject, {c.field: c.after for c in row.changes}, record_id=row.id
                )
                for row in rows
            ]
            result = UnitResult()
            try:
                # An update written twice changes nothing more: nothing to look up.
                writer.write(writes, lambda lost: {}, into=result)
            finally:
                for row in rows:
                    error = result.errors.get(str(row.id))
                    if error is not None:
                        row.outcome, row.error = FAILED, str(error)
                    elif str(row.id) not in result.ids:
                        row.outcome, row.error = FAILED, "not written: the run stopped"
                    plan.update(row)
        return "rest"

    def _journal(self, sobject: str, rows: Sequence[FixRow]) -> None:
        """The rows' before-images, in the journal (synced) before any of them is written."""
        self.journal.write(
            Entry(
                "update",
                sobject,
                row.id,
                before={c.field: c.before for c in row.changes},
                after={c.field: c.after for c in row.changes},
            )
            for row in rows
        )

    def _write_bulk(self, sobject: str, plan: _Plan) -> None:
        """Every change in one Bulk API 2.0 update job, after every before-image is journaled.
        An empty new value is sent as ``#N/A`` (Bulk's "clear this field")."""
        header: dict[str, None] = {"Id": None}
        for rows in plan.to_write(CHUNK):
            self._journal(sobject, rows)
            for row in rows:
                header.update(dict.fromkeys(c.field for c in row.changes))
        names = list(header)

        def cells() -> Iterator[list[str]]:
            for rows in plan.to_write(CHUNK):
                for row in rows:
                    after = {c.field: c.after for c in row.changes}
                    yield [str(row.id)] + [
                        csv_cell(after[n], clear=True) if n in after else "" for n in names[1:]
                    ]

        bulk = Bulk2(self.api)
        result = bulk.ingest(sobject, names, cells(), operation="update")
        if result is None:
            return
        failed: dict[str, str] = {}
        for answer in bulk.ingest_results(result.job_id, "failedResults"):
            code, message, _ = bulk_error(answer.get("sf__Error", ""), sobject)
            failed[to_18(answer["Id"])] = f"{code}: {message}"
        done = {
            to_18(answer["sf__Id"])
            for answer in bulk.ingest_results(result.job_id, "successfulResults")
        }
        for rows in plan.to_write(CHUNK):
            for row in rows:
                record_id = to_18(str(row.id))
                if record_id in failed:
                    row.outcome, row.error = FAILED, failed[record_id]
                elif record_id not in done:
                    row.outcome, row.error = FAILED, "not processed by the Bulk API job"
                plan.update(row)


class _Plan:
    """The planned rows of one fix, in a temporary database (flat memory for any size)."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")
        self.db.executescript(
            "CREATE TABLE rows (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT, row TEXT);"
            "CREATE INDEX rows_id ON rows(id);"
            "CREATE TABLE vals (id TEXT PRIMARY KEY, vals TEXT);"
            "CREATE TABLE warns (id TEXT, warning TEXT);"
            "CREATE TABLE problems (n INTEGER PRIMARY KEY AUTOINCREMENT, problem TEXT);"
        )
        #: Rows with changes to write.
        self.to_write_count = 0

    def __enter__(self) -> _Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def add(self, row: FixRow) -> None:
        if row.outcome == UPDATED and row.changes:
            self.to_write_count += 1
        if row.id is not None:
            row.warnings.extend(
                w for (w,) in self.db.execute("SELECT warning FROM warns WHERE id = ?", (row.id,))
            )
        self.db.execute("INSERT INTO rows (id, row) VALUES (?, ?)", (row.id, _dump(row)))

    def update(self, row: FixRow) -> None:
        self.db.execute("UPDATE rows SET row = ? WHERE id = ?", (_dump(row), row.id))

    def values(self, record_id: str, values: Mapping[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO vals VALUES (?, ?)",
            (record_id, json.dumps(dict(values), default=str)),
        )

    def values_of(self, record_id: str) -> dict[str, Any]:
        found = self.db.execute("SELECT vals FROM vals WHERE id = ?", (record_id,)).fetchone()
        return json.loads(found[0]) if found else {}

    def warn(self, record_id: str, warning: str) -> None:
        self.db.execute("INSERT INTO warns VALUES (?, ?)", (record_id, warning))

    def problem(self, problem: Problem) -> None:
        self.db.execute(
            "INSERT INTO problems (problem) VALUES (?)",
            (json.dumps([problem.path, problem.message, problem.source]),),
        )

    def problem_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM problems").fetchone()[0])

    def problems(self) -> list[Problem]:
        return [
            Problem(path, message, source)
            for (text,) in self.db.execute(
                "SELECT problem FROM problems ORDER BY n LIMIT ?", (MAX_PROBLEMS,)
            )
            for path, message, source in [json.loads(text)]
        ]

    def rows(self) -> Iterator[FixRow]:
        for (text,) in self.db.execute("SELECT row FROM rows ORDER BY n"):
            yield _load(text)

    def to_write(self, size: int) -> Iterator[list[FixRow]]:
        last = 0
        while True:
            found = self.db.execute(
                "SELECT n, row FROM rows WHERE n > ? ORDER BY n LIMIT ?", (last, size)
            ).fetchall()
            if not found:
                return
            last = found[-1][0]
            rows = [_load(text) for _, text in found]
            chosen = [r for r in rows if r.outcome == UPDATED and r.changes]
            if chosen:
                yield chosen


def _dump(row: FixRow) -> str:
    return json.dumps(row.as_dict(), default=str)


def _load(text: str) -> FixRow:
    data = json.loads(text)
    return FixRow(
        outcome=data["outcome"],
        id=data["id"],
        line=data["line"],
        key=data["key"],
        changes=[
            Change(c["field"], c["before"], c["after"], (c.get("before_name"), c.get("after_name")))
            for c in data["changes"]
        ],
        error=data["error"],
        warnings=list(data["warnings"]),
    )


#: The columns of a fix's CSV results file.
RESULT_FIELDS = ("line", "key", "id", "outcome", "changes", "error", "warnings")


def _results_writer(path: Path | None) -> ResultsWriter | None:
    if path is None:
        return None
    if path.exists():
        path.unlink()  # one fix, one file: the journal is the lasting record
    return ResultsWriter(path, "csv" if path.suffix.lower() == ".csv" else "jsonl", RESULT_FIELDS)


def _job_link(describe: SObjectDescribe, values: FieldValues, names: Sequence[str]) -> str | None:
    """The record's own job lookup, when a stage is set by name (the stage is the job's)."""
    if not values.needs(names)[0]:
        return None
    job = next(
        (
            f.name
            for f in describe.fields
            if f.type == "reference" and any(r.lower() == "bpats__job__c" for r in f.referenceTo)
        ),
        None,
    )
    return job


def _select(names: Iterable[str]) -> str:
    return ", ".join(select_list(names))


def _short(value: Any, label: str | None = None) -> str:
    text = "null" if value is None else str(value)
    text = text if len(text) <= 40 else text[:39] + "…"
    return f"{label!r} ({text})" if label else text
