"""The Kombo dialect: ``POST /ats/jobs/{job_id}/applications`` and the deprecated
``POST /ats/candidates`` bodies, validated as Kombo documents them, normalised to canonical models.

Input models are strict about shape (``extra="forbid"`` at every level, so a typo such as
``emial_address`` is reported with its path instead of silently dropped) and check values the way
Kombo does (email format, ISO country codes, base64). Rules that span several keys (exactly one
of ``data``/``data_url``) are checked on the raw body so they are reported even when other keys
fail, because a user should see every problem in one run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from asymbl_sf.errors import Problem
from asymbl_sf.models import canonical as c
from asymbl_sf.models.checks import (
    content_type_problem,
    country_problem,
    decode_base64,
    parse_date_or_datetime,
)
from asymbl_sf.models.common import (
    Email,
    HttpUrl,
    InputModel,
    NonEmpty,
    is_object,
    mismatch_of_object,
    raising,
    rejecting,
    resolve_id,
    resolve_job,
    validate,
    validate_plain,
)

ContactType = Literal["PERSONAL", "WORK", "OTHER"]

KomboModel = InputModel


class KomboEmailAddress(KomboModel):
    email_address: Email
    type: ContactType | None = None


class KomboPhoneNumber(KomboModel):
    phone_number: NonEmpty
    type: ContactType | None = None


class KomboLocation(KomboModel):
    # Kombo makes country the one required key of a location.
    country: Annotated[str, AfterValidator(str.strip), rejecting(country_problem)]
    city: str | None = None
    state: str | None = None
    street_1: str | None = None
    street_2: str | None = None
    zip_code: str | None = None


class KomboSalaryExpectations(KomboModel):
    amount: Annotated[Decimal, Field(ge=0)]
    period: Literal["MONTH", "YEAR"]


class KomboSocialLink(KomboModel):
    url: NonEmpty


class KomboCandidate(KomboModel):
    first_name: NonEmpty
    last_name: NonEmpty
    email_address: Email
    company: str | None = None
    title: str | None = None
    phone_number: str | None = None
    additional_phone_numbers: list[KomboPhoneNumber] = Field(default_factory=list)
    additional_email_addresses: list[KomboEmailAddress] = Field(default_factory=list)
    location: KomboLocation | None = None
    gender: Literal["MALE", "FEMALE", "OTHER"] | None = None
    availability_date: Annotated[str, raising(parse_date_or_datetime)] | None = None
    salary_expectations: KomboSalaryExpectations | None = None
    social_links: list[KomboSocialLink] = Field(default_factory=list)


class KomboAttachment(KomboModel):
    name: NonEmpty
    type: Literal["CV", "COVER_LETTER", "OTHER"]
    content_type: Annotated[str, rejecting(content_type_problem)] | None = None
    data: Annotated[str, raising(decode_base64)] | None = Field(default=None, repr=False)
    data_url: HttpUrl | None = None


class KomboSource(KomboModel):
    name: str | None = None
    id: str | None = None
    unified_key: str | None = None


class KomboSourcedBy(KomboModel):
    user_id: NonEmpty


class KomboGdprConsent(KomboModel):
    given: bool
    expires_at: datetime | None = None


class KomboScreeningAnswer(KomboModel):
    question_id: NonEmpty
    # Text, bool, number, list of option ids, date or a file: Kombo checks it against the
    # question's format, which only the ATS knows; it is passed through.
    answer: Any


class KomboApplicationRef(KomboModel):
    job_id: str | None = None
    stage_id: str | None = None


class _KomboBody(KomboModel):
    candidate: KomboCandidate
    attachments: list[KomboAttachment] = Field(default_factory=list)
    screening_question_answers: list[KomboScreeningAnswer] = Field(default_factory=list)
    source: KomboSource | None = None
    sourced_by: KomboSourcedBy | None = None
    gdpr_consent: KomboGdprConsent | None = None
    remote_fields: dict[str, Any] = Field(default_factory=dict)


class KomboCreateApplication(_KomboBody):
    """Body of ``POST /ats/jobs/{job_id}/applications``: the job is in the path."""

    stage_id: str | None = None


class KomboCreateCandidate(_KomboBody):
    """Body of the deprecated ``POST /ats/candidates``: the job is in ``application.job_id``."""

    application: KomboApplicationRef | None = None


class KomboAddAttachment(KomboModel):
    """Body of ``POST /ats/{candidates|applications}/{id}/attachments``. Kombo's documented
    example repeats the path's ``application_id`` in the body: accepted when it is the same."""

    attachment: KomboAttachment
    application_id: NonEmpty | None = None
    remote_fields: dict[str, Any] = Field(default_factory=dict)


class KomboNote(KomboModel):
    """Body of ``POST /ats/applications/{id}/notes``."""

    content: NonEmpty
    content_type: Literal["PLAIN_TEXT"] = "PLAIN_TEXT"
    remote_fields: dict[str, Any] = Field(default_factory=dict)


class KomboStageChange(KomboModel):
    """Body of ``PUT /ats/applications/{id}/stage``."""

    stage_id: NonEmpty
    remote_fields: dict[str, Any] = Field(default_factory=dict)


# --- cross-key rules, checked on the raw body ---------------------------------------------------


def _present(value: Any) -> bool:
    return value is not None and value != ""


def one_attachment_problems(att: Any, path: str) -> list[Problem]:
    """Exactly one of ``data``/``data_url``; ``content_type`` required with ``data``.

    ``path`` is where the attachment is (empty for a flat body)."""
    problems: list[Problem] = []
    if not isinstance(att, Mapping):
        return problems
    has_data, has_url = _present(att.get("data")), _present(att.get("data_url"))
    if has_data and has_url:
        problems.append(Problem(path, "has both data and data_url; give exactly one"))
    elif not has_data and not has_url:
        problems.append(Problem(path, "needs data (base64) or data_url; give exactly one"))
    if has_data and not _present(att.get("content_type")):
        where = f"{path}.content_type" if path else "content_type"
        problems.append(Problem(where, "required when data is given"))
    return problems


def attachment_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """:func:`one_attachment_problems` of each item of ``attachments``."""
    problems: list[Problem] = []
    attachments = raw.get("attachments")
    if not isinstance(attachments, list):
        return problems
    for i, att in enumerate(attachments):
        problems += one_attachment_problems(att, f"attachments[{i}]")
    return problems


def job_problems(
    raw: Mapping[str, Any], job_id: str | None, *, required: bool
) -> tuple[c.JobReference | None, list[Problem]]:
    """The job from the ``job_id`` argument and/or ``application.job_id``, and what is wrong."""
    problems: list[Problem] = []
    app = raw.get("application")
    body_value = app.get("job_id") if is_object(app) else None
    job = resolve_job(job_id, body_value, "application.job_id", problems, required=False)
    # Kombo's own message for a missing job: it names the URL's job_id, not the body's key.
    if required and job_id is None and body_value is None:
        problems.append(Problem("job_id", "required (pass --job-id or application.job_id)"))
    return job, problems


# --- normalisation --------------------------------------------------------------------------------


# The body is validated once, by the Kombo input models into plain dicts (plain_data.py), and
# the canonical models are built from those checked values without a second validation pass
# (trusted.py): 21 µs a record down to about 8.
_new = c.Trusted


def _candidate(k: dict[str, Any]) -> c.Candidate:
    primary: str = k["email_address"]
    emails = [_new.EmailAddress(email_address=primary)]
    for extra in k["additional_email_addresses"]:
        if extra["email_address"].lower() != primary.lower():
            emails.append(
                _new.EmailAddress(email_address=extra["email_address"], type=extra["type"])
            )
    phone = k["phone_number"]
    phones = [_new.PhoneNumber(phone_number=phone)] if phone else []
    for p in k["additional_phone_numbers"]:
        phones.append(_new.PhoneNumber(phone_number=p["phone_number"], type=p["type"]))
    salary, location, available = k["salary_expectations"], k["location"], k["availability_date"]
    return _new.Candidate(
        email_address=primary,
        email_addresses=emails,
        phone_number=phones[0].phone_number if phones else None,
        phone_numbers=phones,
        first_name=k["first_name"],
        last_name=k["last_name"],
        company=k["company"],
        title=k["title"],
        location=_new.Location(**location) if location else None,
        gender=k["gender"],
        availability_date=parse_date_or_datetime(available) if available else None,
        salary_expectations=_new.SalaryExpectation(**salary) if salary else None,
        social_links=[_new.SocialLink(url=s["url"]) for s in k["social_links"]],
    )


def _attachment_fields(k: dict[str, Any]) -> dict[str, Any]:
    data = k["data"]
    return {
        "name": k["name"],
        "type": k["type"],
        "content_type": k["content_type"],
        "data": decode_base64(data) if data is not None else None,
        "data_url": k["data_url"],
        # Kombo's ``name`` is the file name, extension included ("Frank Doe CV.txt").
        "path_with_extension": k["name"],
    }


def to_canonical(body: dict[str, Any], job: c.JobReference | None) -> c.Application:
    """A validated create-application or create-candidate body (as plain dicts) → canonical."""
    if "stage_id" in body:  # create application: the stage is at the top
        stage_id = body["stage_id"]
    else:  # create candidate: in ``application``
        stage_id = body["application"]["stage_id"] if body["application"] else None
    source, consent, sourced_by = body["source"], body["gdpr_consent"], body["sourced_by"]
    return _new.Application(
        candidate=_candidate(body["candidate"]),
        job=job,
        stage_id=stage_id or None,
        source=_new.Source(**source) if source else None,
        sourced_by_user_id=sourced_by["user_id"] if sourced_by else None,
        attachments=[_new.Attachment(**_attachment_fields(a)) for a in body["attachments"]],
        screening_question_answers=[
            _new.ScreeningAnswer(question_id=a["question_id"], answer=a["answer"])
            for a in body["screening_question_answers"]
        ],
        gdpr_consent=_new.GdprConsent(**consent) if consent else None,
        remote_fields=dict(body["remote_fields"]),
        dialect="kombo",
    )


class KomboParser:
    """Kombo bodies → :class:`~asymbl_sf.models.canonical.Application`."""

    name = "kombo"

    @staticmethod
    def mismatch(payload: Any, kind: str = "application") -> str | None:
        """None when ``payload`` looks like a Kombo body of ``kind``, else why not."""
        if (reason := mismatch_of_object(payload, "Kombo")) is not None:
            return reason
        if kind == "attachment":
            if is_object(payload.get("attachment")):
                return None
            if {"name", "data", "data_url", "content_type"} & set(payload):
                return None
            return "no 'attachment' object, and no top-level name, data or data_url"
        if kind == "activity":
            if "content" in payload:
                return None
            return "no top-level 'content' (Kombo notes are {content, content_type})"
        if kind == "stage_move":
            if "application_id" in payload:
                return "has 'application_id' (Kombo takes the application from the URL)"
            if "stage_id" in payload:
                return None
            return "no top-level 'stage_id'"
        if not is_object(payload.get("candidate")):
            return "no 'candidate' object at the top level"
        return None

    def parse_application(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[c.Application | None, list[Problem]]:
        # Accept the create-candidate shape too: it carries the job in ``application``.
        model: type[_KomboBody] = (
            KomboCreateCandidate if "application" in payload else KomboCreateApplication
        )
        return self._parse(model, payload, job_id)

    def parse_candidate(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[c.Application | None, list[Problem]]:
        return self._parse(KomboCreateCandidate, payload, job_id)

    def _parse(
        self, model: type[_KomboBody], payload: Mapping[str, Any], job_id: str | None
    ) -> tuple[c.Application | None, list[Problem]]:
        problems: list[Problem] = []
        body = validate_plain(model, payload, problems)
        problems += [p for p in attachment_problems(payload) if p not in problems]
        job, job_issues = job_problems(payload, job_id, required=True)
        problems += [p for p in job_issues if p not in problems]
        if problems or body is None:
            return None, problems
        return to_canonical(body, job), []

    def parse_attachment(
        self,
        payload: Mapping[str, Any],
        *,
        candidate_id: str | None = None,
        application_id: str | None = None,
    ) -> tuple[c.Attachment | None, list[Problem]]:
        """``{"attachment": {...}, "remote_fields": {...}}`` as Kombo's endpoints take it, or
        the attachment object alone; whose file it is comes from the arguments (Kombo's URL)."""
        problems: list[Problem] = []
        wrapped = "attachment" in payload
        model: type[KomboModel] = KomboAddAttachment if wrapped else KomboAttachment
        body = validate_plain(model, payload, problems)
        raw = payload.get("attachment") if wrapped else payload
        problems += [
            p
            for p in one_attachment_problems(raw, "attachment" if wrapped else "")
            if p not in problems
        ]
        if wrapped:
            application_id = resolve_id(
                application_id,
                "application_id",
                payload.get("application_id"),
                "application_id",
                problems,
            )
        _owner_problems(candidate_id, application_id, problems)
        if problems or body is None:
            return None, problems
        if wrapped:
            att, remote_fields = body["attachment"], dict(body["remote_fields"])
        else:
            att, remote_fields = body, {}
        attachment = _new.Attachment(
            **_attachment_fields(att),
            candidate_id=candidate_id,
            application_id=application_id,
            remote_fields=remote_fields,
            dialect=self.name,
        )
        return attachment, []

    def parse_activity(
        self,
        payload: Mapping[str, Any],
        *,
        candidate_id: str | None = None,
        application_id: str | None = None,
    ) -> tuple[c.Activity | None, list[Problem]]:
        """An application note ``{content, content_type}`` → a NOTE whose body is the content."""
        problems: list[Problem] = []
        note = validate(KomboNote, payload, problems)
        _owner_problems(candidate_id, application_id, problems)
        if problems or note is None:
            return None, problems
        return (
            c.Activity(
                type="NOTE",
                body=note.content,
                candidate_id=candidate_id,
                application_id=application_id,
                remote_fields=dict(note.remote_fields),
                dialect=self.name,
            ),
            [],
        )

    def parse_stage_move(
        self, payload: Mapping[str, Any], *, application_id: str | None = None
    ) -> tuple[c.StageMove | None, list[Problem]]:
        """``PUT /ats/applications/{application_id}/stage`` with ``{stage_id}``."""
        problems: list[Problem] = []
        change = validate(KomboStageChange, payload, problems)
        app_id = application_id.strip() if isinstance(application_id, str) else None
        if not app_id:
            problems.append(
                Problem(
                    "application_id",
                    "required (pass application_id: Kombo takes it from the URL "
                    "/ats/applications/{id}/stage)",
                )
            )
        if problems or change is None or not app_id:
            return None, problems
        return (
            c.StageMove(
                application_id=app_id,
                stage_id=change.stage_id,
                remote_fields=dict(change.remote_fields),
                dialect=self.name,
            ),
            [],
        )


def _owner_problems(
    candidate_id: str | None, application_id: str | None, problems: list[Problem]
) -> None:
    """Kombo's note and attachment endpoints take the candidate or application from the URL."""
    given = [v for v in (candidate_id, application_id) if v is not None]
    if not given:
        problems.append(
            Problem(
                "candidate_id",
                "required (pass candidate_id or application_id: Kombo takes it from the URL)",
            )
        )
    for name, value in (("candidate_id", candidate_id), ("application_id", application_id)):
        if value is not None and not value.strip():
            problems.append(Problem(name, "must not be empty"))
