"""The REST path: chunk by chunk, decide, create the Contacts, then the applications.

Per chunk of 2,000 rows, about: one Composite call of Contact lookups, one of application
lookups (only for Contacts that already existed), two calls creating Contacts and two creating
applications (five Collections of 200 in each). Results are appended and flushed after each
chunk, so an import killed at any moment loses at most the chunk in flight, and a rerun finds
what that chunk wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asymbl_sf.errors import SalesforceError

from .decide import APP_CREATE, BLOCKED, CREATE, ChunkFacts, Decider, Decision
from .ledger_keys import applicant_key, contact_key
from .lookups import OrgLookup
from .outcomes import outcome
from .planning import APPLICANT, CONTACT
from .progress import WRITING
from .state import RunState
from .writing import CollectionWriter, WriteResult

if TYPE_CHECKING:
    from .engine import _Run


class RestRun:
    def __init__(self, run: _Run, state: RunState, decider: Decider, lookup: OrgLookup) -> None:
        self.run_ = run
        self.state = state
        self.decider = decider
        self.lookup = lookup
        self.writer = CollectionWriter(
            run.api, run.retry, max_concurrency=run.options.max_concurrency, ledger=run.ledger
        )

    def run(self, planned: int) -> None:
        done = 0
        for rows in self.state.pending_chunks(self.run_.options.chunk_size):
            decisions, facts = self.decider.decide(rows)
            self.run_.count_facts(facts)
            try:
                self._write(decisions, facts)
            finally:
                # Also when the import stops half-way: rows that got their outcome are recorded.
                results = [
                    outcome(
                        d, facts.contacts.get(d.key), facts.applicants.get(d.pair), dry_run=False
                    )
                    for d in decisions
                ]
                self.run_.emit([r for r in results if r is not None])
            done += len(rows)
            self.run_.report(WRITING, done, planned, finished=done >= planned)

    # -- one chunk ------------------------------------------------------------------------------

    def _write(self, decisions: list[Decision], facts: ChunkFacts) -> None:
        live = [d for d in decisions if d.failure is None and d.contact != BLOCKED]
        contacts = {d.key: d.row.contact for d in live if d.contact == CREATE}
        values = {d.key: d.row.match_value for d in live}
        if contacts:
            written: WriteResult[int] = WriteResult()
            try:
                self.writer.create(
                    CONTACT,
                    contacts,
                    lambda keys: self._find_contacts(keys, values),
                    written,
                    ledger_key=contact_key,
                )
            finally:
                for key, contact_id in written.ids.items():
                    facts.contacts[key].contact_id = contact_id
                for key, error in written.errors.items():
                    _set_error(facts.contacts[key], error, CONTACT)
                self.run_.summary.contacts_new += len(written.ids)
                self.state.save_contacts(facts.contacts[k] for k in contacts)
        applicants: dict[tuple[int, str], dict[str, Any]] = {}
        contact_of: dict[tuple[int, str], str] = {}
        for decision in live:
            known = facts.contacts[decision.key].contact_id
            if decision.application != APP_CREATE or known is None:
                continue
            applicants[decision.pair] = self._applicant(decision, known)
            contact_of[decision.pair] = known
        if not applicants:
            return
        made: WriteResult[tuple[int, str]] = WriteResult()
        try:
            self.writer.create(
                APPLICANT,
                applicants,
                lambda pairs: self._find_applicants(pairs, contact_of),
                made,
                ledger_key=lambda pair: applicant_key(contact_of[pair], pair[1]),
            )
        finally:
            for pair, applicant_id in made.ids.items():
                facts.applicants[pair].applicant_id = applicant_id
            for pair, error in made.errors.items():
                _set_error(facts.applicants[pair], error, APPLICANT)
            self.state.save_applicants(facts.applicants[p] for p in applicants)

    def _applicant(self, decision: Decision, contact_id: str) -> dict[str, Any]:
        """The applicant's fields with its references filled in."""
        ids = {
            CONTACT: contact_id,
            "job": decision.job_id,
            "stage": decision.stage_id,
            "user": decision.user_id,
        }
        fields = dict(decision.row.applicant)
        for name, ref in self.run_.rules.applicant_refs.items():
            if ids.get(ref):
                fields[name] = ids[ref]
        return fields

    def _find_contacts(self, keys: list[int], values: dict[int, str]) -> dict[int, str]:
        wanted = {values[k]: k for k in keys}
        found = self.lookup.contacts(list(wanted))
        return {
            wanted[value]: str(matches[0]["Id"])
            for value, matches in found.items()
            if value in wanted and matches
        }

    def _find_applicants(
        self, pairs: list[tuple[int, str]], contact_of: dict[tuple[int, str], str]
    ) -> dict[tuple[int, str], str]:
        by_ids = {(contact_of[p], p[1]): p for p in pairs}
        found = self.lookup.applicants(list(by_ids))
        return {by_ids[ids]: applicant_id for ids, applicant_id in found.items()}


def _set_error(state: Any, error: SalesforceError, sobject: str) -> None:
    state.error_code = error.error_code
    state.error_message = error.message
    state.error_field = f"{sobject}.{error.fields[0]}" if error.fields else None
