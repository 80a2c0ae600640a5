"""A write run's working state, on disk: the rows waiting to be written and what the run knows.

A run must remember every Contact it has found or made (a later row with the same email reuses
the Contact of the first), every (candidate, job) pair (a second application is a duplicate),
every file and activity already stored for a candidate, and, on the Bulk path, every planned row
until its job runs. Kept in Python objects, that grows with the input; here it lives in a private
SQLite database (a temporary file deleted when closed, or memory for a single action), whose page
cache is bounded, so memory stays flat however large the input is.

Match values (emails) are stored as 64-bit BLAKE2b keys, not as text: compact, and no personal
data in the temporary file beyond the planned records themselves.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .plan import PlannedFile, PlannedRow, PlannedTask
from .result import ResultRow

#: Origins of a Contact (or application, file, Task) the run knows.
ORG = "org"  # existed in the org before this run found it
NEW = "new"  # created (or to be created) by this run


def match_key(value: str) -> int:
    """The 64-bit key of a normalised match value (an email) or any other contact key."""
    return int.from_bytes(
        hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big", signed=True
    )


def row_key(row: PlannedRow) -> int:
    """The run-state key of a row's Contact: its match value's key (what the created ledger
    knows a pending Contact by), else the key of its contact key."""
    return match_key(row.match_value or row.contact_key)


@dataclass
class ContactState:
    """What the run knows about the Contact of one key."""

    key: int
    first_line: int
    origin: str
    contact_id: str | None = None
    matches: int = 0
    error_code: str | None = None
    error_message: str | None = None
    error_field: str | None = None


@dataclass
class ApplicantState:
    """What the run knows about the application of one (Contact key, job)."""

    key: int
    job_id: str
    first_line: int
    applicant_id: str | None = None
    #: True when it existed in the org before this run.
    existing: bool = False
    error_code: str | None = None
    error_message: str | None = None
    error_field: str | None = None


@dataclass
class ChildState:
    """What the run knows about one file (by checksum) or Task (by identity) of a Contact."""

    key: int
    #: The file's checksum, or a digest of the Task's identity.
    ident: str
    first_line: int
    record_id: str | None = None
    existing: bool = False
    error_code: str | None = None
    error_message: str | None = None


_SCHEMA = """
CREATE TABLE pending (
    line INTEGER PRIMARY KEY, row TEXT, key INTEGER, job TEXT, users TEXT);
CREATE INDEX pending_key ON pending(key);
CREATE TABLE blobs (line INTEGER, idx INTEGER, data BLOB, PRIMARY KEY (line, idx));
CREATE TABLE failed (line INTEGER PRIMARY KEY, result TEXT);
CREATE TABLE contacts (
    key INTEGER PRIMARY KEY, first_line INTEGER, origin TEXT, contact_id TEXT,
    matches INTEGER, error_code TEXT, error_message TEXT, error_field TEXT);
CREATE INDEX contacts_id ON contacts(contact_id);
CREATE TABLE applicants (
    key INTEGER, job_id TEXT, first_line INTEGER, applicant_id TEXT, existing INTEGER,
    error_code TEXT, error_message TEXT, error_field TEXT, PRIMARY KEY (key, job_id));
CREATE TABLE children (
    kind TEXT, key INTEGER, ident TEXT, first_line INTEGER, record_id TEXT, existing INTEGER,
    error_code TEXT, error_message TEXT, PRIMARY KEY (kind, key, ident));
CREATE TABLE org_contacts (key INTEGER, contact_id TEXT, created TEXT);
CREATE INDEX org_contacts_key ON org_contacts(key);
CREATE TABLE org_applicants (
    contact_id TEXT, job_id TEXT, applicant_id TEXT, PRIMARY KEY (contact_id, job_id));
"""

_CONTACT_COLUMNS = (
    "key, first_line, origin, contact_id, matches, error_code, error_message, error_field"
)
#: SQLite's default limit on ``?`` parameters in one statement is 32,766; stay well under.
_IN_BATCH = 500
#: File bytes held in memory by one chunk being written, at most (one row may exceed it).
CHUNK_FILE_BYTES = 50_000_000
#: Kinds of :class:`ChildState`.
FILE, TASK = "file", "task"


class RunState:
    """The database of one run. Use as a context manager, or call close().

    ``in_memory``: keep it in memory (a single action: one row, nothing to spill).
    """

    def __init__(self, *, in_memory: bool = False) -> None:
        # "" = a private temporary database on disk, deleted when the connection closes.
        # check_same_thread=False: only the run's main thread uses it, but a progress callback
        # or a library caller may run elsewhere; writes are never concurrent.
        self.db = sqlite3.connect(":memory:" if in_memory else "", check_same_thread=False)
        self.db.executescript(_SCHEMA)
        self.db.execute("PRAGMA synchronous = OFF")  # nothing here outlives the process

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RunState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pending rows ---------------------------------------------------------------------------

    def add_pending(self, rows: Iterable[PlannedRow], *, with_fields: bool = True) -> None:
        """Keep ``rows`` until they are written; ``with_fields`` False (a dry run, which never
        writes) keeps everything but the records' field values and file bytes."""
        rows = list(rows)
        self.db.executemany(
            "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?)",
            (
                (
                    r.line,
                    _dump_row(r, with_fields),
                    row_key(r),
                    r.job,
                    _dump([u for u in (r.user, *(t.user for t in r.tasks)) if u]) or None,
                )
                for r in rows
            ),
        )
        if with_fields:
            self.db.executemany(
                "INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)",
                (
                    (r.line, i, f.data)
                    for r in rows
                    for i, f in enumerate(r.files)
                    if f.data is not None
                ),
            )

    def add_failed(self, results: Iterable[ResultRow]) -> None:
        """Keep the results of rows that failed before they could be planned, to be written
        out in input order with the others (:meth:`failed_between`)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO failed VALUES (?, ?)",
            ((r.line, _dump(r.as_dict())) for r in results),
        )

    def failed_between(self, after: int, upto: int | None) -> list[ResultRow]:
        """The kept failed results of lines in ``(after, upto]`` (``upto`` None: all after)."""
        bound = upto if upto is not None else 2**62
        return [
            ResultRow(**_load(text))
            for (text,) in self.db.execute(
                "SELECT result FROM failed WHERE line > ? AND line <= ? ORDER BY line",
                (after, bound),
            )
        ]

    def pending_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM pending").fetchone()[0])

    def pending_jobs(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT job FROM pending WHERE job IS NOT NULL ORDER BY job"
            )
        ]

    def pending_users(self) -> list[str]:
        users: set[str] = set()
        for (text,) in self.db.execute(
            "SELECT DISTINCT users FROM pending WHERE users IS NOT NULL"
        ):
            users.update(_load(text) or [])
        return sorted(users)

    def pending_chunks(
        self,
        size: int,
        *,
        with_data: bool = False,
        max_bytes: int = CHUNK_FILE_BYTES,
        after: int = 0,
    ) -> Iterator[list[PlannedRow]]:
        """The pending rows after line ``after`` in line order, ``size`` at a time;
        ``with_data``: with the bytes of their files (to write them), and then also no more
        than ``max_bytes`` of files per chunk (at least one row), so memory stays bounded
        however big the files are."""
        last = after
        while True:
            found = self.db.execute(
                "SELECT line, row FROM pending WHERE line > ? ORDER BY line LIMIT ?", (last, size)
            ).fetchall()
            if not found:
                return
            rows = [_load_row(text) for _, text in found]
            if with_data:
                total, kept = 0, 0
                for row in rows:
                    total += sum(f.size for f in row.files)
                    if kept and total > max_bytes:
                        break
                    kept += 1
                rows = rows[:kept]
                self._attach_data(rows)
            last = rows[-1].line
            yield rows

    def applicant_fields(self) -> list[str]:
        """Every applicant field name some pending row has, in first-seen order."""
        names: dict[str, None] = {}
        for rows in self.pending_chunks(2_000):
            for row in rows:
                names.update(dict.fromkeys(row.applicant))
        return list(names)

    def _attach_data(self, rows: list[PlannedRow]) -> None:
        lines = [r.line for r in rows if r.files]
        data: dict[tuple[int, int], bytes] = {}
        for batch in _batches(lines):
            marks = ",".join("?" * len(batch))
            for line, idx, blob in self.db.execute(
                f"SELECT line, idx, data FROM blobs WHERE line IN ({marks})", batch
            ):
                data[(line, idx)] = bytes(blob)
        for row in rows:
            for i, planned in enumerate(row.files):
                planned.data = data.get((row.line, i))

    # -- contacts -------------------------------------------------------------------------------

    def contacts(self, keys: Sequence[int]) -> dict[int, ContactState]:
        out: dict[int, ContactState] = {}
        for batch in _batches(sorted(set(keys))):
            marks = ",".join("?" * len(batch))
            for row in self.db.execute(
                f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE key IN ({marks})", batch
            ):
                out[row[0]] = ContactState(*row)
        return out

    def save_contacts(self, states: Iterable[ContactState]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO contacts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    s.key,
                    s.first_line,
                    s.origin,
                    s.contact_id,
                    s.matches,
                    s.error_code,
                    s.error_message,
                    s.error_field,
                )
                for s in states
            ),
        )

    def contacts_to_create(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(key, fields)`` of the Contacts this run still has to create (no id, no error),
        the fields being those of the first row with that key."""
        for key, text in self.db.execute(
            "SELECT c.key, p.row FROM contacts c JOIN pending p ON p.line = c.first_line "
            "WHERE c.origin = ? AND c.contact_id IS NULL AND c.error_code IS NULL "
            "ORDER BY c.first_line",
            (NEW,),
        ):
            yield key, _load_row(text).contact

    def set_contact_ids(self, found: Iterable[tuple[int, str]]) -> None:
        self.db.executemany(
            "UPDATE contacts SET contact_id = ? WHERE key = ?",
            ((contact_id, key) for key, contact_id in found),
        )

    def set_contact_errors(self, errors: Iterable[tuple[int, str, str, str | None]]) -> None:
        """``(key, error code, message, field)`` of Contacts whose create failed."""
        self.db.executemany(
            "UPDATE contacts SET error_code = ?, error_message = ?, error_field = ? WHERE key = ?",
            ((code, message, field, key) for key, code, message, field in errors),
        )

    def keys_of_contacts(self, contact_ids: Sequence[str]) -> dict[str, int]:
        """The key of each Contact id the run knows."""
        out: dict[str, int] = {}
        for batch in _batches(sorted(set(contact_ids))):
            marks = ",".join("?" * len(batch))
            for key, contact_id in self.db.execute(
                f"SELECT key, contact_id FROM contacts WHERE contact_id IN ({marks})", batch
            ):
                out[contact_id] = key
        return out

    # -- applicants -----------------------------------------------------------------------------

    def applicants(self, pairs: Sequence[tuple[int, str]]) -> dict[tuple[int, str], ApplicantState]:
        out: dict[tuple[int, str], ApplicantState] = {}
        wanted = set(pairs)
        for batch in _batches(sorted({k for k, _ in wanted})):
            marks = ",".join("?" * len(batch))
            for row in self.db.execute(
                "SELECT key, job_id, first_line, applicant_id, existing, error_code, "
                f"error_message, error_field FROM applicants WHERE key IN ({marks})",
                batch,
            ):
                state = ApplicantState(
                    row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6], row[7]
                )
                if (state.key, state.job_id) in wanted:
                    out[(state.key, state.job_id)] = state
        return out

    def save_applicants(self, states: Iterable[ApplicantState]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO applicants VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    s.key,
                    s.job_id,
                    s.first_line,
                    s.applicant_id,
                    int(s.existing),
                    s.error_code,
                    s.error_message,
                    s.error_field,
                )
                for s in states
            ),
        )

    def set_applicant_ids(self, found: Iterable[tuple[int, str, str]]) -> None:
        """``(key, job id, applicant id)`` of applications created."""
        self.db.executemany(
            "UPDATE applicants SET applicant_id = ? WHERE key = ? AND job_id = ?",
            ((applicant_id, key, job) for key, job, applicant_id in found),
        )

    def set_applicant_errors(self, errors: Iterable[tuple[int, str, str, str, str | None]]) -> None:
        """``(key, job id, error code, message, field)`` of applications whose create failed."""
        self.db.executemany(
            "UPDATE applicants SET error_code = ?, error_message = ?, error_field = ? "
            "WHERE key = ? AND job_id = ?",
            ((code, message, field, key, job) for key, job, code, message, field in errors),
        )

    # -- files and Tasks ------------------------------------------------------------------------

    def children(
        self, kind: str, pairs: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], ChildState]:
        out: dict[tuple[int, str], ChildState] = {}
        wanted = set(pairs)
        for batch in _batches(sorted({k for k, _ in wanted})):
            marks = ",".join("?" * len(batch))
            for row in self.db.execute(
                "SELECT key, ident, first_line, record_id, existing, error_code, error_message "
                f"FROM children WHERE kind = ? AND key IN ({marks})",
                [kind, *batch],
            ):
                state = ChildState(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])
                if (state.key, state.ident) in wanted:
                    out[(state.key, state.ident)] = state
        return out

    def save_children(self, kind: str, states: Iterable[ChildState]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO children VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    kind,
                    s.key,
                    s.ident,
                    s.first_line,
                    s.record_id,
                    int(s.existing),
                    s.error_code,
                    s.error_message,
                )
                for s in states
            ),
        )

    # -- what a bulk scan of the org found ------------------------------------------------------

    def add_org_contacts(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """``(key, contact id, CreatedDate)`` of Contacts in the org."""
        self.db.executemany("INSERT INTO org_contacts VALUES (?, ?, ?)", rows)

    def org_contacts(self, keys: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """Contacts found by the scan, per key, oldest first (CreatedDate, then Id)."""
        out: dict[int, list[dict[str, Any]]] = {}
        for batch in _batches(sorted(set(keys))):
            marks = ",".join("?" * len(batch))
            for key, contact_id, created in self.db.execute(
                f"SELECT key, contact_id, created FROM org_contacts WHERE key IN ({marks}) "
                "ORDER BY key, created, contact_id",
                batch,
            ):
                out.setdefault(key, []).append({"Id": contact_id, "CreatedDate": created})
        return out

    def add_org_applicants(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """``(contact id, job id, applicant id)`` of applications in the org (for a pair with
        several, the first one read is kept: any one proves the application exists)."""
        self.db.executemany("INSERT OR IGNORE INTO org_applicants VALUES (?, ?, ?)", rows)

    def org_applicants(self, contact_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """``contact id → [(job id, applicant id)]`` of the applications the scan found."""
        out: dict[str, list[tuple[str, str]]] = {}
        for batch in _batches(sorted(set(contact_ids))):
            marks = ",".join("?" * len(batch))
            for contact_id, job_id, applicant_id in self.db.execute(
                "SELECT contact_id, job_id, applicant_id FROM org_applicants "
                f"WHERE contact_id IN ({marks})",
                batch,
            ):
                out.setdefault(contact_id, []).append((job_id, applicant_id))
        return out


def _batches(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _IN_BATCH):
        yield values[start : start + _IN_BATCH]


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dump_row(row: PlannedRow, with_fields: bool) -> str:
    """A row as JSON, field by field (``dataclasses.asdict`` deep-copies: most of the cost);
    the files' bytes live in the blobs table."""
    data = {
        "line": row.line,
        "source_id": row.source_id,
        "contact_key": row.contact_key,
        "contact": row.contact if with_fields else {},
        "job": row.job,
        "stage": row.stage,
        "user": row.user,
        "applicant": row.applicant if with_fields else {},
        "files": [
            {
                "path": f.path,
                "name": f.name,
                "checksum": f.checksum,
                "size": f.size,
                "fields": f.fields if with_fields else {},
                "data": None,
                "same_as": f.same_as,
            }
            for f in row.files
        ],
        "tasks": [
            {
                "path": t.path,
                "fields": t.fields if with_fields else {},
                "user": t.user,
                "remote_id": t.remote_id,
                "same_as": t.same_as,
            }
            for t in row.tasks
        ],
        "warnings": row.warnings,
        "sources": row.sources,
        "application_id": row.application_id,
    }
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def _load_row(text: str) -> PlannedRow:
    data = json.loads(text)
    data["files"] = [PlannedFile(**f) for f in data["files"]]
    data["tasks"] = [PlannedTask(**t) for t in data["tasks"]]
    return PlannedRow(**data)
