"""Many rows, written over REST chunk by chunk: find, decide, write, settle — the same core as
a single action, with Collections instead of one Composite unit.

For each chunk of planned rows (in line order): the facts the org holds for them (lookups batched
to Salesforce's limits), the decisions (remembered in the run state, so later chunks see them),
the records to write (a Contact once per candidate, applicants, files, Tasks), written level by
level through sObject Collections inside Composite (:mod:`asymbl_sf.salesforce.collections`);
files too big for a JSON body go alone as multipart. What each write became is settled in the run
state, and every row gets its outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from asymbl_sf.attachments import files
from asymbl_sf.errors import AsymblError, AuthenticationError, RequestLimitError, SalesforceError
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.collections import CollectionWriter
from asymbl_sf.salesforce.units import PendingWrite, UnitResult
from asymbl_sf.schema.names import APPLICANT, CONTACT
from asymbl_sf.state.ledger import CreatedLedger

from .decide import Counts, Decided, Decider
from .facts import FactFinder
from .keys import applicant_key, contact_key
from .lost import finder_of
from .outcome import ResultRow, outcome
from .plan import PlannedRow
from .records import WriteSet, settle, write_set
from .rules import WriteRules
from .state import FILE, TASK, RunState, row_key


@dataclass
class ChunkResult:
    rows: list[ResultRow]
    counts: Counts
    #: Contacts this chunk created.
    contacts_created: int = 0


class BatchWriter:
    """Writes chunks of planned rows into one org over REST."""

    def __init__(
        self,
        api: SalesforceApi,
        rules: WriteRules,
        state: RunState,
        finder: FactFinder,
        decider: Decider,
        writer: CollectionWriter,
        *,
        ledger: CreatedLedger | None = None,
    ) -> None:
        self.api = api
        self.rules = rules
        self.state = state
        self.finder = finder
        self.decider = decider
        self.writer = writer
        self.ledger = ledger

    def decide(self, rows: Sequence[PlannedRow]) -> Decided:
        facts = self.finder.find(rows, known=self.decider.known_contacts(rows))
        return self.decider.decide(rows, facts)

    def plan(self, rows: Sequence[PlannedRow]) -> ChunkResult:
        """A dry run of ``rows``: their planned outcomes; nothing is written."""
        decided = self.decide(rows)
        results = [outcome(d, decided, dry_run=True) for d in decided.decisions]
        return ChunkResult([r for r in results if r is not None], decided.counts)

    def write(self, rows: Sequence[PlannedRow]) -> ChunkResult:
        """Write ``rows``; every row whose writes got an answer gets its outcome (a stop for
        the daily limit or the session is raised once the outcomes known are in the result)."""
        decided = self.decide(rows)
        writes = write_set(decided, self.rules)
        result = UnitResult()
        before = sum(1 for s in decided.contacts.values() if s.contact_id)
        self.writer.notes = _LedgerNotes(self.ledger, writes) if self.ledger else None
        try:
            small: list[PendingWrite] = []
            big: list[PendingWrite] = []
            for write in writes.values():
                fits = write.data is None or files.fits_json_size(len(write.data))
                (small if fits else big).append(write)
            self.writer.write(
                small, finder_of(self.finder, self.rules, writes, result), into=result
            )
            self._upload_alone(big, result)
        finally:
            settle(decided, writes, result)
            self._save(decided)
        created = sum(1 for s in decided.contacts.values() if s.contact_id) - before
        results = [outcome(d, decided, dry_run=False) for d in decided.decisions]
        return ChunkResult([r for r in results if r is not None], decided.counts, created)

    def _upload_alone(self, big: list[PendingWrite], result: UnitResult) -> None:
        """Files too big for a JSON body: one multipart upload each, once their Contact is
        written (a failure fails that file only)."""
        for write in big:
            if any(t not in result.ids for t in write.refs.values()):
                result.blocked.append(write.key)
                continue
            fields = {k: v for k, v in write.body(result.ids).items() if k != "VersionData"}
            try:
                result.ids[write.key] = files.upload_version(self.api, fields, write.data or b"")
            except (RequestLimitError, AuthenticationError):
                raise
            except SalesforceError as exc:
                result.errors[write.key] = exc
            except AsymblError as exc:
                result.errors[write.key] = SalesforceError(str(exc), error_code="UPLOAD_FAILED")

    def _save(self, decided: Decided) -> None:
        self.state.save_contacts(decided.contacts.values())
        self.state.save_applicants(decided.applicants.values())
        self.state.save_children(FILE, decided.files.values())
        self.state.save_children(TASK, decided.tasks.values())


class _LedgerNotes:
    """Notes the Contacts and applications a write sends in the created ledger (pending), and
    settles them with the answers (:mod:`asymbl_sf.state.ledger`)."""

    def __init__(self, ledger: CreatedLedger, writes: WriteSet) -> None:
        self.ledger = ledger
        self.writes = writes
        #: write key → (sobject, ledger key) of what was noted as pending.
        self.noted: dict[str, tuple[str, str]] = {}

    def sending(self, writes: Sequence[PendingWrite], ids: dict[str, str]) -> None:
        pending: dict[str, list[str]] = {}
        for write in writes:
            origin = self.writes.origins.get(write.key)
            if origin is None or write.record_id:
                continue
            if origin.kind == "contact" and origin.row.match_value:
                key = contact_key(row_key(origin.row))
            elif origin.kind == "applicant":
                owner, is_ref = origin.contact
                owner_id = ids.get(owner) if is_ref else owner
                if not owner_id:
                    continue
                key = applicant_key(owner_id, origin.detail)
            else:
                continue
            self.noted[write.key] = (write.sobject, key)
            pending.setdefault(write.sobject, []).append(key)
        for sobject, keys in pending.items():
            self.ledger.note_pending(sobject, keys)

    def answered(self, created: dict[str, str], refused: Sequence[str]) -> None:
        by_sobject: dict[str, tuple[list[str], list[str]]] = {}
        for key in (*created, *refused):
            noted = self.noted.get(key)
            if noted is None:
                continue
            ids, settled = by_sobject.setdefault(noted[0], ([], []))
            if key in created:
                ids.append(created[key])
            settled.append(noted[1])
        for sobject in (CONTACT, APPLICANT):
            if sobject in by_sobject:
                ids, settled = by_sobject[sobject]
                self.ledger.record(sobject, ids, settled=settled)
