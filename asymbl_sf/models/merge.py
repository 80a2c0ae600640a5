"""The Merge dialect: bodies of Merge's ATS ``POST`` endpoints as Merge's Asymbl guide shows them,
normalised to canonical models.

Every body is an envelope ``{"model": {...}, "remote_user_id": "..."}``; problems are reported
with paths from the envelope (``model.last_name``). ``remote_user_id`` is required by Merge's spec
but missing from Merge's own samples, so it is optional here.

Asymbl's rules from Merge's guide: a candidate needs ``last_name``; only the first location is
used (as the city); an attachment needs ``file_url`` and ``integration_params.path_with_extension``,
whose extension tells Asymbl the file type (a ``file_name`` without one is completed from it);
an activity needs ``subject``. Enumerated types are accepted in any case (Merge's own samples
send ``"Mobile"`` and ``"Work"``) and normalised to upper case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from asymbl_sf.errors import Problem
from asymbl_sf.models import canonical as c
from asymbl_sf.models.common import (
    Email,
    HttpUrl,
    InputModel,
    NonEmpty,
    Upper,
    candidate_with,
    complete_name,
    content_type_for,
    extension_of,
    first_location,
    is_object,
    mismatch_of_object,
    non_empty_or_none,
    resolve_id,
    resolve_job,
    unique_emails,
    validate,
)
from asymbl_sf.models.problems import custom_error, dedupe, echo

PhoneType = Annotated[Literal["HOME", "WORK", "MOBILE", "SKYPE", "OTHER"], Upper]
EmailType = Annotated[Literal["PERSONAL", "WORK", "OTHER"], Upper]
UrlType = Annotated[
    Literal["PERSONAL", "COMPANY", "PORTFOLIO", "BLOG", "SOCIAL_MEDIA", "OTHER", "UNKNOWN"], Upper
]
MergeAttachmentType = Annotated[Literal["RESUME", "COVER_LETTER", "OFFER_LETTER", "OTHER"], Upper]
MergeActivityType = Annotated[Literal["EMAIL", "NOTE", "OTHER"], Upper]
MergeVisibility = Annotated[Literal["ADMIN_ONLY", "PUBLIC", "PRIVATE"], Upper]

#: Merge's attachment types → canonical (Kombo's) names.
ATTACHMENT_TYPES: dict[str, c.AttachmentType] = {
    "RESUME": "CV",
    "COVER_LETTER": "COVER_LETTER",
    "OFFER_LETTER": "OFFER_LETTER",
    "OTHER": "OTHER",
}


MergeModel = InputModel


class _Passthrough(MergeModel):
    """Keys every Merge write model accepts."""

    remote_template_id: str | None = None
    integration_params: dict[str, Any] | None = None
    linked_account_params: dict[str, Any] | None = None


class MergePhoneNumber(MergeModel):
    value: NonEmpty
    phone_number_type: PhoneType | None = None


class MergeEmailAddress(MergeModel):
    value: Email
    email_address_type: EmailType | None = None


class MergeUrl(MergeModel):
    value: NonEmpty
    url_type: UrlType | None = None


class _MergeAttachmentFields(_Passthrough):
    file_name: str | None = None
    file_url: Annotated[NonEmpty, HttpUrl]
    attachment_type: MergeAttachmentType | None = None


class MergeNestedAttachment(_MergeAttachmentFields):
    """An attachment inside a candidate (its candidate is the one being created)."""


class MergeAttachment(_MergeAttachmentFields):
    """The model of ``POST /attachments``."""

    candidate: NonEmpty | None = None


class MergeCandidate(_Passthrough):
    first_name: str | None = None
    # Optional for Merge; Asymbl needs it (a Contact's LastName is required).
    last_name: NonEmpty
    title: str | None = None
    company: str | None = None
    can_email: bool | None = None
    locations: list[str] = Field(default_factory=list)
    phone_numbers: list[MergePhoneNumber] = Field(default_factory=list)
    email_addresses: list[MergeEmailAddress] = Field(default_factory=list)
    urls: list[MergeUrl] = Field(default_factory=list)
    attachments: list[MergeNestedAttachment] = Field(default_factory=list)
    applications: list[Any] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @field_validator("applications")
    @classmethod
    def _no_applications(cls, value: list[Any]) -> list[Any]:
        if value:
            raise custom_error(
                "not supported by Asymbl: leave it empty and POST the application with "
                "the candidate (nested, or its id once created)"
            )
        return value


class MergeScreeningAnswer(MergeModel):
    question: NonEmpty
    answer: str | None = None


class MergeApplication(_Passthrough):
    # A candidate id, or a whole candidate object (validated on its own, see _candidate_ref).
    candidate: Any
    # Checked by resolve_job: a Salesforce job id or remote:<value>.
    job: Any = None
    current_stage: NonEmpty | None = None
    source: str | None = None
    applied_at: datetime | None = None
    credited_to: NonEmpty | None = None
    screening_question_answers: list[MergeScreeningAnswer] = Field(default_factory=list)

    @field_validator("candidate")
    @classmethod
    def _candidate_ref(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, Mapping):
            return value
        raise custom_error(f"must be a candidate id or a candidate object (got {echo(value)})")


class MergeActivity(_Passthrough):
    user: NonEmpty | None = None
    candidate: NonEmpty | None = None
    activity_type: MergeActivityType | None = None
    subject: NonEmpty
    body: str | None = None
    visibility: MergeVisibility | None = None


class MergeStageChange(MergeModel):
    job_interview_stage: NonEmpty
    remote_user_id: NonEmpty | None = None


class _Envelope(MergeModel):
    remote_user_id: NonEmpty | None = None


class MergeCandidateRequest(_Envelope):
    model: MergeCandidate


class MergeApplicationRequest(_Envelope):
    model: MergeApplication


class MergeAttachmentRequest(_Envelope):
    model: MergeAttachment


class MergeActivityRequest(_Envelope):
    model: MergeActivity


class MergeStageChangeRequest(_Envelope):
    model: MergeStageChange


# --- validation helpers ---------------------------------------------------------------------


def path_with_extension_problems(raw: Any, path: str) -> list[Problem]:
    """``integration_params.path_with_extension`` of the raw attachment at ``path``: required,
    a string, with a file extension."""
    if not isinstance(raw, Mapping):
        return []
    params = raw.get("integration_params")
    if params is not None and not isinstance(params, Mapping):
        return []  # "must be an object", reported by the model
    where = f"{path}.integration_params.path_with_extension"
    value = params.get("path_with_extension") if params else None
    if value is None:
        return [
            Problem(
                where,
                "required: the file name with its extension, e.g. resume.pdf "
                "(the extension tells Asymbl the file type)",
            )
        ]
    if not isinstance(value, str):
        return [Problem(where, "must be a string")]
    if not extension_of(value):
        return [Problem(where, f"must end with a file extension such as .pdf (got {echo(value)})")]
    return []


def _nested_attachment_problems(candidate: Any, path: str) -> list[Problem]:
    if not isinstance(candidate, Mapping) or not isinstance(candidate.get("attachments"), list):
        return []
    out: list[Problem] = []
    for i, att in enumerate(candidate["attachments"]):
        out += path_with_extension_problems(att, f"{path}.attachments[{i}]")
    return out


def _model(payload: Mapping[str, Any]) -> Any:
    return payload.get("model")


def _in_model(payload: Mapping[str, Any], key: str) -> Any:
    """``model.<key>`` of the raw body; None when ``model`` is not an object."""
    raw = _model(payload)
    return raw.get(key) if isinstance(raw, Mapping) else None


def _candidate_id(
    payload: Mapping[str, Any],
    candidate_id: str | None,
    application_id: str | None,
    problems: list[Problem],
    why: str,
) -> str | None:
    """The candidate from the argument and/or ``model.candidate`` (required without an
    application)."""
    return resolve_id(
        candidate_id,
        "candidate_id",
        _in_model(payload, "candidate"),
        "model.candidate",
        problems,
        required=application_id is None,
        why=why,
    )


# --- normalisation --------------------------------------------------------------------------


def to_candidate(m: MergeCandidate) -> c.Candidate:
    # Merge's guide: send one email; when more come, the first is the primary one.
    return candidate_with(
        unique_emails([(e.value, e.email_address_type) for e in m.email_addresses]),
        [
            c.Trusted.PhoneNumber(phone_number=p.value, type=p.phone_number_type)
            for p in m.phone_numbers
        ],
        first_name=non_empty_or_none(m.first_name),
        last_name=m.last_name,
        company=m.company,
        title=m.title,
        location=first_location(m.locations),
        social_links=[c.Trusted.SocialLink(url=u.value, type=u.url_type) for u in m.urls],
        tags=[t for t in m.tags if t.strip()],
        can_email=m.can_email,
        remote_fields=dict(m.integration_params or {}),
    )


def to_attachment(
    m: _MergeAttachmentFields,
    *,
    candidate_id: str | None = None,
    application_id: str | None = None,
    dialect: str | None = None,
) -> c.Attachment:
    params = dict(m.integration_params or {})
    path = str(params.pop("path_with_extension")).strip()
    return c.Trusted.Attachment(
        name=complete_name(m.file_name, path) or path,
        type=ATTACHMENT_TYPES[m.attachment_type or "OTHER"],
        content_type=content_type_for(path),
        data_url=m.file_url,
        path_with_extension=path,
        candidate_id=candidate_id,
        application_id=application_id,
        remote_fields=params,
        dialect=dialect,
    )


class MergeParser:
    """Merge envelopes → canonical models."""

    name = "merge"

    @staticmethod
    def mismatch(payload: Any, kind: str = "application") -> str | None:
        """None when ``payload`` looks like a Merge body, else why not."""
        if (reason := mismatch_of_object(payload, None)) is not None:
            return reason
        if is_object(payload.get("model")):
            return None
        if kind == "stage_move" and "job_interview_stage" in payload:
            return None
        return "no 'model' object at the top level (Merge bodies are {\"model\": {...}})"

    def parse_application(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[c.Application | None, list[Problem]]:
        problems: list[Problem] = []
        body = validate(MergeApplicationRequest, payload, problems)
        job = resolve_job(job_id, _in_model(payload, "job"), "model.job", problems, required=True)
        raw_candidate = _in_model(payload, "candidate")
        candidate: MergeCandidate | None = None
        if isinstance(raw_candidate, Mapping):
            candidate = validate(MergeCandidate, raw_candidate, problems, ("model", "candidate"))
            problems += _nested_attachment_problems(raw_candidate, "model.candidate")
        problems = dedupe(problems)
        if problems or body is None:
            return None, problems
        m = body.model
        return (
            c.Trusted.Application(
                candidate=to_candidate(candidate) if candidate else None,
                candidate_id=m.candidate if isinstance(m.candidate, str) else None,
                job=job,
                stage_id=m.current_stage,
                source=(
                    c.Trusted.Source(name=name) if (name := non_empty_or_none(m.source)) else None
                ),
                sourced_by_user_id=m.credited_to,
                applied_at=m.applied_at,
                attachments=[to_attachment(a) for a in candidate.attachments] if candidate else [],
                screening_question_answers=[
                    c.Trusted.ScreeningAnswer(question_id=a.question, answer=a.answer)
                    for a in m.screening_question_answers
                ],
                remote_fields=dict(m.integration_params or {}),
                dialect=self.name,
            ),
            [],
        )

    def parse_candidate(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[c.Application | None, list[Problem]]:
        """A candidate; the result is an Application whose ``job`` is the ``job_id`` argument
        (None without it: Merge creates a candidate without an application)."""
        problems: list[Problem] = []
        body = validate(MergeCandidateRequest, payload, problems)
        job = resolve_job(job_id, None, "job_id", problems, required=False)
        problems += _nested_attachment_problems(_model(payload), "model")
        problems = dedupe(problems)
        if problems or body is None:
            return None, problems
        return (
            c.Trusted.Application(
                candidate=to_candidate(body.model),
                job=job,
                attachments=[to_attachment(a) for a in body.model.attachments],
                dialect=self.name,
            ),
            [],
        )

    def parse_attachment(
        self,
        payload: Mapping[str, Any],
        *,
        candidate_id: str | None = None,
        application_id: str | None = None,
    ) -> tuple[c.Attachment | None, list[Problem]]:
        problems: list[Problem] = []
        body = validate(MergeAttachmentRequest, payload, problems)
        problems += path_with_extension_problems(_model(payload), "model")
        candidate = _candidate_id(
            payload,
            candidate_id,
            application_id,
            problems,
            ": Asymbl files an attachment on the candidate's Contact",
        )
        problems = dedupe(problems)
        if problems or body is None:
            return None, problems
        return (
            to_attachment(
                body.model,
                candidate_id=candidate,
                application_id=application_id,
                dialect=self.name,
            ),
            [],
        )

    def parse_activity(
        self,
        payload: Mapping[str, Any],
        *,
        candidate_id: str | None = None,
        application_id: str | None = None,
    ) -> tuple[c.Activity | None, list[Problem]]:
        problems: list[Problem] = []
        body = validate(MergeActivityRequest, payload, problems)
        candidate = _candidate_id(
            payload,
            candidate_id,
            application_id,
            problems,
            ": the activity is linked to the candidate's Contact",
        )
        problems = dedupe(problems)
        if problems or body is None:
            return None, problems
        m = body.model
        return (
            c.Activity(
                type=m.activity_type or "NOTE",
                subject=m.subject,
                body=m.body,
                visibility=m.visibility,
                # Merge's remote_user_id is the user acting; it stands in for a missing user.
                user=m.user or body.remote_user_id,
                candidate_id=candidate,
                application_id=application_id,
                remote_fields=dict(m.integration_params or {}),
                dialect=self.name,
            ),
            [],
        )

    def parse_stage_move(
        self, payload: Mapping[str, Any], *, application_id: str | None = None
    ) -> tuple[c.StageMove | None, list[Problem]]:
        """``POST /applications/{id}/change-stage``: ``{"job_interview_stage": ...}``, flat (as
        Merge's endpoint takes it) or inside ``model``; the application id is the argument."""
        problems: list[Problem] = []
        enveloped = "model" in payload
        stage: MergeStageChange | None
        user: str | None = None
        if enveloped:
            body = validate(MergeStageChangeRequest, payload, problems)
            stage = body.model if body else None
            user = (body.model.remote_user_id or body.remote_user_id) if body else None
        else:
            stage = validate(MergeStageChange, payload, problems)
            user = stage.remote_user_id if stage else None
        app_id = resolve_id(
            application_id,
            "application_id",
            None,
            None,
            problems,
            required=True,
            why=": Merge takes it from the URL (/applications/{id}/change-stage)",
        )
        if problems or stage is None or app_id is None:
            return None, dedupe(problems)
        return (
            c.StageMove(
                application_id=app_id,
                stage_id=stage.job_interview_stage,
                user=user,
                dialect=self.name,
            ),
            [],
        )
