"""Plan: one payload → the records it becomes, offline (no org): :class:`Planner`.

A payload is parsed (any dialect, detected unless given), its ids and placeholders checked, its
files downloaded when given by URL, and rendered with the mapping against the org's describes.
What comes out is a :class:`PlannedRow`: the Contact's fields and how it is found again (its
match value, or its id when the payload names an existing candidate), the applicant's fields and
the job, stage and recruiter it refers to, its files (with their checksums) and its activities.
The same planner serves a single action (a batch of one) and an import (a million rows).

A payload that cannot be planned raises :class:`PlanError`: every problem at once, with the code
an import's results file gives it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asymbl_sf.attachments.download import download_all
from asymbl_sf.attachments.fetch import FetchPolicy
from asymbl_sf.attachments.files import fits_json_size
from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.mapping import Mapping as MappingSpec
from asymbl_sf.mapping import PlannedRecord, render
from asymbl_sf.models import parse_activity, parse_application, parse_candidate
from asymbl_sf.models.canonical import Activity, Application, Attachment
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.ids import looks_like_id, to_18
from asymbl_sf.schema.names import APPLICANT, CONTACT, CONTENT_VERSION, TASK

from .passthrough import unmapped_passthrough
from .rules import WriteRules

# Codes of a row that could not be planned (an import's results file shows them).
INVALID_RECORD = "INVALID_RECORD"
INVALID_PAYLOAD = "INVALID_PAYLOAD"
MISSING_MATCH_VALUE = "MISSING_MATCH_VALUE"

#: A value copied from a vendor's documentation without filling it in: ``{candidate_uuid}``.
_PLACEHOLDER = re.compile(r"^\s*[{<][^{}<>]*[}>]\s*$")


class PlanError(PayloadError):
    """A payload that cannot be planned; ``code`` is what an import's results row says."""

    def __init__(self, code: str, problems: Problem | list[Problem]) -> None:
        super().__init__(problems)
        self.code = code


@dataclass
class PlannedFile:
    """One attachment to store as a Salesforce File on the candidate's Contact."""

    #: Where it is in the payload: ``attachments[0]``, ``candidate.attachments[1]``.
    path: str
    name: str
    #: MD5 of the bytes, as Salesforce's ``ContentVersion.Checksum``.
    checksum: str
    size: int
    #: The ContentVersion's fields, without ``VersionData`` and the Contact.
    fields: dict[str, Any]
    #: The bytes (None once a batch has put them aside in its run state).
    data: bytes | None = field(default=None, repr=False)
    #: The path of the same bytes earlier in this payload: not uploaded twice.
    same_as: str | None = None

    @property
    def fits_json(self) -> bool:
        """Small enough to travel as base64 in a JSON body (else: multipart, alone)."""
        return fits_json_size(self.size)


@dataclass
class PlannedTask:
    """One activity to log as a Task on the candidate's Contact."""

    path: str
    fields: dict[str, Any]
    #: The activity's user (a Salesforce User id, username or email), or None.
    user: str | None = None
    remote_id: str | None = None
    #: The path of the same activity earlier in this payload: not logged twice.
    same_as: str | None = None


@dataclass
class PlannedRow:
    """One payload, planned: what to find, create or link for it."""

    line: int
    source_id: str | None
    #: How the Contact is found again: ``match:<normalised match value>`` (the email),
    #: ``id:<18-char id>`` (a payload naming an existing candidate), ``app:<18-char id>`` (the
    #: candidate of an existing application), or ``new:<line>`` (no match value: always a new
    #: Contact).
    contact_key: str
    #: The Contact's fields to create (empty when the payload names an existing Contact).
    contact: dict[str, Any]
    #: The job (18-char id or ``remote:<value>``); None: a candidate without an application.
    job: str | None = None
    #: The stage as the payload gave it (id or name); None: the job's first stage.
    stage: str | None = None
    #: The credited recruiter as the payload gave it (User id, username or email), or None.
    user: str | None = None
    applicant: dict[str, Any] = field(default_factory=dict)
    files: list[PlannedFile] = field(default_factory=list)
    tasks: list[PlannedTask] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: ``Object.Field`` → the payload path its value came from, for messages.
    sources: dict[str, str] = field(default_factory=dict)
    #: An existing application the row's files and activities belong to (its id).
    application_id: str | None = None
    #: Problems of a row planned leniently (see :meth:`Planner.render_row`); else none.
    problems: list[Problem] = field(default_factory=list)

    @property
    def match_value(self) -> str | None:
        """The normalised match value (the email), None for a Contact named by id."""
        kind, _, value = self.contact_key.partition(":")
        return value if kind == "match" else None

    @property
    def contact_id(self) -> str | None:
        """The id of the existing Contact the payload names, if it names one."""
        kind, _, value = self.contact_key.partition(":")
        return value if kind == "id" else None

    @property
    def via_application(self) -> str | None:
        """The existing application whose candidate is the row's Contact, if any."""
        kind, _, value = self.contact_key.partition(":")
        return value if kind == "app" else None


@dataclass(frozen=True)
class RowInput:
    """A payload and what came with it: its line, the import's own keys, the dialect."""

    payload: Mapping[str, Any] | str | Path
    line: int = 1
    source_id: str | None = None
    job_id: str | None = None
    dialect: str | None = None
    #: Activities to log for the row (the import's own ``activities`` key).
    activities: tuple[Mapping[str, Any], ...] = ()
    #: Names the payload in problems (a file name, ``standard input``).
    source: str | None = None
    #: The payload already passed the payload limits (an import's reader decoded and checked it).
    limits_checked: bool = False


class Planner:
    """Plans payloads against one mapping and one schema."""

    def __init__(
        self,
        mapping: MappingSpec,
        schema: OrgSchema,
        *,
        rules: WriteRules | None = None,
        fetch_policy: FetchPolicy | None = None,
        require_match: bool = False,
    ) -> None:
        self.mapping = mapping
        self.schema = schema
        self.rules = rules or WriteRules.of(mapping)
        self.fetch_policy = fetch_policy
        #: An import finds every candidate again by its match value, so it must have one.
        self.require_match = require_match

    # -- payloads -------------------------------------------------------------------------------

    def application(self, row: RowInput, *, candidate: bool = False) -> PlannedRow:
        """Plan a create-application payload (``candidate``: a create-candidate payload, whose
        job is optional)."""
        return self.render_row(self.prepare(row, candidate=candidate), row)

    def prepare(self, row: RowInput, *, candidate: bool = False) -> Application:
        """Parse and check the payload, and download its files given by URL: everything that
        does not depend on the org's describes (:meth:`render_row` does)."""
        parse = parse_candidate if candidate else parse_application
        try:
            application = parse(
                row.payload,
                job_id=row.job_id,
                dialect=row.dialect,
                source=row.source,
                limits_checked=row.limits_checked,
            )
        except PayloadError as exc:
            raise PlanError(INVALID_PAYLOAD, exc.problems) from None
        if application.job is None and not candidate:
            raise PlanError(
                INVALID_PAYLOAD,
                Problem("job_id", "required (pass --job-id or application.job_id)", row.source),
            )
        problems = _id_problems(application)
        if problems:  # before any download: every id problem at once
            raise PlanError(INVALID_PAYLOAD, [p.with_source(row.source) for p in problems])
        return self._downloaded(application, row.source)

    def render_row(
        self, application: Application, row: RowInput, *, strict: bool = True
    ) -> PlannedRow:
        """The records of a prepared application, rendered against this planner's schema.
        ``strict`` False keeps the problems on the row instead of raising them (a single
        action renders again once its lookups brought the org's own describes)."""
        activities = self._activities(row)
        plan = render(application, self.mapping, self.schema)
        task_plans = [
            (path, render(activity, self.mapping, self.schema)) for path, activity in activities
        ]
        problems = list(plan.problems)
        if application.job is None:  # a candidate alone: no applicant
            plan.records = [r for r in plan.records if r.sobject != APPLICANT]
            problems = [p for p in problems if not p.path.startswith(APPLICANT)]
        for path, task_plan in task_plans:
            problems.extend(
                Problem(f"{path}.{p.path}" if p.path else path, p.message)
                for p in task_plan.problems
            )
        problems = [p.with_source(row.source) for p in problems]
        if problems and strict:
            raise PlanError(INVALID_PAYLOAD, problems)
        contact = plan.record(CONTACT)
        applicant = plan.record(APPLICANT)
        contact_key = self._contact_key(application, contact, row)
        warnings = list(plan.warnings)
        warnings.extend(w for _, task_plan in task_plans for w in task_plan.warnings)
        warnings.extend(unmapped_passthrough(application, self.mapping))
        job = application.job
        return PlannedRow(
            line=row.line,
            source_id=row.source_id,
            contact_key=contact_key,
            contact=self._claimed(_contact_fields(contact, application), contact_key),
            job=None
            if job is None
            else (to_18(job.value) if job.kind == "id" else f"remote:{job.value}"),
            stage=application.stage_id,
            user=application.sourced_by_user_id,
            applicant=dict(applicant.fields) if applicant is not None and job else {},
            files=_files(plan.records_for(CONTENT_VERSION)),
            tasks=_tasks(task_plans, activities),
            warnings=warnings,
            sources=_sources(plan.records),
            problems=problems,
        )

    def _claimed(self, fields: dict[str, Any], contact_key: str) -> dict[str, Any]:
        """A new Contact's fields with its claim (the normalised match value) when the mapping
        has a claim field (see :attr:`WriteRules.claim_field`)."""
        claim = self.rules.claim_field
        kind, _, value = contact_key.partition(":")
        if claim and fields and kind == "match" and value:
            fields[claim] = value
        return fields

    def download(self, attachment: Attachment) -> Attachment:
        """A stand-alone attachment with its bytes (fetched when it gives a URL)."""
        try:
            (attachment,) = download_all([("", attachment)], attachment.dialect, self.fetch_policy)
        except PayloadError as exc:
            raise PlanError(INVALID_PAYLOAD, exc.problems) from None
        return attachment

    def attachment(
        self,
        attachment: Attachment,
        contact_key: str,
        application_id: str | None = None,
        *,
        strict: bool = True,
    ) -> PlannedRow:
        """Plan a stand-alone file (with its bytes: :meth:`download`) for the Contact
        ``contact_key`` names (``id:``/``app:``)."""
        wrapper = Application(attachments=[attachment], dialect=attachment.dialect or "kombo")
        plan = render(wrapper, self.mapping, self.schema)
        problems = [p for p in plan.problems if p.path.startswith(("attachments", CONTENT_VERSION))]
        if problems and strict:
            raise PlanError(INVALID_PAYLOAD, problems)
        records = plan.records_for(CONTENT_VERSION)
        if not records:
            raise PlanError(
                INVALID_PAYLOAD, Problem("", "the mapping has no ContentVersion object for files")
            )
        return PlannedRow(
            line=1,
            source_id=None,
            contact_key=contact_key,
            contact={},
            files=_files(records),
            application_id=application_id,
            warnings=list(plan.warnings),
            problems=problems,
        )

    def activity(
        self,
        activity: Activity,
        contact_key: str,
        application_id: str | None = None,
        *,
        strict: bool = True,
    ) -> PlannedRow:
        """Plan one activity as a Task on the Contact ``contact_key`` names."""
        activity = activity.model_copy(update={"subject": subject_for(activity)})
        plan = render(activity, self.mapping, self.schema)
        if plan.problems and strict:
            raise PlanError(INVALID_PAYLOAD, plan.problems)
        if plan.record(TASK) is None:
            raise PlanError(
                INVALID_PAYLOAD, Problem("", "the mapping has no Task object for activities")
            )
        return PlannedRow(
            line=1,
            source_id=None,
            contact_key=contact_key,
            contact={},
            tasks=_tasks([("activity", plan)], [("activity", activity)]),
            application_id=application_id,
            warnings=list(plan.warnings),
            sources=_sources(plan.records),
            problems=list(plan.problems),
        )

    # -- pieces ---------------------------------------------------------------------------------

    def _contact_key(
        self, application: Application, contact: PlannedRecord | None, row: RowInput
    ) -> str:
        if application.candidate is None and application.candidate_id:
            return f"id:{to_18(application.candidate_id.strip())}"
        field_name = self.rules.match_field
        value = contact.fields.get(field_name) if contact is not None and field_name else None
        text = self.rules.normalize(value)
        if text is None:
            if self.require_match:
                path = (
                    contact.source_path.get(field_name or "") if contact else None
                ) or "candidate.email_address"
                raise PlanError(
                    MISSING_MATCH_VALUE,
                    Problem(
                        path,
                        f"required: an import finds the Contact again by "
                        f"{CONTACT}.{field_name or 'Email'}, so a rerun never creates it twice",
                        row.source,
                    ),
                )
            # Never matched: a key of its own, so the row's Contact is created.
            return f"new:{row.line}"
        return f"match:{text}"

    def _downloaded(self, application: Application, source: str | None) -> Application:
        found = _attachments(application)
        if all(a.data is not None or not a.data_url for _, a in found):
            return application
        try:
            fetched = download_all(found, application.dialect, self.fetch_policy)
        except PayloadError as exc:
            raise PlanError(
                INVALID_PAYLOAD, [p.with_source(source) for p in exc.problems]
            ) from None
        by_path = {path: attachment for (path, _), attachment in zip(found, fetched, strict=True)}
        candidate = application.candidate
        if candidate is not None and candidate.attachments:
            candidate = candidate.model_copy(
                update={
                    "attachments": [
                        by_path[f"candidate.attachments[{i}]"]
                        for i in range(len(candidate.attachments))
                    ]
                }
            )
        return application.model_copy(
            update={
                "attachments": [
                    by_path[f"attachments[{i}]"] for i in range(len(application.attachments))
                ],
                "candidate": candidate,
            }
        )

    def _activities(self, row: RowInput) -> list[tuple[str, Activity]]:
        out: list[tuple[str, Activity]] = []
        problems: list[Problem] = []
        for index, payload in enumerate(row.activities):
            path = f"activities[{index}]"
            try:
                # The row's candidate is the activity's: a body that names none (Kombo's note,
                # whose candidate is in its URL) is told so.
                owner = None if _names_owner(payload) else ROW_CANDIDATE
                activity = parse_activity(payload, candidate_id=owner, dialect=None)
                out.append((path, activity.model_copy(update={"subject": subject_for(activity)})))
            except PayloadError as exc:
                problems.extend(
                    Problem(f"{path}.{p.path}" if p.path else path, p.message, row.source)
                    for p in exc.problems
                )
        if problems:
            raise PlanError(INVALID_PAYLOAD, problems)
        return out


def _id_problems(application: Application) -> list[Problem]:
    """Ids a payload gives that cannot be right: unfilled placeholders (``{candidate_uuid}``),
    and a candidate id that is not a Salesforce id."""
    problems: list[Problem] = []
    checks: list[tuple[str, str | None]] = [
        ("candidate_id", application.candidate_id),
        ("stage_id", application.stage_id),
        ("sourced_by.user_id", application.sourced_by_user_id),
    ]
    if application.job is not None:
        checks.append(("job_id", application.job.value))
    for path, value in checks:
        if value and _PLACEHOLDER.match(value):
            problems.append(
                Problem(
                    path,
                    f"{value.strip()!r} is a placeholder from the vendor's "
                    "documentation, not an id: put the real id there",
                )
            )
    candidate_id = application.candidate_id
    if (
        candidate_id
        and application.candidate is None
        and not _PLACEHOLDER.match(candidate_id)
        and not looks_like_id(candidate_id.strip())
    ):
        problems.append(
            Problem(
                "candidate_id",
                "must be the Salesforce id of a Contact (15 or "
                f"18 characters), got {candidate_id[:40]!r}",
            )
        )
    return problems


def _attachments(application: Application) -> list[tuple[str, Attachment]]:
    found = [(f"attachments[{i}]", a) for i, a in enumerate(application.attachments)]
    if application.candidate is not None:
        found += [
            (f"candidate.attachments[{i}]", a)
            for i, a in enumerate(application.candidate.attachments)
        ]
    return found


def _files(records: list[PlannedRecord]) -> list[PlannedFile]:
    out: list[PlannedFile] = []
    seen: dict[str, str] = {}
    for record in records:
        attachment: Attachment = record.item
        data = attachment.data or b""
        checksum = hashlib.md5(data).hexdigest()  # Salesforce's Checksum is MD5
        fields = {k: v for k, v in record.fields.items() if k not in record.refs}
        out.append(
            PlannedFile(
                record.item_path,
                attachment.name,
                checksum,
                len(data),
                fields,
                data,
                same_as=seen.get(checksum),
            )
        )
        seen.setdefault(checksum, record.item_path)
    return out


def _tasks(
    task_plans: list[tuple[str, Any]], activities: list[tuple[str, Activity]]
) -> list[PlannedTask]:
    out: list[PlannedTask] = []
    seen: dict[tuple[Any, ...], str] = {}
    for (path, plan), (_, activity) in zip(task_plans, activities, strict=True):
        record = plan.record(TASK)
        if record is None:
            continue
        fields = {k: v for k, v in record.fields.items() if k not in record.refs}
        identity = task_identity(fields, activity.remote_id)
        out.append(
            PlannedTask(path, fields, activity.user, activity.remote_id, same_as=seen.get(identity))
        )
        seen.setdefault(identity, path)
    return out


#: The candidate an import row's activity belongs to: the row's own (resolved when writing).
ROW_CANDIDATE = "the row's candidate"


def _names_owner(payload: Mapping[str, Any]) -> bool:
    model = payload.get("model")
    return any(
        isinstance(body, Mapping)
        and (body.get("candidate") or body.get("candidate_id") or body.get("application_id"))
        for body in (payload, model)
    )


#: How much of an activity's body stands in for a missing subject.
SUBJECT_FROM_BODY = 80


def subject_for(activity: Activity) -> str:
    """Merge requires a subject; Truto notes have none: the body's first line stands in."""
    if activity.subject and activity.subject.strip():
        return activity.subject.strip()
    first_line = next(
        (line.strip() for line in (activity.body or "").splitlines() if line.strip()), ""
    )
    if first_line:
        return (
            first_line
            if len(first_line) <= SUBJECT_FROM_BODY
            else first_line[: SUBJECT_FROM_BODY - 1].rstrip() + "…"
        )
    return {"EMAIL": "Email", "NOTE": "Note"}.get(activity.type, "Activity")


#: The fields that tell one logged activity from another (with its source id, when it has one).
TASK_IDENTITY = ("Subject", "Description", "ActivityDate", "TaskSubtype")


def task_identity(fields: Mapping[str, Any], remote_id: str | None) -> tuple[Any, ...]:
    if remote_id:
        return ("remote", remote_id)
    return tuple((fields.get(name) or None) for name in TASK_IDENTITY)


def _sources(records: list[PlannedRecord]) -> dict[str, str]:
    return {f"{r.sobject}.{name}": path for r in records for name, path in r.source_path.items()}


def _contact_fields(contact: PlannedRecord | None, application: Application) -> dict[str, Any]:
    """The Contact's fields to create; none when the payload names an existing Contact."""
    if contact is None or (application.candidate is None and application.candidate_id):
        return {}
    return dict(contact.fields)
