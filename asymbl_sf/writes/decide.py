"""Decide: for each planned row, what to find, create, update or skip — one implementation.

For rows in line order, the facts the org gave (:mod:`.facts`) and what earlier rows of the
same run decided (:class:`~.state.RunState`):

* the **Contact**: an existing one (the mapping's ``when_many`` picks among several, with a
  warning; ``fail`` fails the row), reused as is, or with its blank fields filled
  (``fill_blanks``) or its fields overwritten (``update``); a new one for the first row with that
  email; the one an earlier row created (``earlier``); ``blocked`` when that earlier row's Contact
  failed. ``on_existing="fail"`` refuses an email that has a Contact (Merge's create candidate);
* the **application**: one per (Contact, job): ``exists`` when the org has it, ``earlier`` when an
  earlier row of the run has the same candidate and job, else ``create``;
* each **file**: not uploaded again when the same bytes (checksum) are on the Contact already,
  or earlier in the same payload, or were uploaded for an earlier row;
* each **activity**: not logged again when the Contact has the same Task (its source id, or the
  same subject, body, day and kind), or an earlier row logged it.

What the run learns goes to the run state, so later rows see it without asking the org again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.dedupe import choose_match, updates_for
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import APPLICANT, CONTACT
from asymbl_sf.state.ledger import PendingClaims

from .facts import Facts
from .jobs import JobBook, Unresolved
from .keys import applicant_key, contact_key
from .plan import PlannedRow, task_identity
from .rules import WriteRules
from .state import FILE, NEW, ORG, TASK, ApplicantState, ChildState, ContactState, RunState, row_key

# What happens to the Contact of a row.
EXISTING = "existing"  # found in the org
CREATE = "create"  # this row's Contact is created by this run
EARLIER = "earlier"  # created (or to be created) for an earlier row with the same email
BLOCKED = "blocked"  # the earlier row's Contact failed

# What happens to the application of a row.
APP_CREATE = "create"
APP_EXISTS = "exists"  # in the org already
APP_EARLIER = "earlier"  # an earlier row has the same candidate and job
APP_NONE = "none"  # a candidate without a job

# What happens to a file or an activity of a row.
CHILD_CREATE = "create"
CHILD_EXISTS = "exists"  # on the Contact already
CHILD_SAME = "same"  # the same one earlier in this payload
CHILD_EARLIER = "earlier"  # written (or to be written) for an earlier row


@dataclass
class Failure:
    """Why a row cannot be written, known before writing anything."""

    error_code: str
    message: str
    field: str | None = None


@dataclass
class ChildDecision:
    action: str
    #: The checksum (file) or identity digest (Task) it is remembered by.
    ident: str
    #: The existing record's id (``exists``), or the earlier path (``same``).
    existing_id: str | None = None


@dataclass
class Decision:
    """What to do for one row."""

    row: PlannedRow
    key: int
    job_id: str = ""
    stage_id: str = ""
    user_id: str | None = None
    contact: str = CREATE
    #: The existing Contact reused (its row as the lookup read it).
    contact_row: dict[str, Any] | None = None
    #: Fields to write on an existing Contact (``fill_blanks`` / ``update``).
    contact_updates: dict[str, Any] = field(default_factory=dict)
    application: str = APP_CREATE
    files: list[ChildDecision] = field(default_factory=list)
    tasks: list[ChildDecision] = field(default_factory=list)
    #: Task index → the User id that owns it (None: the connected user).
    task_owners: list[str | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failure: Failure | None = None

    @property
    def pair(self) -> tuple[int, str]:
        return self.key, self.job_id


@dataclass
class Counts:
    """What deciding found, for a summary."""

    new_contacts: int = 0
    reused_contacts: int = 0
    ambiguous_contacts: int = 0


@dataclass
class Decided:
    """The decisions of one chunk and the states they rest on (what the writers update)."""

    decisions: list[Decision]
    contacts: dict[int, ContactState]
    applicants: dict[tuple[int, str], ApplicantState]
    files: dict[tuple[int, str], ChildState]
    tasks: dict[tuple[int, str], ChildState]
    counts: Counts


class Decider:
    """Decides chunks of one run, keeping what it learns in ``state``."""

    def __init__(
        self,
        state: RunState,
        book: JobBook,
        rules: WriteRules,
        *,
        claims: PendingClaims | None = None,
        on_existing: str = "reuse",
    ) -> None:
        self.state = state
        self.book = book
        self.rules = rules
        #: Settles in the created ledger what a killed run sent and this run finds.
        self.claims = claims
        self.on_existing = on_existing

    def known_contacts(self, rows: Sequence[PlannedRow]) -> dict[str, str | None]:
        """The contact keys of ``rows`` the run settled already (no need to ask the org for
        them), with the id of those that were in the org."""
        known = self.state.contacts([row_key(r) for r in rows])
        return {
            r.contact_key: (state.contact_id if state.origin == ORG else None)
            for r in rows
            if (state := known.get(row_key(r))) is not None
        }

    def decide(self, rows: Sequence[PlannedRow], facts: Facts) -> Decided:
        """Decisions for ``rows`` (in line order); their states are saved to the run state."""
        decisions = [self._references(Decision(row, row_key(row))) for row in rows]
        live = [d for d in decisions if d.failure is None]
        contacts = self.state.contacts([d.key for d in live])
        known = set(contacts)
        counts = Counts()
        for decision in live:
            self._contact(decision, contacts, facts, counts)
        if self.claims is not None:
            # A single match only: with several, which one a killed run made is a guess.
            self.claims.claim(
                CONTACT,
                {
                    contact_key(s.key): s.contact_id
                    for s in contacts.values()
                    if s.key not in known and s.origin == ORG and s.matches == 1 and s.contact_id
                },
            )
        live = [d for d in live if d.failure is None]
        applicants = self._applications(live, contacts, facts)
        files = self._children(FILE, live, contacts, facts)
        tasks = self._children(TASK, live, contacts, facts)
        self.state.save_contacts(contacts.values())
        self.state.save_applicants(applicants.values())
        self.state.save_children(FILE, files.values())
        self.state.save_children(TASK, tasks.values())
        return Decided(decisions, contacts, applicants, files, tasks, counts)

    # -- references -----------------------------------------------------------------------------

    def _references(self, decision: Decision) -> Decision:
        row = decision.row
        if row.job is not None:
            job = self.book.job(row.job)
            if isinstance(job, Unresolved):
                return _fail(decision, job.error_code, job.message, job.field)
            stage = self.book.stage(job, row.stage)
            if isinstance(stage, Unresolved):
                return _fail(decision, stage.error_code, stage.message, stage.field)
            decision.job_id, decision.stage_id = job.id, to_18(str(stage["Id"]))
        else:
            decision.application = APP_NONE
        if row.user:
            decision.user_id = self.book.user(row.user)
            if decision.user_id is None:
                decision.warnings.append(
                    f"sourced_by / credited_to {row.user[:60]!r} is not an active Salesforce "
                    "user; the recruiter was left empty"
                )
        for task in row.tasks:
            owner = self.book.user(task.user) if task.user else None
            if task.user and owner is None:
                decision.warnings.append(
                    f"{task.path}: user {task.user[:60]!r} is not an active Salesforce user; the "
                    "Task is owned by the connected user"
                )
            decision.task_owners.append(owner)
        return decision

    # -- Contacts -------------------------------------------------------------------------------

    def _contact(
        self, decision: Decision, contacts: dict[int, ContactState], facts: Facts, counts: Counts
    ) -> None:
        row = decision.row
        state = contacts.get(decision.key)
        matches = facts.contacts.get(row.contact_key, [])
        if state is None:
            if row.contact_id is not None and not matches:
                _fail(
                    decision,
                    "CONTACT_NOT_FOUND",
                    f"no Contact with Id {row.contact_id} in this org",
                    "candidate_id",
                )
                return
            if row.via_application is not None and not matches:
                _fail(
                    decision,
                    "APPLICATION_NOT_FOUND",
                    f"no application with Id {row.via_application} in this org, or it has "
                    "no candidate",
                    "application_id",
                )
                return
            when_many = self.rules.when_many
            ordered = list(reversed(matches)) if when_many == "newest" else matches
            try:
                chosen, warning = choose_match(ordered, when_many)
            except ValueError as exc:
                _fail(decision, "CONTACT_AMBIGUOUS", str(exc), "candidate.email_address")
                return
            if chosen is not None:
                state = ContactState(
                    decision.key, row.line, ORG, to_18(str(chosen["Id"])), len(matches)
                )
                decision.contact_row = dict(chosen)
                counts.reused_contacts += 1
                counts.ambiguous_contacts += len(matches) > 1
                if warning:
                    decision.warnings.append(warning)
            else:
                state = ContactState(decision.key, row.line, NEW)
                counts.new_contacts += 1
            contacts[decision.key] = state
        elif state.origin == ORG:
            decision.contact_row = next(
                (m for m in matches if to_18(str(m["Id"])) == state.contact_id),
                {"Id": state.contact_id},
            )
        if state.origin == ORG:
            self._existing_contact(decision, state)
        elif state.first_line == row.line:
            decision.contact = CREATE
        elif state.error_code is not None:
            decision.contact = BLOCKED
        else:
            decision.contact = EARLIER
            decision.warnings.append(
                f"same email as line {state.first_line}: reused the Contact created for that row"
            )

    def _existing_contact(self, decision: Decision, state: ContactState) -> None:
        decision.contact = EXISTING
        row = decision.row
        if self.on_existing == "fail" and row.contact_id is None and row.via_application is None:
            _fail(
                decision,
                "CONTACT_EXISTS",
                f"a Contact with this email already exists ({state.contact_id}); use "
                "on_existing='reuse' (--on-existing reuse) to apply to it instead",
                "candidate.email_address",
            )
            return
        if row.contact_id is not None or row.via_application is not None:
            return  # named by id: used as it is
        when_found = self.rules.when_found
        if when_found != "reuse" and state.first_line == row.line:
            # A record type is chosen when a Contact is created; an existing one keeps its own.
            planned = {k: v for k, v in row.contact.items() if k != "RecordTypeId"}
            decision.contact_updates = updates_for(when_found, decision.contact_row or {}, planned)
        if when_found == "reuse":
            decision.warnings.append(
                f"Reused the existing Contact {state.contact_id} with the same email; it was not "
                "updated (mapping: when_found: reuse)"
            )
        else:
            changed = ", ".join(sorted(decision.contact_updates)) or "nothing"
            decision.warnings.append(
                f"Reused the existing Contact {state.contact_id} with the same email; "
                f"{when_found} wrote: {changed}"
            )

    # -- applications ---------------------------------------------------------------------------

    def _applications(
        self, decisions: list[Decision], contacts: dict[int, ContactState], facts: Facts
    ) -> dict[tuple[int, str], ApplicantState]:
        with_job = [d for d in decisions if d.application != APP_NONE]
        applicants = self.state.applicants([d.pair for d in with_job if d.contact != BLOCKED])
        found: dict[str, str] = {}
        for decision in with_job:
            if decision.contact == BLOCKED or decision.pair in applicants:
                continue
            contact = contacts[decision.key]
            if contact.origin == ORG and contact.contact_id:
                existing = facts.applicant(contact.contact_id, decision.job_id, self.rules.job_link)
                if existing is not None:
                    applicant_id = to_18(str(existing["Id"]))
                    found[applicant_key(contact.contact_id, decision.job_id)] = applicant_id
                    applicants[decision.pair] = ApplicantState(
                        decision.key,
                        decision.job_id,
                        decision.row.line,
                        applicant_id,
                        existing=True,
                    )
        if self.claims is not None and found:
            self.claims.claim(APPLICANT, found)
        for decision in with_job:
            if decision.contact == BLOCKED:
                continue
            state = applicants.get(decision.pair)
            if state is None:
                applicants[decision.pair] = ApplicantState(
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
                    f"same candidate and job as line {state.first_line}: that row's "
                    "application is this one too; nothing new was created"
                )
        return applicants

    # -- files and activities -------------------------------------------------------------------

    def _children(
        self, kind: str, decisions: list[Decision], contacts: dict[int, ContactState], facts: Facts
    ) -> dict[tuple[int, str], ChildState]:
        idents = {
            d.row.line: [_ident(kind, item) for item in _items(kind, d.row)] for d in decisions
        }
        states = self.state.children(
            kind, [(d.key, i) for d in decisions for i in idents[d.row.line]]
        )
        for decision in decisions:
            if decision.contact == BLOCKED:
                continue
            contact = contacts[decision.key]
            out = decision.files if kind == FILE else decision.tasks
            for item, ident in zip(
                _items(kind, decision.row), idents[decision.row.line], strict=True
            ):
                if item.same_as is not None:
                    out.append(ChildDecision(CHILD_SAME, ident, item.same_as))
                    decision.warnings.append(_same_warning(kind, item.path, item.same_as))
                    continue
                state = states.get((decision.key, ident))
                if state is None:
                    found = _existing_id(kind, facts, contact, item)
                    if found is not None:
                        state = ChildState(
                            decision.key, ident, decision.row.line, found, existing=True
                        )
                    else:
                        state = ChildState(decision.key, ident, decision.row.line)
                    states[(decision.key, ident)] = state
                if state.existing:
                    out.append(ChildDecision(CHILD_EXISTS, ident, state.record_id))
                    decision.warnings.append(_exists_warning(kind, item.path, state.record_id))
                elif state.first_line == decision.row.line:
                    out.append(ChildDecision(CHILD_CREATE, ident))
                else:
                    out.append(ChildDecision(CHILD_EARLIER, ident, state.record_id))
                    decision.warnings.append(
                        f"{item.path}: the same {_WHAT[kind]} was written for line "
                        f"{state.first_line}; not written again"
                    )
        return states


_WHAT = {FILE: "file", TASK: "activity"}


def _items(kind: str, row: PlannedRow) -> Sequence[Any]:
    return row.files if kind == FILE else row.tasks


def _ident(kind: str, item: Any) -> str:
    if kind == FILE:
        return str(item.checksum)
    identity = repr(task_identity(item.fields, item.remote_id))
    return hashlib.blake2b(identity.encode("utf-8"), digest_size=12).hexdigest()


def _existing_id(kind: str, facts: Facts, contact: ContactState, item: Any) -> str | None:
    """The id of the Contact's file with the same bytes, or of its Task for the same activity:
    one whose description holds the activity's source id, or with the same subject, body, day
    and kind."""
    if contact.origin != ORG or not contact.contact_id:
        return None
    if kind == FILE:
        found = facts.files.get(contact.contact_id, {}).get(item.checksum)
        return str(found["Id"]) if found and found.get("Id") else None
    for task in facts.tasks.get(contact.contact_id, []):
        if item.remote_id and item.remote_id in str(task.get("Description") or ""):
            return str(task["Id"])
        if task_identity(task, None) == task_identity(item.fields, None):
            return str(task["Id"])
    return None


def _same_warning(kind: str, path: str, earlier: str) -> str:
    return f"{path}: the same {_WHAT[kind]} as {earlier} in this payload; written once"


def _exists_warning(kind: str, path: str, record_id: str | None) -> str:
    if kind == FILE:
        return f"{path}: the same file is already on the Contact ({record_id}); not uploaded again"
    return f"{path}: this activity is already logged as Task {record_id}; nothing new was created"


def _fail(decision: Decision, code: str, message: str, field_name: str | None) -> Decision:
    decision.failure = Failure(code, message, field_name)
    return decision
