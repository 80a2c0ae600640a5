"""From decisions to the records to write, and from what the writers did back to the run state.

:func:`write_set` turns one chunk's decisions into :class:`PendingWrite` s: a Contact once per
candidate however many rows share it (and its update under ``fill_blanks``/``update``), an
applicant per new (Contact, job), a ContentVersion per new file, a Task per new activity. A record
points at another one of the same set by its key (the writers fill in the new id), or at a record
that exists by its id. :func:`settle` records in the run state what each write became, so the
rows' outcomes (and later chunks) see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.errors import SalesforceError
from asymbl_sf.salesforce.units import PendingWrite, UnitResult
from asymbl_sf.schema.names import APPLICANT, CONTACT, CONTENT_VERSION, TASK

from .decide import (
    APP_CREATE,
    APP_EXISTS,
    BLOCKED,
    CHILD_CREATE,
    CREATE,
    EXISTING,
    ChildDecision,
    Decided,
    Decision,
)
from .plan import PlannedRow
from .rules import WriteRules
from .state import FILE, ChildState
from .state import TASK as TASK_KIND

#: Where a file is published when the mapping names no field for the Contact.
DEFAULT_FILE_LINK = "FirstPublishLocationId"


def _hex(key: int) -> str:
    return f"{key & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def contact_write_key(key: int) -> str:
    return f"Contact_{_hex(key)}"


def applicant_write_key(key: int, job_id: str) -> str:
    return f"App_{_hex(key)}_{job_id}"


def child_write_key(kind: str, key: int, ident: str) -> str:
    return f"{'File' if kind == FILE else 'Task'}_{_hex(key)}_{ident}"


@dataclass(frozen=True)
class Origin:
    """Where a write comes from, to find it again by its natural key after a lost answer."""

    kind: str  # "contact", "applicant", "file" or "task"
    row: PlannedRow
    #: The Contact it belongs to: its id, or the key of the write that creates it.
    contact: tuple[str, bool]
    #: The job (an applicant), the checksum (a file) or the Task's index in the row.
    detail: str = ""


@dataclass
class WriteSet:
    """The records to write for one chunk, by key, and where each comes from."""

    writes: dict[str, PendingWrite] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)

    def add(self, write: PendingWrite, origin: Origin) -> None:
        if write.key not in self.writes:
            self.writes[write.key] = write
            self.origins[write.key] = origin

    def __len__(self) -> int:
        return len(self.writes)

    def values(self) -> list[PendingWrite]:
        return list(self.writes.values())


def write_set(decided: Decided, rules: WriteRules) -> WriteSet:
    """The records ``decided`` needs written (see the module)."""
    out = WriteSet()
    for decision in decided.decisions:
        if decision.failure is not None or decision.contact == BLOCKED:
            continue
        contact = _contact(decision, decided, out)
        if contact is None:
            continue  # its Contact failed on an earlier row: nothing of this row is attempted
        applicant = _applicant(decision, decided, rules, contact, out)
        if applicant is None and decision.row.application_id:
            applicant = (decision.row.application_id, False)  # an existing application
        _files(decision, decided, rules, contact, out)
        _tasks(decision, decided, rules, contact, applicant, out)
    return out


def _contact(decision: Decision, decided: Decided, out: WriteSet) -> tuple[str, bool] | None:
    """How the row's children name its Contact: ``(id, False)`` or ``(write key, True)``."""
    state = decided.contacts[decision.key]
    if state.error_code is not None:
        return None
    key = contact_write_key(decision.key)
    if decision.contact == CREATE and state.contact_id is None:
        out.add(
            PendingWrite(key, CONTACT, dict(decision.row.contact)),
            Origin("contact", decision.row, (key, True)),
        )
        return key, True
    if decision.contact_updates and state.contact_id is not None:
        # The children point at the update, so a refused update stops them too.
        out.add(
            PendingWrite(key, CONTACT, dict(decision.contact_updates), record_id=state.contact_id),
            Origin("contact", decision.row, (state.contact_id, False)),
        )
        return key, True
    if state.contact_id is not None:
        return state.contact_id, False
    if key in out.writes:  # an earlier row of this chunk creates it
        return key, True
    return None


def _link(
    fields: dict[str, Any], refs: dict[str, str], name: str, target: tuple[str, bool]
) -> None:
    value, is_ref = target
    if is_ref:
        refs[name] = value
    else:
        fields[name] = value


def _applicant(
    decision: Decision,
    decided: Decided,
    rules: WriteRules,
    contact: tuple[str, bool],
    out: WriteSet,
) -> tuple[str, bool] | None:
    """How the row's Tasks name its application (None: it has none)."""
    state = decided.applicants.get(decision.pair)
    if state is None or state.error_code is not None:
        return None
    if state.applicant_id is not None:
        return state.applicant_id, False
    key = applicant_write_key(decision.key, decision.job_id)
    if decision.application != APP_CREATE or state.first_line != decision.row.line:
        return (key, True) if key in out.writes else None
    fields = dict(decision.row.applicant)
    refs: dict[str, str] = {}
    ids = {"job": decision.job_id, "stage": decision.stage_id, "user": decision.user_id}
    for name, ref in rules.applicant_refs.items():
        if ref == CONTACT:
            _link(fields, refs, name, contact)
        elif ids.get(ref):
            fields[name] = ids[ref]
        else:
            fields.pop(name, None)
    out.add(
        PendingWrite(key, APPLICANT, fields, refs),
        Origin("applicant", decision.row, contact, decision.job_id),
    )
    return key, True


def _still_to_create(chosen: ChildDecision, state: ChildState | None) -> bool:
    """A file or Task the decision creates, which this run has not written nor failed yet."""
    return (
        chosen.action == CHILD_CREATE
        and state is not None
        and state.record_id is None
        and state.error_code is None
    )


def _files(
    decision: Decision,
    decided: Decided,
    rules: WriteRules,
    contact: tuple[str, bool],
    out: WriteSet,
) -> None:
    for planned, chosen in zip(decision.row.files, decision.files, strict=True):
        if not _still_to_create(chosen, decided.files.get((decision.key, chosen.ident))):
            continue
        fields = dict(planned.fields)
        refs: dict[str, str] = {}
        links = [n for n, r in rules.file_refs.items() if r == CONTACT] or [DEFAULT_FILE_LINK]
        for name in links:
            _link(fields, refs, name, contact)
        out.add(
            PendingWrite(
                child_write_key(FILE, decision.key, chosen.ident),
                CONTENT_VERSION,
                fields,
                refs,
                data=planned.data,
            ),
            Origin("file", decision.row, contact, planned.checksum),
        )


def _tasks(
    decision: Decision,
    decided: Decided,
    rules: WriteRules,
    contact: tuple[str, bool],
    applicant: tuple[str, bool] | None,
    out: WriteSet,
) -> None:
    for index, (planned, chosen) in enumerate(zip(decision.row.tasks, decision.tasks, strict=True)):
        if not _still_to_create(chosen, decided.tasks.get((decision.key, chosen.ident))):
            continue
        fields = dict(planned.fields)
        refs: dict[str, str] = {}
        owner = decision.task_owners[index] if index < len(decision.task_owners) else None
        for name, ref in rules.task_refs.items():
            if ref == CONTACT:
                _link(fields, refs, name, contact)
            elif ref == "application" and applicant is not None:
                _link(fields, refs, name, applicant)
            elif ref == "user" and owner:
                fields[name] = owner
            else:
                fields.pop(name, None)
        out.add(
            PendingWrite(
                child_write_key(TASK_KIND, decision.key, chosen.ident), TASK, fields, refs
            ),
            Origin("task", decision.row, contact, str(index)),
        )


def settle(decided: Decided, writes: WriteSet, result: UnitResult) -> None:
    """Record in ``decided``'s states what each write of ``writes`` became."""
    errors: dict[str, SalesforceError] = dict(result.errors)
    for key in result.blocked:
        errors.setdefault(key, _BLOCKED)
    _taken(decided, result)
    for state in decided.contacts.values():
        key = contact_write_key(state.key)
        if key not in writes.writes:
            continue
        if key in result.ids and state.contact_id is None:
            state.contact_id = result.ids[key]
        elif key in errors and errors[key] is not _BLOCKED:
            _set_error(state, errors[key], CONTACT)
    for pair, applicant in decided.applicants.items():
        key = applicant_write_key(*pair)
        if key not in writes.writes:
            continue
        if key in result.ids:
            applicant.applicant_id = result.ids[key]
        elif key in errors and errors[key] is not _BLOCKED:
            _set_error(applicant, errors[key], APPLICANT)
    for kind, states in ((FILE, decided.files), (TASK_KIND, decided.tasks)):
        for (contact_key, ident), child in states.items():
            key = child_write_key(kind, contact_key, ident)
            if key not in writes.writes:
                continue
            if key in result.ids:
                child.record_id = result.ids[key]
            elif key in errors and errors[key] is not _BLOCKED:
                child.error_code = errors[key].error_code
                child.error_message = errors[key].message


_BLOCKED = SalesforceError("not attempted: a record it needs failed", error_code="BLOCKED")

#: The warning of a row whose Contact or application another run created at the same moment.
TAKEN_WARNING = (
    "another run created this {what} at the same moment (the org refused a second one); "
    "this row uses that one"
)


def _taken(decided: Decided, result: UnitResult) -> None:
    """Rows whose Contact or application another run created meanwhile: they reuse it."""
    if not result.taken:
        return
    for decision in decided.decisions:
        if decision.contact == CREATE and contact_write_key(decision.key) in result.taken:
            decision.contact = EXISTING
            decision.warnings.append(TAKEN_WARNING.format(what="candidate"))
        if (
            decision.application == APP_CREATE
            and applicant_write_key(*decision.pair) in result.taken
        ):
            decision.application = APP_EXISTS
            decision.warnings.append(TAKEN_WARNING.format(what="application"))


def _set_error(state: Any, error: SalesforceError, sobject: str) -> None:
    state.error_code = error.error_code
    state.error_message = error.message
    state.error_field = f"{sobject}.{error.fields[0]}" if error.fields else None
