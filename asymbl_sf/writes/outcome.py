"""A row's outcome: what its decisions and the writes made of it (:class:`ResultRow`).

Outcomes of a row: ``created`` (a new Contact and application), ``reused`` (an existing Contact,
or one an earlier row created, and a new application), ``exists`` (the application was there
already), ``failed``, ``blocked`` (the Contact or application it needed failed on an earlier row,
so it was not attempted). A dry run says what would happen: ``would_create``, ``would_reuse``,
``exists``, ``failed``. A row without a job (a candidate alone) is ``created`` or ``reused`` by
its Contact.

Each file and activity of the row has its own outcome in ``files`` / ``activities``:
``created``, ``exists`` (on the Contact already, or written for an earlier row), ``duplicate``
(the same one earlier in the payload), ``failed`` (with the error), ``blocked``, or in a dry run
``would_create``.
"""

from __future__ import annotations

from typing import Any

from .decide import (
    APP_EARLIER,
    APP_EXISTS,
    APP_NONE,
    BLOCKED,
    CHILD_CREATE,
    CHILD_EARLIER,
    CHILD_EXISTS,
    CHILD_SAME,
    CREATE,
    EARLIER,
    ChildDecision,
    Decided,
    Decision,
)
from .result import ResultRow, failed_row
from .state import ApplicantState, ChildState


def outcome(decision: Decision, decided: Decided, *, dry_run: bool) -> ResultRow | None:
    """The row's result, or None when it has none yet (its write never ran to the end: the
    run stopped); a later run decides it again."""
    row = decision.row
    if decision.failure is not None:
        failure = decision.failure
        return failed_row(
            row.line,
            row.source_id,
            failure.error_code,
            failure.message,
            failure.field,
            [*row.warnings, *decision.warnings],
        )
    contact = decided.contacts.get(decision.key)
    applicant = decided.applicants.get(decision.pair)
    result = ResultRow(row.line, row.source_id, "", warnings=[*row.warnings, *decision.warnings])
    if contact is not None:
        result.contact_id = contact.contact_id
    if dry_run:
        return _planned(decision, decided, applicant, result)
    if decision.contact == BLOCKED or (
        decision.contact == EARLIER and contact is not None and contact.error_code is not None
    ):
        assert contact is not None
        return _blocked(
            result,
            contact.error_code,
            contact.error_field,
            f"not attempted: the Contact for this email failed on line "
            f"{contact.first_line} ({contact.error_code}: {contact.error_message})",
        )
    if contact is not None and contact.error_code is not None and contact.first_line == row.line:
        return _failed(result, contact.error_code, contact.error_message, contact.error_field)
    if contact is None or contact.contact_id is None:
        return None
    if not _children_done(decision, decided):
        return None
    _children(result, decision, decided, dry_run=False)
    if decision.application == APP_NONE:
        result.outcome = "created" if decision.contact == CREATE else "reused"
        return _with_child_failures(result)
    if applicant is None:
        return None
    if decision.application == APP_EXISTS:
        result.outcome, result.application_id = "exists", applicant.applicant_id
        return _with_child_failures(result)
    if decision.application == APP_EARLIER:
        if applicant.error_code is not None:
            return _blocked(
                result,
                applicant.error_code,
                applicant.error_field,
                f"not attempted: the application for this candidate and job failed "
                f"on line {applicant.first_line} ({applicant.error_code}: "
                f"{applicant.error_message})",
            )
        if applicant.applicant_id is None:
            return None
        result.outcome, result.application_id = "exists", applicant.applicant_id
        return _with_child_failures(result)
    if applicant.error_code is not None:
        return _failed(result, applicant.error_code, applicant.error_message, applicant.error_field)
    if applicant.applicant_id is None:
        return None
    result.application_id = applicant.applicant_id
    result.outcome = "created" if decision.contact == CREATE else "reused"
    return _with_child_failures(result)


def _planned(
    decision: Decision, decided: Decided, applicant: ApplicantState | None, result: ResultRow
) -> ResultRow:
    _children(result, decision, decided, dry_run=True)
    if decision.application in (APP_EXISTS, APP_EARLIER):
        result.outcome = "exists"
        result.application_id = applicant.applicant_id if applicant else None
    else:
        result.outcome = "would_create" if decision.contact == CREATE else "would_reuse"
    return result


def _children_done(decision: Decision, decided: Decided) -> bool:
    """Whether every file and Task the row writes got an answer (a stopped run leaves some)."""
    for chosen, states in ((decision.files, decided.files), (decision.tasks, decided.tasks)):
        for child in chosen:
            state = states.get((decision.key, child.ident))
            if (
                child.action == CHILD_CREATE
                and state is not None
                and state.first_line == decision.row.line
                and state.record_id is None
                and state.error_code is None
            ):
                return False
    return True


def _children(result: ResultRow, decision: Decision, decided: Decided, *, dry_run: bool) -> None:
    row = decision.row
    for planned, chosen in zip(row.files, decision.files, strict=True):
        entry = _child(chosen, decided.files.get((decision.key, chosen.ident)), dry_run)
        result.files.append({"path": planned.path, "name": planned.name, **entry})
    for planned_task, chosen in zip(row.tasks, decision.tasks, strict=True):
        entry = _child(chosen, decided.tasks.get((decision.key, chosen.ident)), dry_run)
        result.activities.append({"path": planned_task.path, **entry})


def _child(chosen: ChildDecision, state: ChildState | None, dry_run: bool) -> dict[str, Any]:
    if chosen.action == CHILD_SAME:
        return {"outcome": "duplicate", "id": None, "error": None, "same_as": chosen.existing_id}
    if chosen.action == CHILD_EXISTS:
        return {"outcome": "exists", "id": chosen.existing_id, "error": None}
    if dry_run:
        return {
            "outcome": "would_create" if chosen.action == CHILD_CREATE else "exists",
            "id": None,
            "error": None,
        }
    if state is None:
        return {"outcome": "blocked", "id": None, "error": None}
    if state.error_code is not None:
        verdict = "failed" if chosen.action == CHILD_CREATE else "blocked"
        return {
            "outcome": verdict,
            "id": None,
            "error": f"{state.error_code}: {state.error_message}",
        }
    if chosen.action == CHILD_EARLIER:
        return {"outcome": "exists", "id": state.record_id, "error": None}
    return {
        "outcome": "created" if state.record_id else "blocked",
        "id": state.record_id,
        "error": None,
    }


def _with_child_failures(result: ResultRow) -> ResultRow:
    """A row whose records were written but a file or activity failed: ``failed``, so a
    ``--retry-from`` picks it up again (the records written are found, not made twice)."""
    bad = [c for c in (*result.files, *result.activities) if c["outcome"] in ("failed",)]
    if bad:
        first = bad[0]
        code, _, message = str(first["error"] or "FAILED: ").partition(": ")
        result.outcome, result.error_code = "failed", code
        result.message = f"{first['path']}: {message}"
        result.field = first["path"]
    return result


def _failed(result: ResultRow, code: str, message: str | None, field: str | None) -> ResultRow:
    result.outcome, result.error_code, result.message, result.field = (
        "failed",
        code,
        message,
        field,
    )
    return result


def _blocked(result: ResultRow, code: str | None, field: str | None, message: str) -> ResultRow:
    result.outcome, result.error_code, result.message, result.field = (
        "blocked",
        code,
        message,
        field,
    )
    return result


__all__ = ["ResultRow", "failed_row", "outcome"]
