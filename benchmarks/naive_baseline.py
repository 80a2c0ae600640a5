"""The naive way to load applications, for comparison: one record at a time with simple-salesforce.

For each record: parse it and render it with the same parsers and mapping as the import (so both
write the same fields), query the Contact by email, create it when there is none, and create the
applicant. Jobs and their stages are looked up once per job (two queries), which is the one
thing even a naive script does not repeat. Nothing is batched, so a record costs two or three
API calls: that is what ``import_bench.py`` compares the import's calls against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.format import format_soql

from asymbl_sf.dedupe import normalize_email
from asymbl_sf.errors import PayloadError
from asymbl_sf.importing.sources import SourceRecord
from asymbl_sf.mapping import Mapping as MappingSpec
from asymbl_sf.mapping import render
from asymbl_sf.models import parse_application
from asymbl_sf.models.canonical import JobReference
from asymbl_sf.schema import OrgSchema

CONTACT = "Contact"
APPLICANT = "bpats__ATS_Applicant__c"


@dataclass
class BaselineResult:
    """What the per-record loop did."""

    records: int = 0
    contacts_created: int = 0
    contacts_reused: int = 0
    applications_created: int = 0
    #: Records that did not parse or render, named a stage the job lacks, or whose applicant
    #: create Salesforce refused (a second application of a Contact to the same job).
    failed: int = 0

    def outcomes(self) -> dict[str, int]:
        return {
            "applications_created": self.applications_created,
            "contacts_created": self.contacts_created,
            "contacts_reused": self.contacts_reused,
            "failed": self.failed,
        }


@dataclass
class _Job:
    id: str
    #: Stages in sequence order: ``(Id, Name)``.
    stages: list[tuple[str, str]]


def run_naive(
    sf: Salesforce,
    records: Iterable[SourceRecord],
    mapping: MappingSpec,
    *,
    job_id: str | None = None,
    schema: OrgSchema | None = None,
) -> BaselineResult:
    """Load ``records`` (as the import's reader gives them) one by one through ``sf``;
    ``job_id`` is the job of records that name none (as ``--job-id`` is for the import)."""
    schema = schema or OrgSchema.packaged()
    remote_key = mapping.settings.job_remote_key
    jobs: dict[str, _Job | None] = {}
    result = BaselineResult()
    for record in records:
        result.records += 1
        payload = record.payload
        if payload is None:
            result.failed += 1
            continue
        job = record.job_id or (None if _body_names_job(payload) else job_id)
        try:
            application = parse_application(payload, job_id=job, dialect=record.dialect)
        except PayloadError:
            result.failed += 1
            continue
        plan = render(application, mapping, schema)
        contact, applicant = plan.record(CONTACT), plan.record(APPLICANT)
        if plan.problems or contact is None or applicant is None or application.job is None:
            result.failed += 1
            continue
        found_job = _job(sf, application.job, remote_key, jobs)
        stage_id = _stage(found_job, application.stage_id) if found_job else None
        email = normalize_email(contact.fields.get("Email"))
        if found_job is None or stage_id is None or email is None:
            result.failed += 1
            continue
        found = sf.query(
            format_soql(
                "SELECT Id FROM Contact WHERE Email = {} ORDER BY CreatedDate LIMIT 1", email
            )
        )["records"]
        if found:
            contact_id = found[0]["Id"]
            result.contacts_reused += 1
        else:
            contacts: Any = sf.Contact
            contact_id = contacts.create(contact.fields)["id"]
            result.contacts_created += 1
        refs = {"Contact": contact_id, "job": found_job.id, "stage": stage_id}
        fields = dict(applicant.fields)
        fields.update({name: refs[ref] for name, ref in applicant.refs.items() if ref in refs})
        applicants: Any = getattr(sf, APPLICANT)  # simple-salesforce's SFType for the object
        try:
            applicants.create(fields)
            result.applications_created += 1
        except SalesforceError:
            result.failed += 1
    return result


def _body_names_job(payload: Mapping[str, Any]) -> bool:
    """Kombo ``application.job_id`` or Merge ``model.job``: the body's own job wins."""
    model, application = payload.get("model"), payload.get("application")
    return bool(
        (isinstance(model, Mapping) and model.get("job"))
        or (isinstance(application, Mapping) and application.get("job_id"))
    )


def _job(
    sf: Salesforce, ref: JobReference, remote_key: str, jobs: dict[str, _Job | None]
) -> _Job | None:
    key = str(ref)
    if key not in jobs:
        field = "Id" if ref.kind == "id" else remote_key
        rows = sf.query(
            format_soql(f"SELECT Id FROM bpats__Job__c WHERE {field} = {{}}", ref.value)
        )["records"]
        if len(rows) != 1:
            jobs[key] = None
        else:
            stages = sf.query(
                format_soql(
                    "SELECT Id, Name FROM bpats__ATS_Stage__c WHERE bpats__Job__c = {} "
                    "ORDER BY bpats__Sequence__c",
                    rows[0]["Id"],
                )
            )["records"]
            jobs[key] = _Job(rows[0]["Id"], [(s["Id"], s["Name"]) for s in stages])
    return jobs[key]


def _stage(job: _Job, wanted: str | None) -> str | None:
    """The stage named or identified by ``wanted`` (None: the first), or None if the job has
    no such stage."""
    if not job.stages:
        return None
    if wanted is None:
        return job.stages[0][0]
    text = wanted.strip()
    for stage_id, name in job.stages:
        if text in (stage_id, stage_id[:15]) or name.lower() == text.lower():
            return stage_id
    return None
