"""Deciding, row by row, what to find and what to create, and what each row's outcome is.

For a chunk of planned rows (in line order) and what the org holds:

* the **Contact**: an existing one (the mapping's ``when_many`` rule picks among several: an
  *ambiguous* match, warned about), one this run creates for the first row with that email, or
  the one an earlier row created (``reused``, with a warning naming that row's line); when the
  earlier row's Contact failed, the row is ``blocked`` (not attempted);
* the **application**: one per (Contact, job); an existing one means ``exists``, a second row for
  the same pair in the file finds the first row's.

What the run learns (Contacts and applications by key) goes to :class:`RunState`, so later
chunks, and rows far apart in a large file, see it without asking the org again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.dedupe import WhenMany, choose_match
from asymbl_sf.state.ledger import PendingClaims

from .ledger_keys import applicant_key, contact_key
from .lookups import OrgLookup
from .planning import APPLICANT, CONTACT, PlannedRow
from .references import References, Unresolved
from .results import ResultRow
from .state import NEW, ORG, ApplicantState, ContactState, RunState, match_key

# What happens to the Contact of a row.
EXISTING = "existing"  # found in the org
CREATE = "create"  # this row's Contact is created by this run
EARLIER = "earlier"  # created (or to be created) for an earlier row with the same email
BLOCKED = "blocked"  # the earlier row's Contact failed

# What happens to the application of a row.
APP_CREATE = "create"
APP_EXISTS = "exists"  # in the org already
APP_EARLIER = "earlier"  # an earlier row has the same candidate and job


@dataclass
class Decision:
    """What to do for one row."""

    row: PlannedRow
    key: int
    job_id: str = ""
    stage_id: str = ""
    user_id: str | None = None
    contact: str = CREATE
    application: str = APP_CREATE
    warnings: list[str] = field(default_factory=list)
    #: A final outcome known before writing anything (a job that does not exist, ...).
    failure: ResultRow | None = None

    @property
    def pair(self) -> tuple[int, str]:
        return self.key, self.job_id


@dataclass
class ChunkFacts:
    """What deciding one chunk found: the states to save and the counts for the summary."""

    contacts: dict[int, ContactState] = field(default_factory=dict)
    applicants: dict[tuple[int, str], ApplicantState] = field(default_factory=dict)
    new_contacts: int = 0
    reused_contacts: int = 0
    ambiguous_contacts: int = 0


class Decider:
    """Decides chunks of one run, keeping what it learns in ``state``."""

    def __init__(
        self,
        state: RunState,
        lookup: OrgLookup,
        references: References,
        when_many: WhenMany,
        *,
        claims: PendingClaims | None = None,
    ) -> None:
        self.state = state
        self.lookup = lookup
        self.references = references
        self.when_many = when_many
        #: Settles in the created ledger what a killed run sent and this run finds.
        self.claims = claims

    def decide(self, rows: list[PlannedRow]) -> tuple[list[Decision], ChunkFacts]:
        """Decisions for ``rows`` (in line order); their states are saved to the run state."""
        decisions = [
            self._resolve_references(Decision(row, match_key(row.match_value))) for row in rows
        ]
        live = [d for d in decisions if d.failure is None]
        facts = ChunkFacts()
        facts.contacts = self.state.contacts([d.key for d in live])
        known = set(facts.contacts)
        unknown = sorted({d.row.match_value for d in live if d.key not in facts.contacts})
        found = self.lookup.contacts(unknown) if unknown else {}
        for decision in live:
            self._decide_contact(decision, facts, found.get(decision.row.match_value, []))
        if self.claims is not None:
            # A single match only: with several, which one a killed run made is a guess.
            self.claims.claim(
                CONTACT,
                {
                    contact_key(s.key): s.contact_id
                    for s in facts.contacts.values()
                    if s.key not in known and s.origin == ORG and s.matches == 1 and s.contact_id
                },
            )
        self._decide_applications([d for d in live if d.failure is None], facts)
        self.state.save_contacts(facts.contacts.values())
        self.state.save_applicants(facts.applicants.values())
        return decisions, facts

    # -- references -----------------------------------------------------------------------------

    def _resolve_references(self, decision: Decision) -> Decision:
        row = decision.row
        job = self.references.job(row.job)
        if isinstance(job, Unresolved):
            return _fail(decision, job)
        stage = self.references.stage(job, row.stage)
        if isinstance(stage, Unresolved):
            return _fail(decision, stage)
        decision.job_id, decision.stage_id = job.id, str(stage["Id"])
        if row.user:
            decision.user_id = self.references.user(row.user)
            if decision.user_id is None:
                decision.warnings.append(
                    f"sourced_by / credited_to {row.user[:60]!r} is not an active Salesforce "
                    "user; the recruiter was left empty"
                )
        return decision

    # -- Contacts -------------------------------------------------------------------------------

    def _decide_contact(
        self, decision: Decision, facts: ChunkFacts, matches: list[dict[str, Any]]
    ) -> None:
        state = facts.contacts.get(decision.key)
        if state is None:
            ordered = list(reversed(matches)) if self.when_many == "newest" else matches
            try:
                chosen, warning = choose_match(ordered, self.when_many)
            except ValueError as exc:
                _fail(decision, Unresolved("CONTACT_AMBIGUOUS", str(exc), "candidate"))
                return
            if chosen is not None:
                state = ContactState(
                    decision.key, decision.row.line, ORG, str(chosen["Id"]), len(matches)
                )
                facts.reused_contacts += 1
                facts.ambiguous_contacts += len(matches) > 1
                if warning:
                    decision.warnings.append(warning)
            else:
                state = ContactState(decision.key, decision.row.line, NEW)
                facts.new_contacts += 1
            facts.contacts[decision.key] = state
        if state.origin == ORG:
            decision.contact = EXISTING
            decision.warnings.append(
                f"Reused the existing Contact {state.contact_id} with the same email; it was not "
                "updated (mapping: when_found: reuse)"
            )
        elif state.first_line == decision.row.line:
            decision.contact = CREATE
        elif state.error_code is not None:
            decision.contact = BLOCKED
        else:
            decision.contact = EARLIER
            decision.warnings.append(
                f"same email as line {state.first_line}: reused the Contact created for that row"
            )

    # -- applications ---------------------------------------------------------------------------

    def _decide_applications(self, decisions: list[Decision], facts: ChunkFacts) -> None:
        facts.applicants = self.state.applicants(
            [d.pair for d in decisions if d.contact != BLOCKED]
        )
        to_check: dict[tuple[str, str], list[Decision]] = {}
        for decision in decisions:
            if decision.contact == BLOCKED or decision.pair in facts.applicants:
                continue
            contact = facts.contacts[decision.key]
            if contact.origin == ORG and contact.contact_id:
                to_check.setdefault((contact.contact_id, decision.job_id), []).append(decision)
        found = self.lookup.applicants(list(to_check)) if to_check else {}
        if self.claims is not None:
            self.claims.claim(
                APPLICANT,
                {
                    applicant_key(contact_id, job_id): applicant_id
                    for (contact_id, job_id), applicant_id in found.items()
                },
            )
        for pair, applicant_id in found.items():
            first = to_check[pair][0]
            facts.applicants[first.pair] = ApplicantState(
                first.key, first.job_id, first.row.line, applicant_id, existing=True
            )
        for decision in decisions:
            if decision.contact == BLOCKED:
                continue
            state = facts.applicants.get(decision.pair)
            if state is None:
                facts.applicants[decision.pair] = ApplicantState(
                    decision.key, decision.job_id, decision.row.line
                )
                decision.application = APP_CREATE
            elif state.existing:
                decision.application = APP_EXISTS
                decision.warnings.append(
                    "An application for this candidate on this job already exists "
                    f"({state.applicant_id}); nothing new was created"
                )
            elif state.first_line == decision.row.line:
                decision.application = APP_CREATE
            else:
                decision.application = APP_EARLIER
                decision.warnings.append(
                    f"same candidate and job as line {state.first_line}: that row's application "
                    "is this one too; nothing new was created"
                )


def _fail(decision: Decision, problem: Unresolved) -> Decision:
    row = decision.row
    decision.failure = ResultRow(
        row.line,
        row.source_id,
        "failed",
        error_code=problem.error_code,
        message=problem.message,
        field=problem.field,
        warnings=list(row.warnings),
    )
    return decision
