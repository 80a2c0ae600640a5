"""A row's outcome, from its decision and what the writes did (or, in a dry run, would do)."""

from __future__ import annotations

from .decide import APP_CREATE, APP_EARLIER, APP_EXISTS, BLOCKED, CREATE, EARLIER, Decision
from .results import ResultRow
from .state import ApplicantState, ContactState


def outcome(
    decision: Decision,
    contact: ContactState | None,
    applicant: ApplicantState | None,
    *,
    dry_run: bool,
) -> ResultRow | None:
    """The row's result, or None when it has none yet (its write never ran to the end: the
    import stopped); a later run decides it again."""
    if decision.failure is not None:
        return decision.failure
    row = decision.row
    result = ResultRow(row.line, row.source_id, "", warnings=[*row.warnings, *decision.warnings])
    if contact is not None:
        result.contact_id = contact.contact_id
    if dry_run:
        return _planned(decision, applicant, result)
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
    if decision.contact == CREATE and contact is not None and contact.error_code is not None:
        return _failed(result, contact.error_code, contact.error_message, contact.error_field)
    if contact is None or contact.contact_id is None:
        return None
    if applicant is None:
        return None
    if decision.application == APP_EXISTS:
        result.outcome, result.application_id = "exists", applicant.applicant_id
        return result
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
        return result
    if applicant.error_code is not None:
        return _failed(result, applicant.error_code, applicant.error_message, applicant.error_field)
    if applicant.applicant_id is None:
        return None
    result.application_id = applicant.applicant_id
    result.outcome = "created" if decision.contact == CREATE else "reused"
    return result


def _planned(decision: Decision, applicant: ApplicantState | None, result: ResultRow) -> ResultRow:
    if decision.application in (APP_EXISTS, APP_EARLIER):
        result.outcome = "exists"
        result.application_id = applicant.applicant_id if applicant else None
    elif decision.application == APP_CREATE:
        result.outcome = "would_create" if decision.contact == CREATE else "would_reuse"
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
