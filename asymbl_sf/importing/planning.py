"""One input record → the records it becomes, offline: parse (any dialect), render, check.

Each record is parsed with the same parsers as ``create-application`` (the dialect detected per
record unless one is given) and rendered with the mapping against the org's describes. What
comes out is a :class:`PlannedRow` (the Contact's fields, the applicant's fields, and the job,
stage and recruiter it refers to), or a failed :class:`ResultRow` naming the field and saying
what is wrong. Nothing here talks to the org.

Attachments inside a payload are not imported: each is reported as a warning on its row saying
how to add it (``asymbl-sf add-attachment``). Imports write Contacts and applications only,
because a file per record would cost one API call per record, which is what imports must avoid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.dedupe import WhenMany, normalize_email
from asymbl_sf.errors import ConfigurationError, PayloadError, Problem
from asymbl_sf.flows.passthrough import unmapped_passthrough
from asymbl_sf.mapping import Mapping, render
from asymbl_sf.models import parse_application
from asymbl_sf.models.canonical import Application
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import APPLICANT, CONTACT

from .results import ResultRow
from .sources import SourceRecord

#: The references an applicant field may take, besides the Contact.
APPLICANT_REFS = ("job", "stage", "user")


@dataclass
class PlannedRow:
    """A record that parsed and rendered: what to find or create for it."""

    line: int
    source_id: str | None
    #: The Contact's match value (the email), normalised: how the Contact is found again.
    match_value: str
    #: The job: an 18-character id, or ``remote:<value>``.
    job: str
    #: The stage as the payload gave it (id or name); None: the job's first stage.
    stage: str | None
    #: The credited recruiter as the payload gave it (a User id, username or email), or None.
    user: str | None
    contact: dict[str, Any]
    applicant: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportMapping:
    """What the import needs from the mapping, checked once: the Contact's match field and the
    applicant fields that take a referenced id."""

    match_field: str
    when_many: WhenMany
    #: applicant field → ``Contact``, ``job``, ``stage`` or ``user``.
    applicant_refs: dict[str, str]

    @classmethod
    def of(cls, mapping: Mapping) -> ImportMapping:
        objects = mapping.objects_for("application")
        contact, applicant = objects.get(CONTACT), objects.get(APPLICANT)
        if contact is None or applicant is None:
            raise ConfigurationError(
                f"an import needs the mapping's objects {CONTACT} and {APPLICANT}"
            )
        match = contact.match
        if match is None or len(match.on) != 1:
            raise ConfigurationError(
                "an import finds each candidate's Contact again by one field, so a rerun never "
                "creates it twice: give objects.Contact a match on one field, e.g. "
                "match: {on: [Email]}"
            )
        if match.when_found != "reuse":
            raise ConfigurationError(
                f"the mapping's Contact match says when_found: {match.when_found}; an import "
                "reuses existing Contacts without changing them (when_found: reuse). Use "
                "create-application per record to update Contacts, or set when_found: reuse"
            )
        refs = {name: spec.ref for name, spec in applicant.fields.items() if spec.ref}
        unknown = {n: r for n, r in refs.items() if r != CONTACT and r not in APPLICANT_REFS}
        if unknown:
            name, ref = next(iter(unknown.items()))
            raise ConfigurationError(
                f"objects.{APPLICANT}.fields.{name} refers to {ref!r}, which an import cannot "
                f"fill (it fills {CONTACT}, {', '.join(APPLICANT_REFS)})"
            )
        return cls(match.on[0], match.when_many, refs)


class Planner:
    """Parses and renders records for one import run."""

    def __init__(
        self,
        mapping: Mapping,
        schema: OrgSchema,
        *,
        job_id: str | None = None,
        dialect: str | None = None,
        source_name: str = "input",
    ) -> None:
        self.mapping = mapping
        self.rules = ImportMapping.of(mapping)
        self.schema = schema
        self.job_id = job_id
        self.dialect = dialect
        self.source_name = source_name

    def plan(self, record: SourceRecord) -> PlannedRow | ResultRow:
        """The row's plan, or its failed result."""
        if record.problem is not None:
            return failed(record, "INVALID_RECORD", [record.problem])
        payload = record.payload or {}
        job_id = record.job_id or (None if _body_names_job(payload) else self.job_id)
        try:
            application = parse_application(
                payload, job_id=job_id, dialect=record.dialect or self.dialect
            )
        except PayloadError as exc:
            return failed(record, "INVALID_PAYLOAD", exc.problems)
        if application.candidate is None:
            return failed(
                record,
                "INVALID_PAYLOAD",
                [
                    Problem(
                        "candidate",
                        "an import row must carry the candidate itself (with an email), "
                        "not only the id of an existing one; use create-application for that",
                    )
                ],
            )
        job = application.job
        assert job is not None  # the parsers require a job for an application
        warnings = _attachment_warnings(application)
        application = _without_attachments(application)
        plan = render(application, self.mapping, self.schema)
        if plan.problems:
            return failed(record, "INVALID_PAYLOAD", plan.problems)
        contact, applicant = plan.record(CONTACT), plan.record(APPLICANT)
        assert contact is not None and applicant is not None  # checked by ImportMapping
        match_value = normalize_email(contact.fields.get(self.rules.match_field))
        if match_value is None:
            path = contact.source_path.get(self.rules.match_field) or "candidate.email_address"
            return failed(
                record,
                "MISSING_MATCH_VALUE",
                [
                    Problem(
                        path,
                        f"required: an import finds the Contact again by "
                        f"{CONTACT}.{self.rules.match_field}, so a rerun never creates it twice",
                    )
                ],
            )
        warnings.extend(plan.warnings)
        if _has_passthrough(application):  # the check walks the mapping: skip it when idle
            warnings.extend(unmapped_passthrough(application, self.mapping))
        return PlannedRow(
            line=record.line,
            source_id=record.source_id,
            match_value=match_value,
            job=to_18(job.value) if job.kind == "id" else f"remote:{job.value}",
            stage=application.stage_id,
            user=application.sourced_by_user_id,
            contact=dict(contact.fields),
            applicant=dict(applicant.fields),
            warnings=warnings,
        )


def failed(record: SourceRecord, code: str, problems: list[Problem]) -> ResultRow:
    """A failed row for input problems: every problem in the message, the first one's field."""
    message = "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in problems)
    first = problems[0].path if problems else None
    return ResultRow(
        record.line,
        record.source_id,
        "failed",
        error_code=code,
        message=message,
        field=first or None,
    )


def _body_names_job(payload: dict[str, Any]) -> bool:
    """Whether the body carries its own job (Merge ``model.job``, Kombo ``application.job_id``):
    then ``--job-id`` is not a default for it."""
    model, application = payload.get("model"), payload.get("application")
    return bool(
        (isinstance(model, dict) and model.get("job"))
        or (isinstance(application, dict) and application.get("job_id"))
    )


def _has_passthrough(application: Application) -> bool:
    candidate = application.candidate
    return bool(
        application.remote_fields
        or application.remote_data
        or (candidate is not None and candidate.remote_fields)
    )


def _attachment_warnings(application: Application) -> list[str]:
    found = [(f"attachments[{i}]", a) for i, a in enumerate(application.attachments)]
    if application.candidate is not None:
        found += [
            (f"candidate.attachments[{i}]", a)
            for i, a in enumerate(application.candidate.attachments)
        ]
    return [
        f"{path} ({attachment.name}) was not imported: imports write Contacts and "
        "applications only; add the file with asymbl-sf add-attachment --application-id "
        "<the application_id of this row>"
        for path, attachment in found
    ]


def _without_attachments(application: Application) -> Application:
    if not application.attachments and not (
        application.candidate and application.candidate.attachments
    ):
        return application
    candidate = application.candidate
    if candidate is not None and candidate.attachments:
        candidate = candidate.model_copy(update={"attachments": []})
    return application.model_copy(update={"attachments": [], "candidate": candidate})
