"""The Truto dialect: flat bodies of Truto's unified ATS API, normalised to canonical models.

Asymbl is not a Truto integration, so Truto is only a payload shape here: create candidate,
create activity (``candidate_id`` and ``body`` required, ``visibility`` in lower case), create
attachment and move stage (``{application_id, stage_id}``). Every body may carry ``remote_data``,
which is kept untouched in the canonical model's ``remote_data``. Truto's types are free text;
they are kept, trimmed and in upper case, like the other dialects' types.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from asymbl_sf.errors import Problem
from asymbl_sf.models import canonical as c
from asymbl_sf.models.common import (
    Email,
    HttpUrl,
    InputModel,
    Lower,
    NonEmpty,
    candidate_with,
    complete_name,
    content_type_for,
    extension_of,
    first_location,
    mismatch_of_object,
    non_empty_or_none,
    resolve_id,
    resolve_job,
    unique_emails,
    upper_or_none,
    url_file_name,
    validate,
)
from asymbl_sf.models.problems import custom_error, dedupe, echo

TrutoVisibility = Annotated[Literal["private", "public", "admin_only"], Lower]
TrutoActivityType = Annotated[Literal["note", "email"], Lower]
TrutoAttachmentType = Annotated[Literal["resume", "cover_letter", "offer_letter", "other"], Lower]

ATTACHMENT_TYPES: dict[str, c.AttachmentType] = {
    "resume": "CV",
    "cover_letter": "COVER_LETTER",
    "offer_letter": "OFFER_LETTER",
    "other": "OTHER",
}

#: Top-level keys that mark a Truto candidate body (used by shape detection).
CANDIDATE_KEYS = frozenset(
    {"emails", "phones", "urls", "locations", "tags", "remote_data", "first_name", "last_name"}
)


TrutoModel = InputModel


def _tag_name(value: Any) -> Any:
    """Truto tags are ``{id, name}`` objects; plain strings are accepted too."""
    if isinstance(value, Mapping):
        name = value.get("name")
        if not isinstance(name, str) or not name.strip():
            raise custom_error("a tag object needs a name")
        return name
    return value


class TrutoEmail(TrutoModel):
    email: Email
    type: str | None = None


class TrutoPhone(TrutoModel):
    number: NonEmpty
    extension: str | None = None
    type: str | None = None


class TrutoUrl(TrutoModel):
    url: NonEmpty
    type: str | None = None


# Like MergeCandidate in part, but Truto's own schema (its order shows in "allowed keys").
class TrutoCandidate(TrutoModel):
    first_name: str | None = None
    # Optional for Truto; Asymbl needs it (a Contact's LastName is required).
    last_name: NonEmpty
    title: str | None = None
    company: str | None = None
    can_email: bool | None = None
    emails: list[TrutoEmail] = Field(default_factory=list)
    phones: list[TrutoPhone] = Field(default_factory=list)
    urls: list[TrutoUrl] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    tags: list[Annotated[str, BeforeValidator(_tag_name)]] = Field(default_factory=list)
    remote_data: dict[str, Any] = Field(default_factory=dict)


class TrutoActivity(TrutoModel):
    candidate_id: NonEmpty | None = None
    body: NonEmpty
    subject: str | None = None
    visibility: TrutoVisibility | None = None
    created_at: datetime | None = None
    type: TrutoActivityType | None = None
    activity_type: TrutoActivityType | None = None
    remote_data: dict[str, Any] = Field(default_factory=dict)


class TrutoAttachment(TrutoModel):
    file_name: NonEmpty
    file_url: Annotated[NonEmpty, HttpUrl]
    type: TrutoAttachmentType | None = None
    attachment_type: TrutoAttachmentType | None = None
    candidate_id: NonEmpty | None = None
    application_id: NonEmpty | None = None
    remote_data: dict[str, Any] = Field(default_factory=dict)


class TrutoStageMove(TrutoModel):
    application_id: NonEmpty | None = None
    stage_id: NonEmpty
    #: Truto documents both: who moves it, and whose application it is.
    user_id: NonEmpty | None = None
    candidate_id: NonEmpty | None = None
    remote_data: dict[str, Any] = Field(default_factory=dict)


VISIBILITY: dict[str, c.Visibility] = {
    "private": "PRIVATE",
    "public": "PUBLIC",
    "admin_only": "ADMIN_ONLY",
}


def type_conflict(raw: Mapping[str, Any], alias: str) -> list[Problem]:
    """Truto's docs name the type ``type`` in bodies and ``<x>_type`` in responses; both are
    accepted, and must agree when both are sent."""
    a, b = raw.get("type"), raw.get(alias)
    if isinstance(a, str) and isinstance(b, str) and a.strip().lower() != b.strip().lower():
        return [Problem(alias, f"differs from type ({echo(a)}); give one of them")]
    return []


def _flat_id(
    payload: Mapping[str, Any],
    name: str,
    arg: str | None,
    problems: list[Problem],
    *,
    required: bool = False,
    why: str = "",
) -> str | None:
    """The id ``name`` from the argument and/or the flat body's key of the same name."""
    return resolve_id(arg, name, payload.get(name), name, problems, required=required, why=why)


# --- normalisation --------------------------------------------------------------------------


def to_candidate(t: TrutoCandidate) -> c.Candidate:
    phones = [
        c.Trusted.PhoneNumber(
            phone_number=p.number,
            type=upper_or_none(p.type),
            extension=non_empty_or_none(p.extension),
        )
        for p in t.phones
    ]
    return candidate_with(
        unique_emails([(e.email, upper_or_none(e.type)) for e in t.emails]),
        phones,
        first_name=non_empty_or_none(t.first_name),
        last_name=t.last_name,
        company=t.company,
        title=t.title,
        location=first_location(t.locations),
        social_links=[c.Trusted.SocialLink(url=u.url, type=upper_or_none(u.type)) for u in t.urls],
        tags=[name.strip() for name in t.tags if name.strip()],
        can_email=t.can_email,
    )


def to_attachment(
    t: TrutoAttachment, *, candidate_id: str | None, application_id: str | None
) -> c.Attachment:
    # The extension (which tells Salesforce the file type) comes from the file name or else
    # from the URL's last path segment.
    from_url = url_file_name(t.file_url)
    path = (
        t.file_name if extension_of(t.file_name) else from_url if extension_of(from_url) else None
    )
    name = complete_name(t.file_name, path) or t.file_name
    kind = t.type or t.attachment_type or "other"
    return c.Trusted.Attachment(
        name=name,
        type=ATTACHMENT_TYPES[kind],
        content_type=content_type_for(path),
        data_url=t.file_url,
        path_with_extension=name if extension_of(name) else None,
        candidate_id=candidate_id,
        application_id=application_id,
        remote_data=dict(t.remote_data),
        dialect="truto",
    )


class TrutoParser:
    """Truto flat bodies → canonical models."""

    name = "truto"

    @staticmethod
    def mismatch(payload: Any, kind: str = "application") -> str | None:
        """None when ``payload`` looks like a Truto body of ``kind``, else why not."""
        if (reason := mismatch_of_object(payload, "Truto")) is not None:
            return reason
        if kind in ("application", "candidate"):
            if not CANDIDATE_KEYS.isdisjoint(payload):
                return None
            return "no top-level emails, phones, urls, locations, names or remote_data"
        keys = set(payload)
        if kind == "activity":
            if keys & {"candidate_id", "body", "visibility", "created_at", "remote_data"}:
                return None
            return "no top-level candidate_id, body, visibility or remote_data"
        if kind == "attachment":
            if keys & {"file_url", "file_name", "remote_data"}:
                return None
            return "no top-level file_url, file_name or remote_data"
        if kind == "stage_move":
            if keys & {"application_id", "remote_data"}:
                return None
            return "no top-level application_id or remote_data"
        return f"no {kind} body in Truto"

    def parse_candidate(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[c.Application | None, list[Problem]]:
        """A candidate; the result is an Application whose ``job`` is the ``job_id`` argument
        (Truto passes the job as a query parameter), None without it."""
        return self._candidate(payload, job_id, required=False)

    def parse_application(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[c.Application | None, list[Problem]]:
        """Truto has no create-application body: a candidate body plus the ``job_id``
        argument (required) is the application."""
        return self._candidate(payload, job_id, required=True)

    def _candidate(
        self, payload: Mapping[str, Any], job_id: str | None, *, required: bool
    ) -> tuple[c.Application | None, list[Problem]]:
        problems: list[Problem] = []
        body = validate(TrutoCandidate, payload, problems)
        job = resolve_job(job_id, None, "job_id", problems, required=False)
        if required and job_id is None:
            problems.append(
                Problem("job_id", "required (pass --job-id: a Truto candidate body has no job)")
            )
        problems = dedupe(problems)
        if problems or body is None:
            return None, problems
        return (
            c.Trusted.Application(
                candidate=to_candidate(body),
                job=job,
                remote_data=dict(body.remote_data),
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
        body = validate(TrutoAttachment, payload, problems)
        problems += type_conflict(payload, "attachment_type")
        app = _flat_id(payload, "application_id", application_id, problems)
        cand = _flat_id(
            payload,
            "candidate_id",
            candidate_id,
            problems,
            required=app is None and payload.get("application_id") is None,
            why=": whose file it is (or give application_id)",
        )
        problems = dedupe(problems)
        if problems or body is None:
            return None, problems
        return to_attachment(body, candidate_id=cand, application_id=app), []

    def parse_activity(
        self,
        payload: Mapping[str, Any],
        *,
        candidate_id: str | None = None,
        application_id: str | None = None,
    ) -> tuple[c.Activity | None, list[Problem]]:
        problems: list[Problem] = []
        body = validate(TrutoActivity, payload, problems)
        problems += type_conflict(payload, "activity_type")
        why = ": Truto requires it"
        cand = _flat_id(payload, "candidate_id", candidate_id, problems, required=True, why=why)
        problems = dedupe(problems)
        if problems or body is None:
            return None, problems
        kind = body.type or body.activity_type or "note"
        return (
            c.Activity(
                type="EMAIL" if kind == "email" else "NOTE",
                # None when not sent: the flow derives one from the body.
                subject=non_empty_or_none(body.subject),
                body=body.body,
                visibility=VISIBILITY[body.visibility] if body.visibility else None,
                candidate_id=cand,
                application_id=application_id,
                created_at=body.created_at,
                remote_data=dict(body.remote_data),
                dialect=self.name,
            ),
            [],
        )

    def parse_stage_move(
        self, payload: Mapping[str, Any], *, application_id: str | None = None
    ) -> tuple[c.StageMove | None, list[Problem]]:
        problems: list[Problem] = []
        body = validate(TrutoStageMove, payload, problems)
        app = _flat_id(payload, "application_id", application_id, problems, required=True)
        problems = dedupe(problems)
        if problems or body is None or app is None:
            return None, problems
        return (
            c.StageMove(
                application_id=app,
                stage_id=body.stage_id,
                user=body.user_id,
                candidate_id=body.candidate_id,
                remote_data=dict(body.remote_data),
                dialect=self.name,
            ),
            [],
        )
