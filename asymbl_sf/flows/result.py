"""Results shaped like Kombo's responses, so integrators leaving Kombo keep their parsing code.

``{"status": "success", "data": {...application...}, "warnings": [{"message": ...}]}``; ids are
Salesforce ids (``remote_id`` equals ``id``: there is no middleman id here).
"""

from __future__ import annotations

from typing import Any

from asymbl_sf.schema.ids import to_18


def iso(value: Any) -> str | None:
    """Salesforce's ``2026-01-05T09:00:00.000+0000`` as ISO 8601 with ``Z``."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace(".000+0000", "Z").replace("+0000", "Z")
    return text


def stage_index(stages: list[dict[str, Any]], stage_id: str | None) -> int | None:
    for index, stage in enumerate(stages):
        if stage_id and to_18(stage["Id"]) == to_18(stage_id):
            return index
    return None


def candidate_data(contact: dict[str, Any], instance_url: str) -> dict[str, Any]:
    email = contact.get("Email")
    phone = contact.get("Phone")
    location_parts = [contact.get(k) for k in ("MailingCity", "MailingState", "MailingCountry")]
    raw = ", ".join(p for p in location_parts if p) or None
    return {
        "id": contact.get("Id"),
        "remote_id": contact.get("Id"),
        "first_name": contact.get("FirstName"),
        "last_name": contact.get("LastName"),
        "company": None,
        "title": contact.get("Title"),
        "confidential": False,
        "source": None,
        "phone_numbers": [{"phone_number": phone, "type": None}] if phone else [],
        "email_addresses": [{"email_address": email, "type": None}] if email else [],
        "social_media": [],
        "location": {
            "city": contact.get("MailingCity"),
            "country": contact.get("MailingCountry"),
            "raw": raw,
            "state": contact.get("MailingState"),
            "street_1": contact.get("MailingStreet"),
            "street_2": None,
            "zip_code": contact.get("MailingPostalCode"),
        },
        "custom_fields": {},
        "integration_fields": [],
        "remote_url": f"{instance_url}/{contact.get('Id')}",
        "remote_created_at": iso(contact.get("CreatedDate")),
        "remote_updated_at": iso(contact.get("LastModifiedDate")),
        "remote_data": None,
        "changed_at": iso(contact.get("LastModifiedDate")),
        "remote_deleted_at": None,
        "tags": [],
    }


def outcome(applicant: dict[str, Any], stage: dict[str, Any]) -> str:
    """The default outcome rule (``read`` makes it configurable: docs/reading.md): HIRED on a
    Placement-type stage, REJECTED when the status is Rejected, PENDING otherwise."""
    if stage.get("bpats__Stage_Type__c") == "Placement":
        return "HIRED"
    return "REJECTED" if applicant.get("bpats__Applicant_Status__c") == "Rejected" else "PENDING"


def application_data(
    applicant: dict[str, Any],
    contact: dict[str, Any],
    job: dict[str, Any],
    stages: list[dict[str, Any]],
    instance_url: str,
) -> dict[str, Any]:
    stage_id = applicant.get("bpats__Stage__c")
    index = stage_index(stages, stage_id)
    stage = stages[index] if index is not None else {}
    return {
        "id": applicant.get("Id"),
        "remote_id": applicant.get("Id"),
        "name": applicant.get("Name"),
        "outcome": outcome(applicant, stage),
        "rejection_reason_name": None,
        "rejected_at": None,
        "current_stage_id": stage_id,
        "job_id": job.get("Id"),
        "candidate_id": contact.get("Id"),
        "screening_question_answers": [],
        "custom_fields": {},
        "integration_fields": [],
        "remote_url": f"{instance_url}/{applicant.get('Id')}",
        "changed_at": iso(applicant.get("LastModifiedDate")),
        "remote_deleted_at": None,
        "remote_created_at": iso(applicant.get("CreatedDate")),
        "remote_updated_at": iso(applicant.get("LastModifiedDate")),
        "remote_data": None,
        "current_stage": {
            "id": stage.get("Id"),
            "name": stage.get("Name"),
            "remote_id": stage.get("Id"),
            "index": index,
        },
        "job": {"id": job.get("Id"), "name": job.get("Name"), "remote_id": job.get("Id")},
        "candidate": candidate_data(contact, instance_url),
    }


def application_summary(
    applicant: dict[str, Any], job: dict[str, Any], stages: list[dict[str, Any]]
) -> dict[str, Any]:
    """The short form of an application inside a candidate (Kombo's ``applications[]``)."""
    index = stage_index(stages, applicant.get("bpats__Stage__c"))
    stage = stages[index] if index is not None else {}
    return {
        "id": applicant.get("Id"),
        "remote_id": applicant.get("Id"),
        "outcome": outcome(applicant, stage),
        "rejection_reason_name": None,
        "current_stage": {
            "id": stage.get("Id"),
            "name": stage.get("Name"),
            "remote_id": stage.get("Id"),
            "index": index,
        },
        "job": {"id": job.get("Id"), "name": job.get("Name"), "remote_id": job.get("Id")},
    }


def success(data: dict[str, Any], warnings: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "status": "success",
        "data": data,
        "warnings": [{"message": w} for w in warnings],
        **extra,
    }
