"""The yardstick of ``transform_bench.py``: a careful script's Kombo payload → Salesforce records.

What an engineer would write by hand for one org instead of a declarative mapping: a plain
dict-to-dict function writing the fields the default mapping writes (Contact and applicant, a job
id given), with the checks a careful script makes:

- only the keys Kombo documents (a typo in a key is an error, not a silently dropped value);
- first and last name present and not blank; an email that looks like one (trimmed, lowered);
- an ISO 3166-1 country code in a location; a salary amount that is a number;
- attachments' base64 decoded (a broken one is an error).

It knows nothing our pipeline knows beyond that: no dialect detection, no problem list with
paths (the first problem raises), no payload limits, no provenance for messages. The benchmark
checks that it writes exactly the records the project renders, on every record both accept.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from asymbl_sf.models.countries import ISO_COUNTRY_CODES

_TOP = frozenset(
    {
        "candidate",
        "application",
        "stage_id",
        "attachments",
        "screening_question_answers",
        "source",
        "sourced_by",
        "gdpr_consent",
        "remote_fields",
    }
)
_CANDIDATE = frozenset(
    {
        "first_name",
        "last_name",
        "email_address",
        "company",
        "title",
        "phone_number",
        "additional_phone_numbers",
        "additional_email_addresses",
        "location",
        "gender",
        "availability_date",
        "salary_expectations",
        "social_links",
    }
)
_LOCATION = (
    ("street_1", "MailingStreet"),
    ("city", "MailingCity"),
    ("state", "MailingState"),
    ("zip_code", "MailingPostalCode"),
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Refused(ValueError):
    """The payload is not one the script accepts."""


class Handwritten:
    """A careful script for one org: its restricted source picklist is read once."""

    def __init__(self, source_values: Iterable[str], today: date) -> None:
        self.sources = {value.lower(): value for value in source_values}
        self.today = today.isoformat()

    def records(self, payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The Contact's and the applicant's fields (lookups left to the writer)."""
        unknown = payload.keys() - _TOP
        if unknown:
            raise Refused(f"unknown keys {sorted(unknown)}")
        candidate = payload.get("candidate")
        if not isinstance(candidate, dict):
            raise Refused("candidate: required")
        if candidate.keys() - _CANDIDATE:
            raise Refused("candidate: unknown keys")
        contact: dict[str, Any] = {}
        for key, field in (("first_name", "FirstName"), ("last_name", "LastName")):
            value = candidate.get(key)
            if not isinstance(value, str) or not value.strip():
                raise Refused(f"candidate.{key}: required")
            contact[field] = value
        email = candidate.get("email_address")
        if not isinstance(email, str) or not _EMAIL.fullmatch(email.strip()):
            raise Refused("candidate.email_address: not an email address")
        contact["Email"] = email.strip().lower()
        for key, field in (("phone_number", "Phone"), ("title", "Title")):
            value = candidate.get(key)
            if value:
                contact[field] = value
        location = candidate.get("location")
        if location:
            country = str(location.get("country", "")).strip()
            if country not in ISO_COUNTRY_CODES:
                raise Refused("candidate.location.country: not an ISO 3166-1 code")
            for key, field in _LOCATION:
                if location.get(key):
                    contact[field] = location[key]
            contact["MailingCountry"] = country
        if candidate.get("availability_date"):
            contact["bpats__Earliest_Available_Date__c"] = str(candidate["availability_date"])[:10]
        salary = candidate.get("salary_expectations")
        if salary:
            try:
                amount = Decimal(str(salary["amount"]))
            except (InvalidOperation, KeyError):
                raise Refused("candidate.salary_expectations.amount: not a number") from None
            contact["bpats__Desired_Salary__c"] = float(
                amount * 12 if salary.get("period") == "MONTH" else amount
            )
        for attachment in payload.get("attachments") or ():
            try:
                base64.b64decode(attachment.get("data") or "", validate=True)
            except (binascii.Error, ValueError):
                raise Refused("attachments: not base64") from None
        return contact, self._applicant(payload)

    def _applicant(self, payload: dict[str, Any]) -> dict[str, Any]:
        applicant: dict[str, Any] = {}
        source = (payload.get("source") or {}).get("name")
        if source:
            known = self.sources.get(source.lower())
            if known:
                applicant["bpats__Source__c"] = known
            else:
                applicant["bpats__Internal_Source__c"] = source
        applicant["bpats__Initial_Application_Date__c"] = self.today
        applicant["bpats__Current_Stage_Date__c"] = self.today
        applicant["bpats__Applicant_Status__c"] = "Active"
        answers = payload.get("screening_question_answers")
        if answers:
            applicant["bpats__Application_Notes__c"] = "\n".join(
                f"{a.get('question_id') or 'Question'}: {_answer(a.get('answer'))}" for a in answers
            )
        return applicant


def _answer(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_answer(v) for v in value)
    return "" if value is None else str(value)
