"""One payload, written: plan one, find its facts, decide, write one unit, present.

A single action is the write core's batch of one. API calls for a new application: one Composite
call for every lookup (the describes of the mapped objects the client has not seen yet, the job
and its stages, the Contacts with the candidate's email, the Contact's applications, files and
Tasks as references to the first Contact found) and one Composite call that writes the Contact,
the applicant and its files with ``allOrNone`` and reads them back as ``read`` would. Two calls in
all; a dry run, or a request with nothing new to write, spends only the first.

**One call** with an org-side claim (``match.claim``): the org itself refuses a second Contact
with the same email, so a client that knows the job and its stages already (from an earlier
action, for :data:`KNOWN_FOR` seconds) and has seen that every Contact with an email holds its
claim skips the lookups and sends the write alone, betting the candidate is new. If the org
refuses the bet (the claim is taken: the candidate exists; or the job or stage changed), nothing
was written (``allOrNone``) and the action runs the usual way: three calls then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from asymbl_sf.attachments import files
from asymbl_sf.attachments.fetch import FetchPolicy
from asymbl_sf.errors import AsymblError, PayloadError, Problem, TransientError, WriteError
from asymbl_sf.mapping import Mapping
from asymbl_sf.reading import ReadMapping
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.collections import DUPLICATE_CODES
from asymbl_sf.salesforce.composite_unit import fits, write_unit
from asymbl_sf.salesforce.retry import OUTCOME_UNKNOWN, write_once
from asymbl_sf.salesforce.stepwise import left_behind_message, partial_write_error
from asymbl_sf.salesforce.units import PendingWrite, ReadBack, UnitResult, unit_holds_reference
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import APPLICANT, CONTACT, CONTENT_VERSION

from .decide import (
    APP_CREATE,
    APP_EXISTS,
    APP_NONE,
    CHILD_CREATE,
    CHILD_SAME,
    CREATE,
    Decided,
    Decider,
    Decision,
)
from .facts import CONTACTS, CONTACTS_BY_APP, CONTACTS_BY_ID, FactFinder, Facts
from .jobs import Job, JobBook
from .lost import LOST_ANSWER_WARNING, find_written
from .plan import PlannedRow, Planner
from .present import (
    Presenter,
)
from .queries import Lookup
from .records import (
    WriteSet,
    child_write_key,
    settle,
    write_set,
)
from .rules import WriteRules
from .state import FILE, RunState


@dataclass
class Outcome:
    """What a single write did, for its answer."""

    decided: Decided
    facts: Facts
    result: UnitResult
    book: JobBook
    writes: WriteSet
    #: Files that went alone (multipart) and failed: write key → error.
    failed_files: dict[str, str]

    @property
    def decision(self) -> Decision:
        return self.decided.decisions[0]

    def job(self) -> Job | None:
        ref = self.decision.row.job
        job = self.book.job(ref) if ref else None
        return job if isinstance(job, Job) else None


class Answer(Protocol):
    """What a single action reads beyond the core's lookups, and how it answers."""

    def describes(self, row: PlannedRow) -> list[str]:
        """Objects whose describes the row's rendering needs (besides Contact, applicant)."""

    def lookups(
        self, presenter: Presenter, row: PlannedRow, contacts: tuple[str, str] | None
    ) -> list[Lookup]:
        """Lookups of its own (``contacts``: which lookup finds the Contact, and the field of
        its rows holding the Contact id)."""

    def check(self, decided: Decided, facts: Facts) -> None:
        """Refuse what the facts show cannot be done (raise PayloadError)."""

    def read_backs(
        self, presenter: Presenter, decided: Decided, writes: WriteSet
    ) -> list[ReadBack]: ...

    def present(
        self, presenter: Presenter, outcome: Outcome, warnings: list[str]
    ) -> dict[str, Any]: ...


#: How long a client trusts the jobs, stages and users it read, and that every Contact holds its
#: claim, for the one-call path (seconds).
KNOWN_FOR = 300.0
_BOOK = "write-one.jobs"
_CLAIMED = "write-one.every-contact-claimed"
#: The extra lookup that tells whether some Contact with a match value lacks its claim.
_UNCLAIMED = "unclaimed"


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    #: ``fail``: refuse an email that has a Contact (Merge's create candidate).
    on_existing: str = "reuse"


class WriteOne:
    """Writes single payloads into one org (see the module)."""

    def __init__(
        self,
        api: SalesforceApi,
        mapping: Mapping,
        read_mapping: ReadMapping,
        instance_url: str,
        *,
        fetch_policy: FetchPolicy | None = None,
    ) -> None:
        self.api = api
        self.mapping = mapping
        self.rules = WriteRules.of(mapping)
        self.read_mapping = read_mapping
        self.instance_url = instance_url
        self.fetch_policy = fetch_policy

    # -- planning -------------------------------------------------------------------------------

    def known_schema(self) -> OrgSchema:
        """The packaged describes, with the org's own where this client has read them."""
        packaged = OrgSchema.packaged()
        return OrgSchema(self.api.cached_describe(d.name) or d for d in packaged)

    def planner(self) -> Planner:
        return Planner(
            self.mapping, self.known_schema(), rules=self.rules, fetch_policy=self.fetch_policy
        )

    # -- one row ------------------------------------------------------------------------------

    def run(
        self,
        plan: Callable[[bool], PlannedRow],
        answer: Answer,
        options: Options,
        *,
        raced: bool = False,
        bet: bool = True,
    ) -> dict[str, Any]:
        """Find, decide, write and present the row ``plan(strict)`` renders (with a planner
        made then, so it knows the describes read so far). ``answer`` says what to read and
        how to answer.

        When the org refuses the unit because a unique field already holds a value it creates
        (another run created the same candidate or application since the lookups: the claim
        field, or the applicant's Contact+job key), nothing of the unit was written; the row is
        decided again, once, with the other run's records in sight (``raced``). ``bet``: try the
        one-call path when it applies (see the module)."""
        row = plan(False)
        presenter = Presenter(self.api, self.read_mapping, self.instance_url)
        if bet and not raced and not options.dry_run:
            known = self._one_call_book(row, answer)
            if known is not None:
                bet_on = self._bet(row, answer, options, presenter, known)
                if bet_on is not None:
                    return bet_on
        book = JobBook(self.api, self.rules.job_remote_key)
        finder = FactFinder(
            self.api, self.rules, book, selection=presenter.selection(list(row.contact))
        )
        needed = sorted(
            name
            for name in {CONTACT, APPLICANT, *answer.describes(row)}
            if self.api.cached_describe(name) is None
        )
        if row.problems and not needed:
            row = plan(True)  # raises them: no describe of the org's would change them
        extra = answer.lookups(presenter, row, _contact_lookup(row))
        checking = self._claims_lookup()
        facts = finder.find([row], describe=needed, extra=[*extra, *checking])
        self._remember(book)
        if checking:
            self.api.note(_CLAIMED, not facts.extra.get(_UNCLAIMED))
        if needed:
            row = plan(True)  # the org's own describes may change what a value must look like
        with RunState(in_memory=True) as state:
            decider = Decider(state, book, self.rules, on_existing=options.on_existing)
            decided = decider.decide([row], facts)
            decision = decided.decisions[0]
            if decision.failure is not None:
                failure = decision.failure
                raise PayloadError(Problem(failure.field or "", failure.message))
            answer.check(decided, facts)
            writes = write_set(decided, self.rules)
            warnings = [*row.warnings, *decision.warnings]
            if raced:
                warnings.append(RACED_WARNING)
            if options.dry_run:
                return self._plan_result(decided, writes, book, warnings)
            unit, alone = _split_unit(writes)
            result = UnitResult()
            recovered_facts: list[Facts] = []
            if unit:
                read_back = answer.read_backs(presenter, decided, writes)
                try:
                    result, recovered = write_once(
                        self.api.retry,
                        lambda: _write(self.api, unit, read_back, row, raced=raced),
                        lambda: self._found(finder, writes, unit, recovered_facts),
                    )
                except _Raced:
                    return self.run(plan, answer, options, raced=True)
                if recovered:
                    warnings.append(LOST_ANSWER_WARNING)
                settle(decided, writes, result)
            failed_files = self._upload_alone(alone, decided, writes, warnings)
            outcome = Outcome(
                decided,
                recovered_facts[-1] if recovered_facts else facts,
                result,
                book,
                writes,
                failed_files,
            )
            return answer.present(presenter, outcome, warnings)

    # -- the one-call path ---------------------------------------------------------------------

    def _remember(self, book: JobBook) -> None:
        """Keep what this action read of jobs and users for a later one (the one-call path);
        what was read last replaces what was known. The book keeps the age of its first entry,
        so nothing in it is trusted longer than :data:`KNOWN_FOR`."""
        known = self.api.recall(_BOOK, KNOWN_FOR)
        if isinstance(known, JobBook) and known.remote_key == book.remote_key:
            known.take(book)
        else:
            self.api.note(_BOOK, book)

    def _claims_lookup(self) -> list[Lookup]:
        """With a claim: is there a Contact with a match value but no claim? (Asked with the
        lookups, so it costs no call, and only when not known lately.)"""
        claim, match = self.rules.claim_field, self.rules.match_field
        if claim is None or match is None or self.api.recall(_CLAIMED, KNOWN_FOR) is not None:
            return []
        soql = f"SELECT Id FROM {CONTACT} WHERE {match} != null AND {claim} = null LIMIT 1"
        return [Lookup(_UNCLAIMED, lambda _: [soql])]

    def _one_call_book(self, row: PlannedRow, answer: Answer) -> JobBook | None:
        """The jobs read lately, when the row qualifies for the one-call path: a new candidate
        by its match value under a claim every Contact holds, on a job (and with a recruiter)
        already read, with every describe it needs at hand."""
        if (
            self.rules.claim_field is None
            or row.match_value is None
            or not row.contact
            or row.job is None
            or row.problems
            or row.tasks
            or self.api.recall(_CLAIMED, KNOWN_FOR) is not True
        ):
            return None
        if any(
            self.api.cached_describe(name) is None
            for name in {CONTACT, APPLICANT, *answer.describes(row)}
        ):
            return None
        book = self.api.recall(_BOOK, KNOWN_FOR)
        if not isinstance(book, JobBook) or book.remote_key != self.rules.job_remote_key:
            return None
        if not book.knows(row.job, row.user):
            return None
        job = book.job(row.job)
        if not isinstance(job, Job) or not isinstance(book.stage(job, row.stage), dict):
            return None
        return book

    def _bet(
        self,
        row: PlannedRow,
        answer: Answer,
        options: Options,
        presenter: Presenter,
        book: JobBook,
    ) -> dict[str, Any] | None:
        """Write the row as a new candidate without looking up: its answer, or None when the
        org refused the bet (nothing was written: allOrNone) and the usual path must run."""
        facts = Facts()  # what the lookups would find for a new candidate: nothing
        with RunState(in_memory=True) as state:
            decider = Decider(state, book, self.rules, on_existing=options.on_existing)
            decided = decider.decide([row], facts)
            decision = decided.decisions[0]
            if decision.failure is not None:
                return None
            try:
                answer.check(decided, facts)
            except PayloadError:
                return None  # the usual path says it with what the org holds
            writes = write_set(decided, self.rules)
            unit, alone = _split_unit(writes)
            if not unit or alone or unit_holds_reference(unit):
                return None  # only a unit Composite writes whole, or nothing, is a safe bet
            read_back = answer.read_backs(presenter, decided, writes)
            if not fits(unit, read_back):
                return None
            try:
                result = write_unit(self.api, unit, read_back)
            except TransientError:
                # Failed on the way, or its answer was lost: the usual path's lookups find
                # whatever was written, so nothing is written twice.
                self.api.forget(_BOOK)
                return None
            if result.errors or result.left_behind:
                # The claim is taken (the candidate exists), or the job or stage changed:
                # nothing was written. Forget what may be stale and take the usual path.
                self.api.forget(_BOOK)
                return None
            settle(decided, writes, result)
            outcome = Outcome(decided, facts, result, book, writes, {})
            return answer.present(presenter, outcome, [*row.warnings, *decision.warnings])

    # -- pieces ---------------------------------------------------------------------------------

    def _found(
        self, finder: FactFinder, writes: WriteSet, unit: list[PendingWrite], recovered: list[Facts]
    ) -> UnitResult | None:
        """What a unit whose answer was lost made, if it is in the org; None when it is not.

        A unit sent as one allOrNone Composite exists entirely or not at all; one written step
        by step may exist in part, which raises a :class:`TransientError` naming what was found.
        A unit that only updates existing records is never "found": sending the same updates
        again changes nothing more.
        """
        creates = [w for w in unit if not w.record_id]
        if not creates:
            return None
        found, facts = find_written(finder, self.rules, writes, UnitResult(), creates)
        missing = [w for w in creates if w.key not in found]
        if len(missing) == len(creates):
            return None
        if missing:
            # Only a unit written step by step (salesforce/stepwise.py) can be part-way: say
            # what is there rather than report a success for records that do not exist.
            there = ", ".join(f"{w.key} {found[w.key]}" for w in creates if w.key in found)
            raise TransientError(
                "the connection to Salesforce was lost during the write; asymbl-sf looked and "
                f"found {there}, but not {', '.join(w.key for w in missing)}: the write is "
                "incomplete. Sending the request again completes it (the records found are "
                "reused)",
                error_code=OUTCOME_UNKNOWN,
                maybe_applied=True,
            )
        result = UnitResult(ids=dict(found))
        result.recovered = set(found)
        recovered.append(facts)  # what the answer is made of, instead of the read-backs
        return result

    def _upload_alone(
        self, alone: list[PendingWrite], decided: Decided, writes: WriteSet, warnings: list[str]
    ) -> dict[str, str]:
        """Files above the JSON limit go one by one as multipart, after the Contact exists.

        They cannot ride in the Composite write, so a failure here leaves the application in
        place; it is reported per file (action ``failed``) and the CLI exits non-zero.
        """
        failed: dict[str, str] = {}
        contact_id = decided.contacts[decided.decisions[0].key].contact_id
        for write in alone:
            fields = {k: v for k, v in write.fields.items()}
            for name in write.refs:
                fields[name] = contact_id
            origin = writes.origins[write.key]
            path = next((f.path for f in origin.row.files if f.checksum == origin.detail), "")
            try:
                record_id = files.upload_version(self.api, fields, write.data or b"")
            except AsymblError as exc:
                failed[write.key] = str(exc)
                name = next((f.name for f in origin.row.files if f.checksum == origin.detail), "")
                warnings.append(f"{path}: upload of {name} failed: {exc}")
                continue
            settle(decided, writes, UnitResult(ids={write.key: record_id}))
        return failed

    # -- a dry run ------------------------------------------------------------------------------

    def _plan_result(
        self, decided: Decided, writes: WriteSet, book: JobBook, warnings: list[str]
    ) -> dict[str, Any]:
        decision = decided.decisions[0]
        records = []
        for write in writes.values():
            fields = dict(write.fields)
            if write.data is not None:
                fields["VersionData"] = f"<base64, {write.size} characters>"
            for field_name, target in write.refs.items():
                fields[field_name] = f"<id of the new {_what(target)}>"
            records.append(
                {
                    "sobject": write.sobject,
                    "operation": "update" if write.record_id else "create",
                    "id": write.record_id,
                    "fields": fields,
                }
            )
        job = book.job(decision.row.job) if decision.row.job else None
        job = job if isinstance(job, Job) else None
        stage = (
            next((s for s in job.stages if to_18(str(s["Id"])) == decision.stage_id), None)
            if job is not None
            else None
        )
        return {
            "status": "dry_run",
            "plan": {
                "job": {"id": job.id, "name": job.name} if job is not None else None,
                "stage": {"id": stage["Id"], "name": stage["Name"]} if stage else None,
                "actions": plan_actions(decided),
                "records": records,
            },
            "warnings": [{"message": w} for w in warnings],
        }


def _contact_lookup(row: PlannedRow) -> tuple[str, str] | None:
    """Which lookup finds the row's Contact, and the field of its rows holding the Contact id."""
    if row.contact_id:
        return CONTACTS_BY_ID, "Id"
    if row.via_application:
        return CONTACTS_BY_APP, ""
    if row.match_value:
        return CONTACTS, "Id"
    return None


def _split_unit(writes: WriteSet) -> tuple[list[PendingWrite], list[PendingWrite]]:
    """The writes of the one Composite call, and the files that go alone (too big for a JSON
    body, or beyond what one call carries)."""
    unit: list[PendingWrite] = []
    alone: list[PendingWrite] = []
    budget = files.MAX_JSON_BASE64_CHARS
    for write in writes.values():
        if write.data is not None and (
            not files.fits_json_size(len(write.data)) or write.size > budget
        ):
            alone.append(write)
            continue
        budget -= write.size
        unit.append(write)
    return unit, alone


class _Raced(Exception):
    """The org refused a create of the unit as a duplicate (see :meth:`WriteOne.run`)."""


def _write(
    api: SalesforceApi,
    unit: list[PendingWrite],
    read_back: list[ReadBack],
    row: PlannedRow,
    *,
    raced: bool = False,
) -> UnitResult:
    """One allOrNone write. Refused records are a WriteError; a row lock on any of them rolled
    the whole unit back, so it is a TransientError that is safe to send again. A unit written
    step by step whose undo failed names the records that stayed. A create refused as a
    duplicate, the first time (not ``raced``), is :class:`_Raced`: nothing was written."""
    if not fits(unit, read_back):
        read_back = []  # answered from what the lookups read
    outcome = write_unit(api, unit, read_back)
    if not raced and not outcome.left_behind and _refused_as_duplicate(outcome, unit):
        raise _Raced
    if outcome.errors:
        if outcome.left_behind:  # undoing the earlier records failed: say what stayed
            refusals = _problems(row, unit, outcome.errors)
            raise partial_write_error(
                [
                    left_behind_message(
                        key, record_id, "; ".join(map(str, refusals)), outcome.undo_error
                    )
                    for key, record_id in outcome.left_behind.items()
                ]
            )
        if all(isinstance(e, TransientError) for e in outcome.errors.values()):
            first = next(iter(outcome.errors.values()))
            raise TransientError(
                str(first.message),
                error_code=first.error_code,
                status=first.status,
                maybe_applied=False,
            )
        raise WriteError(_problems(row, unit, outcome.errors))
    return outcome


def _problems(row: PlannedRow, unit: list[PendingWrite], errors: dict[str, Any]) -> list[Problem]:
    by_key = {w.key: w for w in unit}
    problems = []
    for key, error in errors.items():
        write = by_key.get(key)
        sobject = write.sobject if write is not None else key
        label = _what(key) if write is not None else key
        fields = list(getattr(error, "fields", ()) or []) or [""]
        for name in fields:
            path = row.sources.get(f"{sobject}.{name}", "") if name else ""
            where = f"{label}.{name}" if name else label
            problems.append(
                Problem(
                    path or where,
                    f"Salesforce refused {where}: {error.error_code}: {error.message}",
                )
            )
    return problems


def _what(write_key: str) -> str:
    """A write key as a reader knows it: ``Contact``, ``bpats__ATS_Applicant__c``, ..."""
    kind = write_key.split("_", 1)[0]
    return {"Contact": CONTACT, "App": APPLICANT, "File": CONTENT_VERSION}.get(kind, kind)


def plan_actions(decided: Decided, failed_files: dict[str, str] | None = None) -> dict[str, Any]:
    """What was (or would be) done to the row's Contact, application and files."""
    decision = decided.decisions[0]
    contact = decided.contacts[decision.key]
    if decision.contact == CREATE:
        action = "create"
    elif decision.contact_updates:
        action = "update"
    elif decision.row.contact_id or decision.row.via_application:
        action = "existing"
    else:
        action = "reuse"
    applicant = decided.applicants.get(decision.pair)
    application_action = {APP_CREATE: "create", APP_EXISTS: "exists", APP_NONE: "none"}.get(
        decision.application, decision.application
    )
    files = []
    for planned, chosen in zip(decision.row.files, decision.files, strict=True):
        state = decided.files.get((decision.key, chosen.ident))
        entry: dict[str, Any] = {"file_name": planned.name, "checksum": planned.checksum}
        if chosen.action == CHILD_CREATE:
            key = child_write_key(FILE, decision.key, chosen.ident)
            entry["action"] = "upload" if planned.fits_json else "upload_multipart"
            entry["existing_id"] = None
            entry["id"] = state.record_id if state else None
            if failed_files and key in failed_files:
                entry.update(action="failed", error=failed_files[key])
        elif chosen.action == CHILD_SAME:  # the same bytes earlier in the payload: that file
            same = state.record_id if state else None
            entry.update(action="skip", existing_id=same, id=same, same_as=chosen.existing_id)
        else:
            entry.update(action="skip", existing_id=chosen.existing_id, id=chosen.existing_id)
        files.append(entry)
    return {
        "candidate": {
            "action": action,
            "id": contact.contact_id,
            "updated_fields": sorted(decision.contact_updates),
        },
        "application": {
            "action": application_action,
            "id": applicant.applicant_id if applicant else None,
        },
        "attachments": files,
    }


#: The warning of a single action that met another run creating the same records.
RACED_WARNING = (
    "another run created this candidate or application at the same moment (the org refused a "
    "second one); asymbl-sf looked again and used the records that run made"
)


def _refused_as_duplicate(result: UnitResult, unit: list[PendingWrite]) -> bool:
    """Whether a create of ``unit`` was refused because a unique field holds its value."""
    creates = {w.key for w in unit if not w.record_id}
    return any(
        key in creates and error.error_code in DUPLICATE_CODES
        for key, error in result.errors.items()
    )
