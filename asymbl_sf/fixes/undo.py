"""``undo JOURNAL``: put back what a fix changed, looking before touching anything.

A journal holds intents written before the fix's writes (:mod:`asymbl_sf.state.journal`), so
undo reads the org first and acts only on what the fix actually did:

1. **records it deleted** come back with their own ids (Salesforce's undelete: the SOAP API's
   ``undelete()`` on the session the client holds; REST has none), which also restores the
   lookups Salesforce cleared on their children and the children its deletion took with it (a
   Contact's file links). A record that was never deleted is left alone.
2. **values it changed** go back to their before-image, field by field, where the field still
   holds what the fix wrote; a field someone changed since is a *conflict*, reported and left as
   it is unless ``force``.
3. **records it created** are deleted (into the recycle bin).

Every record gets an outcome (``restored``, ``undeleted``, ``deleted``,
``unchanged``: nothing to undo, ``conflict``, ``failed``). A dry run says what it would do.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asymbl_sf.errors import ConfigurationError, SalesforceError
from asymbl_sf.reading.convert import get_path
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.collections import CollectionWriter
from asymbl_sf.salesforce.units import PendingWrite, UnitResult
from asymbl_sf.schema.ids import to_18
from asymbl_sf.state.journal import Entry, Journal
from asymbl_sf.writes.queries import in_queries, run_queries

from .update import Change, FixRow
from .values import same_value

CHUNK = 2_000


@dataclass
class UndoSummary:
    journal: str
    kind: str
    dry_run: bool
    outcomes: dict[str, int] = field(default_factory=dict)
    rows: list[FixRow] = field(default_factory=list)
    api_calls: int = 0
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(self.outcomes.get(o) for o in ("conflict", "failed"))

    def add(self, row: FixRow) -> None:
        self.outcomes[row.outcome] = self.outcomes.get(row.outcome, 0) + 1
        self.rows.append(row)

    def as_dict(self) -> dict[str, Any]:
        return {
            "journal": self.journal,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "outcomes": self.outcomes,
            "ok": self.ok,
            "api_calls": self.api_calls,
            "elapsed": round(self.elapsed, 3),
            "records": [r.as_dict() for r in self.rows],
        }

    def text(self, shown: int = 20) -> str:
        head = "dry run of the undo (nothing written)" if self.dry_run else "undo"
        counts = ", ".join(f"{n:,} {o}" for o, n in sorted(self.outcomes.items())) or "nothing"
        lines = [f"{head} of {self.journal} ({self.kind}): {counts}"]
        for row in [r for r in self.rows if r.outcome in ("conflict", "failed")][:shown]:
            lines.append(f"  {row.id}: {row.outcome}: {row.error}")
        lines.append(f"  {self.api_calls:,} API call(s); {self.elapsed:.1f} s")
        return "\n".join(lines)


class Undo:
    """Puts back what one journal's fix did, in one org."""

    def __init__(
        self, api: SalesforceApi, org: str, *, force: bool = False, dry_run: bool = False
    ) -> None:
        self.api = api
        self.org = org
        self.force = force
        self.dry_run = dry_run

    def run(self, path: Path) -> UndoSummary:
        started, calls = time.monotonic(), self.api.usage.calls
        try:
            journal = Journal.open(path)
        except FileNotFoundError:
            raise ConfigurationError(f"no journal {path}") from None
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if journal.header.org != self.org:
            raise ConfigurationError(
                f"{path} is the journal of a fix in another org ({journal.header.org}); this "
                f"client is connected to {self.org}: connect to that org to undo it"
            )
        summary = UndoSummary(str(path), journal.header.kind, self.dry_run)
        # Backwards through the journal, a run of one kind of step at a time: what the fix did
        # last is undone first, so every step finds the org as the fix left it after that step
        # (a Contact is back before its children are pointed at it again; an application moved
        # off a Contact is moved back before the one deleted in its place returns).
        for op, run in _runs(reversed(list(journal.entries()))):
            if op == "delete":
                steps = self._undelete(run)
            elif op == "update":
                steps = (row for chunk in _chunks(run, CHUNK) for row in self._restore(chunk))
            elif op == "created":
                steps = self._remove(run)
            else:
                continue  # a create intent: its "created" line (if any) names what to remove
            for row in steps:
                summary.add(row)
        summary.api_calls = self.api.usage.calls - calls
        summary.elapsed = time.monotonic() - started
        return summary

    # -- deleted records ------------------------------------------------------------------------

    def _undelete(self, entries: list[Entry]) -> Iterator[FixRow]:
        if not entries:
            return
        gone = self._deleted_ids(entries)
        wanted = [e for e in entries if to_18(str(e.id)) in gone]
        for entry in entries:
            if to_18(str(entry.id)) not in gone:
                yield FixRow("unchanged", entry.id, error="not deleted: nothing to undo")
        if wanted and not self.dry_run:
            from asymbl_sf.salesforce.soap import undelete

            results = undelete(self.api, [to_18(str(e.id)) for e in wanted])
            for entry in wanted:
                error = results.get(to_18(str(entry.id)))
                yield FixRow("failed" if error else "undeleted", entry.id, error=error)
        else:
            for entry in wanted:
                yield FixRow("would_undelete", entry.id)

    def _deleted_ids(self, entries: list[Entry]) -> set[str]:
        """Which of the records the journal deleted are in the recycle bin now."""
        out: set[str] = set()
        by_object: dict[str, list[str]] = {}
        for entry in entries:
            by_object.setdefault(entry.sobject, []).append(to_18(str(entry.id)))
        for sobject, ids in by_object.items():
            for soql in in_queries(
                self.api, f"SELECT Id, IsDeleted FROM {sobject} WHERE Id IN {{values}}", ids
            ):
                for row in self.api.query_iter(soql, include_deleted=True):
                    if row.get("IsDeleted"):
                        out.add(to_18(str(row["Id"])))
        return out

    # -- changed values -------------------------------------------------------------------------

    def _restore(self, entries: list[Entry]) -> Iterator[FixRow]:
        entries = _per_record(entries)
        current = self._current(entries)
        writes: list[PendingWrite] = []
        rows: dict[str, FixRow] = {}
        for entry in entries:
            record_id = to_18(str(entry.id))
            now = current.get(record_id)
            row = FixRow("restored", record_id)
            if now is None:
                row.outcome, row.error = "failed", "the record no longer exists"
                yield row
                continue
            back: dict[str, Any] = {}
            conflicts = []
            for name, before in entry.before.items():
                value = get_path(now, name)
                if same_value(value, before):
                    continue  # already as it was (never changed, or undone)
                if not same_value(value, entry.after.get(name)) and not self.force:
                    conflicts.append(
                        f"{name} is {value!r} now, not {entry.after.get(name)!r} as the fix left it"
                    )
                    continue
                back[name] = before
                row.changes.append(Change(name, value, before))
            if conflicts:
                row.outcome, row.error = (
                    "conflict",
                    "; ".join(conflicts)
                    + (" (changed since the fix: left as it is; --force puts it back anyway)"),
                )
            elif not back:
                row.outcome = "unchanged"
            if back:
                writes.append(PendingWrite(record_id, entry.sobject, back, record_id=record_id))
            rows[record_id] = row
        if writes and not self.dry_run:
            result = CollectionWriter(self.api).write(writes, lambda lost: {}, into=UnitResult())
            for key, error in result.errors.items():
                rows[key].outcome, rows[key].error = "failed", str(error)
        for row in rows.values():
            if self.dry_run and row.outcome == "restored":
                row.outcome = "would_restore"
            yield row

    def _current(self, entries: Sequence[Entry]) -> dict[str, dict[str, Any]]:
        by_object: dict[str, tuple[set[str], set[str]]] = {}
        for entry in entries:
            ids, names = by_object.setdefault(entry.sobject, (set(), set()))
            ids.add(to_18(str(entry.id)))
            names.update(entry.before)
        soqls = []
        for sobject, (ids, names) in by_object.items():
            select = ", ".join(dict.fromkeys(["Id", *sorted(names)]))
            soqls += in_queries(
                self.api, f"SELECT {select} FROM {sobject} WHERE Id IN {{values}}", ids
            )
        # Five queries per Composite call: 5,000 records' values in two calls.
        return {to_18(str(row["Id"])): row for rows in run_queries(self.api, soqls) for row in rows}

    # -- created records ------------------------------------------------------------------------

    def _remove(self, created: list[Entry]) -> Iterator[FixRow]:
        ids = [to_18(str(e.id)) for e in created if e.id]
        if not ids:
            return
        if self.dry_run:
            yield from (FixRow("would_delete", i) for i in ids)
            return
        for start in range(0, len(ids), 200):
            batch = ids[start : start + 200]
            try:
                answers = self.api.delete_collection(batch)
            except SalesforceError as exc:
                yield from (FixRow("failed", i, error=str(exc)) for i in batch)
                continue
            for record_id, answer in zip(batch, answers, strict=True):
                errors = answer.get("errors") or []
                gone = any(e.get("statusCode") == "ENTITY_IS_DELETED" for e in errors)
                if answer.get("success") or gone:
                    yield FixRow("deleted", record_id)
                else:
                    yield FixRow(
                        "failed", record_id, error="; ".join(str(e.get("message")) for e in errors)
                    )


def _per_record(entries: list[Entry]) -> list[Entry]:
    """One entry per record: a fix that changed a record twice (a merge moves an application,
    then adds the other's notes to it) is undone to the values before the first change, and
    judged against the values after the last."""
    merged: dict[str, Entry] = {}
    for entry in entries:
        key = to_18(str(entry.id))
        known = merged.get(key)
        if known is None:
            merged[key] = Entry(
                entry.op,
                entry.sobject,
                entry.id,
                before=dict(entry.before),
                after=dict(entry.after),
            )
            continue
        for name, value in entry.before.items():
            known.before.setdefault(name, value)
        known.after.update(entry.after)
    return list(merged.values())


def _runs(entries: Iterable[Entry]) -> Iterator[tuple[str, list[Entry]]]:
    """Consecutive entries of one op, as ``(op, entries)``."""
    run: list[Entry] = []
    for entry in entries:
        if run and entry.op != run[0].op:
            yield run[0].op, run
            run = []
        run.append(entry)
    if run:
        yield run[0].op, run


def _chunks(entries: list[Entry], size: int) -> Iterator[list[Entry]]:
    for start in range(0, len(entries), size):
        yield entries[start : start + size]
