"""The import's working state, on disk: the records waiting to be written and what the run knows.

An import must remember every email it has seen (a later row with the same email reuses the
Contact of the first) and every (candidate, job) pair (a second application is a duplicate), and
the bulk path must hold every planned record until its job runs. Kept in Python objects, that
grows with the file; here it lives in a private temporary SQLite database (deleted when closed),
whose page cache is bounded, so memory stays flat however large the input is.

Emails (and other match values) are stored as 64-bit BLAKE2b keys, not as text: compact, and no
personal data in the temporary file beyond the planned records themselves.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .planning import PlannedRow

#: Origins of a Contact the run knows.
ORG = "org"  # existed in the org before this run found it
NEW = "new"  # created (or to be created) by this run


def match_key(value: str) -> int:
    """The 64-bit key of a normalised match value (an email)."""
    return int.from_bytes(
        hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big", signed=True
    )


@dataclass
class ContactState:
    """What the run knows about the Contact of one match key."""

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
    """What the run knows about the application of one (match key, job)."""

    key: int
    job_id: str
    first_line: int
    applicant_id: str | None = None
    #: True when it existed in the org before this run.
    existing: bool = False
    error_code: str | None = None
    error_message: str | None = None
    error_field: str | None = None


_SCHEMA = """
CREATE TABLE pending (
    line INTEGER PRIMARY KEY, source_id TEXT, match_value TEXT, key INTEGER, job TEXT,
    stage TEXT, user_ref TEXT, contact TEXT, applicant TEXT, warnings TEXT);
CREATE INDEX pending_key ON pending(key);
CREATE TABLE contacts (
    key INTEGER PRIMARY KEY, first_line INTEGER, origin TEXT, contact_id TEXT,
    matches INTEGER, error_code TEXT, error_message TEXT, error_field TEXT);
CREATE TABLE applicants (
    key INTEGER, job_id TEXT, first_line INTEGER, applicant_id TEXT, existing INTEGER,
    error_code TEXT, error_message TEXT, error_field TEXT, PRIMARY KEY (key, job_id));
CREATE INDEX contacts_id ON contacts(contact_id);
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


class RunState:
    """The temporary database of one import run. Use as a context manager, or call close()."""

    def __init__(self) -> None:
        # "" = a private temporary database on disk, deleted when the connection closes.
        # check_same_thread=False: only the import's main thread uses it, but a progress
        # callback or a library caller may run elsewhere; writes are never concurrent.
        self.db = sqlite3.connect("", check_same_thread=False)
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
        """Keep ``rows`` until they are decided; ``with_fields`` False (a dry run, which never
        writes) keeps everything but the records' field values."""
        self.db.executemany(
            "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    r.line,
                    r.source_id,
                    r.match_value,
                    match_key(r.match_value),
                    r.job,
                    r.stage,
                    r.user,
                    _dump(r.contact) if with_fields else None,
                    _dump(r.applicant) if with_fields else None,
                    _dump(r.warnings) if r.warnings else None,
                )
                for r in rows
            ),
        )

    def pending_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM pending").fetchone()[0])

    def pending_jobs(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT job FROM pending ORDER BY job")]

    def pending_users(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT user_ref FROM pending WHERE user_ref IS NOT NULL"
            )
        ]

    def applicant_fields(self) -> list[str]:
        """Every applicant field name some pending row has, in first-seen order."""
        names: dict[str, None] = {}
        for (text,) in self.db.execute("SELECT applicant FROM pending"):
            names.update(dict.fromkeys(_load(text) or {}))
        return list(names)

    def pending_chunks(self, size: int) -> Iterator[list[PlannedRow]]:
        """The pending rows in line order, ``size`` at a time."""
        last = 0
        while True:
            rows = self.db.execute(
                "SELECT line, source_id, match_value, job, stage, user_ref, contact, applicant, "
                "warnings FROM pending WHERE line > ? ORDER BY line LIMIT ?",
                (last, size),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [
                PlannedRow(
                    line=r[0],
                    source_id=r[1],
                    match_value=r[2],
                    job=r[3],
                    stage=r[4],
                    user=r[5],
                    contact=_load(r[6]) or {},
                    applicant=_load(r[7]) or {},
                    warnings=_load(r[8]) or [],
                )
                for r in rows
            ]

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

    def new_contact_keys(self) -> Iterator[ContactState]:
        """Contacts this run has to create that are not created yet, in first-line order."""
        for row in self.db.execute(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE origin = ? AND contact_id IS NULL "
            "AND error_code IS NULL ORDER BY first_line",
            (NEW,),
        ):
            yield ContactState(*row)

    def contacts_to_create(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(key, fields)`` of the Contacts this run still has to create (no id, no error),
        the fields being those of the first row with that key."""
        for key, text in self.db.execute(
            "SELECT c.key, p.contact FROM contacts c JOIN pending p ON p.line = c.first_line "
            "WHERE c.origin = ? AND c.contact_id IS NULL AND c.error_code IS NULL "
            "ORDER BY c.first_line",
            (NEW,),
        ):
            yield key, _load(text) or {}

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
        """The match key of each Contact id the run knows."""
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
                f"SELECT key, job_id, first_line, applicant_id, existing, error_code, "
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

    def org_applicants(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        wanted = set(pairs)
        for batch in _batches(sorted({c for c, _ in wanted})):
            marks = ",".join("?" * len(batch))
            for contact_id, job_id, applicant_id in self.db.execute(
                f"SELECT contact_id, job_id, applicant_id FROM org_applicants "
                f"WHERE contact_id IN ({marks})",
                batch,
            ):
                if (contact_id, job_id) in wanted:
                    out[(contact_id, job_id)] = applicant_id
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
