"""What an import left behind, in a form two runs can be compared by: no ids, no timestamps.

Salesforce ids and auto-numbers depend on the order records were made in (and a failed insert
may use a number up), so two imports that did the same thing differ in them. A snapshot keys
Contacts by email and applications by (email, job name), and replaces every reference by the
natural key of the record it points at; what remains must be equal field for field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asymbl_sf.localorg import LocalOrg

CONTACT = "Contact"
APPLICANT = "bpats__ATS_Applicant__c"
#: Fields that differ between two runs doing the same thing.
VOLATILE = frozenset(
    {
        "Id",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
        "Name",  # the applicant's auto-number APP-00042
        "bpats__Contact_Job_Relationship__c",  # made of the two ids
    }
)
FINAL = frozenset({"created", "reused", "exists"})


@dataclass
class OrgSnapshot:
    """Contacts by email and applications by (email, job), with their fields."""

    contacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    applicants: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    #: Natural key of every Contact and applicant id (``email`` / ``email|job``).
    names: dict[str, str] = field(default_factory=dict)
    contact_ids: set[str] = field(default_factory=set)
    applicant_ids: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, org: LocalOrg) -> OrgSnapshot:
        names = _natural_names(org)
        snapshot = cls(names=names)
        for contact in org.records(CONTACT):
            email = str(contact.get("Email") or "").lower()
            snapshot.contacts.setdefault(email, []).append(_canonical(contact, names))
            snapshot.contact_ids.add(contact["Id"])
        for applicant in org.records(APPLICANT):
            pair = (
                names.get(applicant.get(APPLICANT) or "", "?"),
                names.get(applicant.get("bpats__Job__c") or "", "?"),
            )
            snapshot.applicants.setdefault(pair, []).append(_canonical(applicant, names))
            snapshot.applicant_ids.add(applicant["Id"])
        return snapshot

    def duplicate_contacts(self) -> dict[str, int]:
        """Emails held by more than one Contact, with how many."""
        return {email: len(rows) for email, rows in self.contacts.items() if len(rows) > 1}

    def duplicate_applicants(self) -> dict[tuple[str, str], int]:
        """(email, job) pairs with more than one application, with how many."""
        return {pair: len(rows) for pair, rows in self.applicants.items() if len(rows) > 1}

    def comparable(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Contacts and applications as sorted JSON texts per key: equal means same org."""

        def text(rows: list[dict[str, Any]]) -> list[str]:
            return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)

        return (
            {k: text(v) for k, v in self.contacts.items()},
            {"|".join(k): text(v) for k, v in self.applicants.items()},
        )


def _natural_names(org: LocalOrg) -> dict[str, str]:
    """Id → a name that does not depend on ids, for every record an import may point at."""
    names: dict[str, str] = {}
    for contact in org.records(CONTACT):
        names[contact["Id"]] = f"{str(contact.get('Email') or '').lower()}"
    for job in org.records("bpats__Job__c"):
        names[job["Id"]] = str(job["Name"])
    for stage in org.records("bpats__ATS_Stage__c"):
        names[stage["Id"]] = f"{names.get(stage.get('bpats__Job__c') or '', '?')}/{stage['Name']}"
    for sobject, key in (
        ("User", "Username"),
        ("RecordType", "DeveloperName"),
        ("Account", "Name"),
    ):
        for record in org.records(sobject):
            names[record["Id"]] = f"{sobject}:{record.get(key)}"
    for applicant in org.records(APPLICANT):
        names[applicant["Id"]] = (
            f"{names.get(applicant.get(APPLICANT) or '', '?')}|"
            f"{names.get(applicant.get('bpats__Job__c') or '', '?')}"
        )
    return names


def _canonical(record: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    created_day = str(record.get("CreatedDate") or "")[:10]
    out: dict[str, Any] = {}
    for name, value in record.items():
        if name in VOLATILE:
            continue
        if isinstance(value, str) and value in names:
            value = f"->{names[value]}"
        elif isinstance(value, str) and created_day and value == created_day:
            value = "<the day it was created>"  # dates the org or the mapping fill with today
        out[name] = value
    return out


# -- results files ----------------------------------------------------------------------------


def result_rows(path: Path) -> list[dict[str, Any]]:
    """Every readable row of a JSON Lines results file, in order (a torn last line skipped)."""
    rows: list[dict[str, Any]] = []
    if not path.exists():
        return rows
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(text)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("line"), int):
            rows.append(row)
    return rows


def last_rows(rows: Iterable[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The last row of each line: its outcome."""
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        out[row["line"]] = row
    return out


def final_lines(rows: Iterable[dict[str, Any]]) -> list[int]:
    """Lines of the rows with a final outcome, sorted, with repeats: a line twice means its
    record was done twice."""
    return sorted(row["line"] for row in rows if row["outcome"] in FINAL)


def named_outcomes(
    rows: dict[int, dict[str, Any]], names: dict[str, str]
) -> dict[int, tuple[Any, ...]]:
    """Each line's error code and the natural keys of its Contact and application (the outcome
    itself may differ after a stop: a row whose Contact the stopped run made is ``reused``)."""
    return {
        line: (
            row["outcome"] in FINAL,
            row.get("error_code"),
            names.get(row.get("contact_id") or "", row.get("contact_id")),
            names.get(row.get("application_id") or "", row.get("application_id")),
        )
        for line, row in rows.items()
    }
