"""The canonical unified models: one set that every payload dialect normalises into.

Dialect parsers (``kombo.py``, ``merge.py``, ``truto.py``) validate their own input shape and
return these models; everything downstream (mapping, render, flows) sees only these. They are
internal: ``extra="forbid"`` catches a parser that invents a field, and ``frozen`` keeps a parsed
payload from being changed half-way through a write.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models.trusted import trusted_constructor
from asymbl_sf.schema.ids import looks_like_id

AttachmentType = Literal["CV", "COVER_LETTER", "OFFER_LETTER", "OTHER"]
ActivityType = Literal["EMAIL", "NOTE", "OTHER"]
Visibility = Literal["ADMIN_ONLY", "PUBLIC", "PRIVATE"]


class CanonicalModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmailAddress(CanonicalModel):
    email_address: str
    type: str | None = None


class PhoneNumber(CanonicalModel):
    phone_number: str
    type: str | None = None
    #: The extension, when sent apart from the number (Truto's ``phones[].extension``).
    extension: str | None = None


class Location(CanonicalModel):
    city: str | None = None
    country: str | None = None
    state: str | None = None
    street_1: str | None = None
    street_2: str | None = None
    zip_code: str | None = None
    #: The location as one free-text string (Merge and Truto send only this).
    raw: str | None = None


class SalaryExpectation(CanonicalModel):
    amount: Decimal
    #: MONTH or YEAR (Kombo); None when the dialect does not say.
    period: str | None = None


class SocialLink(CanonicalModel):
    url: str
    type: str | None = None


class Attachment(CanonicalModel):
    name: str
    type: AttachmentType = "OTHER"
    content_type: str | None = None
    #: The file's bytes, already decoded from base64; None when only ``data_url`` is known.
    data: bytes | None = Field(default=None, repr=False)
    data_url: str | None = None
    #: The file name with its extension (Merge's ``path_with_extension``; Salesforce's
    #: ``PathOnClient`` needs it to know the file type).
    path_with_extension: str | None = None
    remote_id: str | None = None
    #: Whose file it is, when the attachment is sent on its own (not inside an application).
    candidate_id: str | None = None
    application_id: str | None = None
    #: Kombo's ``remote_fields`` / Merge's ``integration_params`` (without
    #: ``path_with_extension``) of a stand-alone attachment.
    remote_fields: dict[str, Any] = Field(default_factory=dict)
    #: Truto's ``remote_data`` passthrough, untouched.
    remote_data: dict[str, Any] = Field(default_factory=dict)
    #: Which dialect a stand-alone attachment was written in; None inside an application.
    dialect: str | None = None


class Candidate(CanonicalModel):
    first_name: str | None = None
    last_name: str | None = None
    #: The primary email address; also first in ``email_addresses``.
    email_address: str | None = None
    email_addresses: list[EmailAddress] = Field(default_factory=list)
    phone_number: str | None = None
    phone_numbers: list[PhoneNumber] = Field(default_factory=list)
    company: str | None = None
    title: str | None = None
    location: Location | None = None
    gender: str | None = None
    availability_date: date | None = None
    salary_expectations: SalaryExpectation | None = None
    #: Links of every kind (Kombo's ``social_links``, Merge's and Truto's ``urls``).
    social_links: list[SocialLink] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    source: str | None = None
    can_email: bool | None = None
    remote_id: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    remote_fields: dict[str, Any] = Field(default_factory=dict)


class Source(CanonicalModel):
    name: str | None = None
    id: str | None = None
    unified_key: str | None = None


class ScreeningAnswer(CanonicalModel):
    question_id: str | None = None
    question: str | None = None
    #: Text, bool, number, list of option ids, date or a file object: kept as sent.
    answer: Any = None


class GdprConsent(CanonicalModel):
    given: bool | None = None
    expires_at: datetime | None = None


JOB_ID_MESSAGE = "must be a Salesforce id (15 or 18 characters) or remote:<value>"


class JobReference(CanonicalModel):
    """Which job: a Salesforce record id, or ``remote:<value>`` resolved through the mapping's
    ``settings.job_remote_key`` field of ``bpats__Job__c``."""

    kind: Literal["id", "remote"]
    value: str

    @classmethod
    def parse(cls, text: str, *, path: str = "job_id") -> JobReference:
        """``a0J...`` → id; ``remote:32`` → remote; anything else → :class:`PayloadError`."""
        if cls is JobReference and isinstance(text, str) and len(text) <= _CACHED_TEXT:
            found = _shared_job_reference(text)
        else:
            found = _job_reference(cls, text)
        if found is None:
            raise PayloadError(Problem(path, JOB_ID_MESSAGE))
        return found

    def __str__(self) -> str:
        return self.value if self.kind == "id" else f"remote:{self.value}"


_REMOTE = re.compile(r"remote:(.+)", flags=re.DOTALL)
#: Longest job text whose reference is remembered (job ids and names are short).
_CACHED_TEXT = 256


def _job_reference(cls: type[JobReference], text: Any) -> JobReference | None:
    text = text.strip() if isinstance(text, str) else text
    if isinstance(text, str):
        if looks_like_id(text):
            return cls(kind="id", value=text)
        match = _REMOTE.fullmatch(text)
        if match and match.group(1).strip():
            return cls(kind="remote", value=match.group(1).strip())
    return None


@lru_cache(maxsize=1024)
def _shared_job_reference(text: str) -> JobReference | None:
    """One reference per job text: an import names the same few jobs in every record, and a
    reference is frozen, so the records can share it."""
    return _job_reference(JobReference, text)


class Application(CanonicalModel):
    #: The candidate to create or reuse; None when the application is for ``candidate_id``.
    candidate: Candidate | None = None
    candidate_id: str | None = None
    job: JobReference | None = None
    #: Stage as sent; None → the job's first stage (Kombo's rule).
    stage_id: str | None = None
    source: Source | None = None
    sourced_by_user_id: str | None = None
    applied_at: datetime | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    screening_question_answers: list[ScreeningAnswer] = Field(default_factory=list)
    gdpr_consent: GdprConsent | None = None
    #: Kombo's ``remote_fields``: extra values for the target system, usable in a mapping.
    remote_fields: dict[str, Any] = Field(default_factory=dict)
    #: Truto's ``remote_data`` passthrough.
    remote_data: dict[str, Any] = Field(default_factory=dict)
    #: Which dialect the payload was written in ("kombo", "merge", "truto").
    dialect: str


class Activity(CanonicalModel):
    """A note, email or other activity; written as a Task linked to the candidate's Contact."""

    type: ActivityType = "NOTE"
    subject: str | None = None
    body: str | None = None
    visibility: Visibility | None = None
    user: str | None = None
    candidate_id: str | None = None
    application_id: str | None = None
    created_at: datetime | None = None
    remote_id: str | None = None
    #: Kombo's ``remote_fields`` / Merge's ``integration_params``.
    remote_fields: dict[str, Any] = Field(default_factory=dict)
    #: Truto's ``remote_data`` passthrough, untouched.
    remote_data: dict[str, Any] = Field(default_factory=dict)
    dialect: str


class StageMove(CanonicalModel):
    """Move an existing application to another stage."""

    application_id: str
    stage_id: str
    #: The acting user, when the dialect says (Merge's ``remote_user_id``, Truto's ``user_id``).
    user: str | None = None
    #: The application's candidate, when the dialect sends it (Truto): it must be the one.
    candidate_id: str | None = None
    remote_fields: dict[str, Any] = Field(default_factory=dict)
    remote_data: dict[str, Any] = Field(default_factory=dict)
    dialect: str


class Trusted:
    """Each canonical model built from values that a parser's input models already checked,
    without a second validation pass (see :mod:`asymbl_sf.models.trusted`): keyword arguments,
    a field left out gets its default. For parsers only; anything else validates."""

    Application = staticmethod(trusted_constructor(Application))
    Candidate = staticmethod(trusted_constructor(Candidate))
    EmailAddress = staticmethod(trusted_constructor(EmailAddress))
    PhoneNumber = staticmethod(trusted_constructor(PhoneNumber))
    Location = staticmethod(trusted_constructor(Location))
    SalaryExpectation = staticmethod(trusted_constructor(SalaryExpectation))
    SocialLink = staticmethod(trusted_constructor(SocialLink))
    Attachment = staticmethod(trusted_constructor(Attachment))
    Source = staticmethod(trusted_constructor(Source))
    ScreeningAnswer = staticmethod(trusted_constructor(ScreeningAnswer))
    GdprConsent = staticmethod(trusted_constructor(GdprConsent))
