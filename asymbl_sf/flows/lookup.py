"""Everything one application needs to know about the org, asked in a single Composite call.

The job, its stages, the Contacts with the candidate's email, an existing applicant of that
Contact on that job, and files with the same checksums already on that Contact: five queries that
depend on each other through ``@{ref.records[0].Id}`` references, plus the describes of the
mapped objects not cached yet. A reference to a query that found nothing makes the dependent
subrequest fail; that failure simply means "none".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.errors import SalesforceError
from asymbl_sf.models.canonical import JobReference
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest, SubResponse
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.ids import looks_like_id, to_18
from asymbl_sf.schema.names import APPLICANT, STAGE, STAGE_FIELDS

APPLICANT_FIELDS = [
    "Id",
    "Name",
    "bpats__ATS_Applicant__c",
    "bpats__Job__c",
    "bpats__Stage__c",
    "bpats__Applicant_Status__c",
    "CreatedDate",
    "LastModifiedDate",
]
CONTACT_FIELDS = [
    "Id",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "Title",
    "MailingStreet",
    "MailingCity",
    "MailingState",
    "MailingPostalCode",
    "MailingCountry",
    "CreatedDate",
    "LastModifiedDate",
]
_CONTACT_REF = "@{contacts.records[0].Id}"
_JOB_REF = "@{job.records[0].Id}"


@dataclass
class LookupRequest:
    #: None: a candidate without an application (no job, stage or applicant lookups).
    job: JobReference | None
    job_remote_key: str
    #: field -> value the Contact must have to be reused (empty: never reuse).
    contact_match: dict[str, Any]
    newest_first: bool = False
    #: Contact fields to read (the mapping's, for fill_blanks/update and the result).
    contact_fields: Sequence[str] = ()
    checksums: Sequence[str] = ()
    describe: Sequence[str] = ()
    #: A user to resolve to a Salesforce User (Kombo sourced_by, Merge credited_to).
    user: str | None = None


@dataclass
class OrgFacts:
    job: dict[str, Any] | None = None
    jobs_found: int = 0
    stages: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    applicant: dict[str, Any] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    schema: OrgSchema = field(default_factory=OrgSchema)
    job_error: SalesforceError | None = None
    user_id: str | None = None


def _fields(base: Sequence[str], extra: Sequence[str]) -> str:
    seen: dict[str, str] = {}
    for name in [*base, *extra]:
        seen.setdefault(name.lower(), name)
    return ", ".join(seen.values())


def user_query(user: str | None) -> str | None:
    """SOQL finding the active User a payload's user names: a User id, or a username/email.

    Vendor user ids (Merge UUIDs) name nobody in Salesforce: None, and the caller warns.
    """
    text = (user or "").strip()
    if text and looks_like_id(text) and to_18(text).startswith("005"):
        return format_soql("SELECT Id FROM User WHERE Id = {} AND IsActive = true", to_18(text))
    if "@" in text:
        return format_soql(
            "SELECT Id FROM User WHERE (Username = {} OR Email = {}) "
            "AND IsActive = true ORDER BY CreatedDate LIMIT 1",
            text,
            text,
        )
    return None


def job_query(job: JobReference, remote_key: str) -> str:
    if job.kind == "id":
        return format_soql("SELECT Id, Name FROM bpats__Job__c WHERE Id = {}", job.value)
    # The key comes from the mapping file, not from input; still, only a field name may pass.
    key = remote_key if remote_key.replace("_", "").isalnum() else "Name"
    return format_soql(
        f"SELECT {_fields(['Id', 'Name'], [key])} FROM bpats__Job__c WHERE {key} = {{}} "
        "ORDER BY CreatedDate LIMIT 2",
        job.value,
    )


def build_subrequests(api: SalesforceApi, request: LookupRequest) -> list[SubRequest]:
    subs = [
        SubRequest("GET", api.describe_url(name), f"describe_{i}")
        for i, name in enumerate(request.describe)
    ]
    if request.job is not None:
        subs.append(
            SubRequest("GET", api.query_url(job_query(request.job, request.job_remote_key)), "job")
        )
        subs.append(
            SubRequest(
                "GET",
                api.query_url(
                    f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE} WHERE bpats__Job__c = '{_JOB_REF}' "
                    "ORDER BY bpats__Sequence__c ASC NULLS LAST, Name"
                ),
                "stages",
            )
        )
    user = user_query(request.user)
    if user is not None:
        subs.append(SubRequest("GET", api.query_url(user), "user"))
    if request.contact_match:
        where = " AND ".join(
            format_soql(f"{name} = {{}}", value) for name, value in request.contact_match.items()
        )
        order = "DESC" if request.newest_first else "ASC"
        subs.append(
            SubRequest(
                "GET",
                api.query_url(
                    f"SELECT {_fields(CONTACT_FIELDS, request.contact_fields)} FROM Contact WHERE {where} "
                    f"ORDER BY CreatedDate {order}, Id {order} LIMIT 10"
                ),
                "contacts",
            )
        )
        if request.job is not None:
            subs.append(
                SubRequest(
                    "GET",
                    api.query_url(
                        f"SELECT {', '.join(APPLICANT_FIELDS)} FROM {APPLICANT} "
                        f"WHERE bpats__ATS_Applicant__c = '{_CONTACT_REF}' "
                        f"AND bpats__Job__c = '{_JOB_REF}' "
                        "ORDER BY CreatedDate ASC LIMIT 1"
                    ),
                    "applicant",
                )
            )
        if request.checksums:
            checksums = format_soql("{}", list(request.checksums))
            subs.append(
                SubRequest(
                    "GET",
                    api.query_url(
                        "SELECT Id, Checksum, ContentDocumentId, Title, PathOnClient FROM ContentVersion "
                        f"WHERE IsLatest = true AND Checksum IN {checksums} AND ContentDocumentId IN "
                        "(SELECT ContentDocumentId FROM ContentDocumentLink "
                        f"WHERE LinkedEntityId = '{_CONTACT_REF}')"
                    ),
                    "files",
                )
            )
    return subs


#: Composite takes at most five query (or collection) subrequests per call.
MAX_QUERIES_PER_COMPOSITE = 5


def run_lookups(api: SalesforceApi, subrequests: list[SubRequest]) -> dict[str, SubResponse]:
    """One Composite call, or two when there are more queries than one call may hold: the
    queries no other subrequest refers to move to the second call."""
    queries = [s for s in subrequests if "/query/" in s.url]
    overflow: list[SubRequest] = []
    if len(queries) > MAX_QUERIES_PER_COMPOSITE:
        referenced = {ref for s in subrequests for ref in _references(s.url)}
        movable = [
            s
            for s in reversed(queries)
            if s.reference_id not in referenced and not _references(s.url)
        ]
        overflow = movable[: len(queries) - MAX_QUERIES_PER_COMPOSITE]
    first = [s for s in subrequests if s not in overflow]
    answers = api.composite(first, all_or_none=False)
    if overflow:
        answers.update(api.composite(overflow, all_or_none=False))
    return answers


def _references(url: str) -> set[str]:
    return set(re.findall(r"@\{([A-Za-z0-9_]+)\.", url))


def look_up(api: SalesforceApi, request: LookupRequest) -> OrgFacts:
    answers = run_lookups(api, build_subrequests(api, request))
    facts = OrgFacts()
    describes = []
    for i, name in enumerate(request.describe):
        answer = answers.get(f"describe_{i}")
        if answer is None or not answer.ok:
            raise answer.error() if answer else SalesforceError(f"describe of {name} failed")
        describes.append(api.remember_describe(answer.body))
    facts.schema = OrgSchema(describes)
    job = answers.get("job")
    if job is not None and job.ok:
        rows = _rows(job)
        facts.jobs_found = len(rows)
        facts.job = rows[0] if rows else None
    elif job is not None:
        facts.job_error = job.error()
    facts.stages = _rows(answers.get("stages"))
    facts.contacts = _rows(answers.get("contacts"))
    applicants = _rows(answers.get("applicant"))
    facts.applicant = applicants[0] if applicants else None
    facts.files = _rows(answers.get("files"))
    users = _rows(answers.get("user"))
    facts.user_id = str(users[0]["Id"]) if users else None
    return facts


def _rows(answer: SubResponse | None) -> list[dict[str, Any]]:
    if answer is None or not answer.ok or not isinstance(answer.body, dict):
        return []
    return list(answer.body.get("records") or [])
