"""Part 4 of the campaign: records the org refuses for good (a value outside a restricted
picklist, a validation rule) fail on their own rows and block only the rows that need them.

The refusals are the local org's record faults (``org.faults.on_records``), which answer like
Salesforce does: per record, inside an otherwise successful Collections call or Bulk job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asymbl_sf.localorg import LocalOrg
from benchmarks.synthetic import EXISTING_DOMAIN

from .scenario import Inputs
from .snapshot import APPLICANT
from .transient import ImportRun, import_until_done

PICKLIST = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
PICKLIST_MESSAGE = "bad value for restricted picklist field: Referral Partner"
VALIDATION = "FIELD_CUSTOM_VALIDATION_EXCEPTION"
VALIDATION_MESSAGE = "Applications to this job need a phone number on the candidate"


@dataclass(frozen=True)
class Victims:
    """The Contacts (by email) and applications (by email and job) the org refuses."""

    emails: frozenset[str]
    pairs: frozenset[tuple[str, str]]


def pick_victims(inputs: Inputs, count: int = 3) -> Victims:
    """New candidates whose email is on several lines (so later lines depend on the first),
    and applications of other such candidates, preferably ones who also applied to the other
    job (which must not suffer)."""
    lines_of: dict[str, list[int]] = defaultdict(list)
    jobs_of: dict[str, list[str]] = defaultdict(list)
    for line, (email, job) in sorted(inputs.expected.items()):
        lines_of[email].append(line)
        jobs_of[email].append(job)
    repeated = sorted(
        (e for e in lines_of if len(lines_of[e]) > 1 and not e.endswith("@" + EXISTING_DOMAIN)),
        key=lambda e: lines_of[e][0],
    )
    emails = repeated[:count]
    others = sorted(repeated[count:], key=lambda e: (len(set(jobs_of[e])) == 1, lines_of[e][0]))
    pairs = [(e, jobs_of[e][-1]) for e in others[:count]]
    if len(emails) < count or len(pairs) < count:
        raise ValueError(f"{inputs.path}: too few repeated candidates to pick {count} victims")
    return Victims(frozenset(emails), frozenset(pairs))


def refuse(org: LocalOrg, victims: Victims) -> None:
    """Make ``org`` refuse the victims' Contacts and applications, whichever API writes them."""

    def email(value: Any) -> str:
        return str(value or "").strip().lower()

    def email_of_contact(contact_id: Any) -> str:
        contact = org.backend.store.find(str(contact_id or ""))
        return email(contact[1].get("Email")) if contact else ""

    def job_name(job_id: Any) -> str:
        job = org.backend.store.find(str(job_id or ""))
        return str(job[1].get("Name")) if job else ""

    org.faults.on_records(
        PICKLIST,
        lambda sobject, body: sobject == "Contact" and email(body.get("Email")) in victims.emails,
        message=PICKLIST_MESSAGE,
        fields=("LeadSource",),
    )
    org.faults.on_records(
        VALIDATION,
        lambda sobject, body: (
            sobject == APPLICANT
            and (email_of_contact(body.get(APPLICANT)), job_name(body.get("bpats__Job__c")))
            in victims.pairs
        ),
        message=VALIDATION_MESSAGE,
    )


def expected_refusals(inputs: Inputs, victims: Victims) -> dict[int, tuple[str, str]]:
    """Line → (outcome, error code) for every line the refusals touch: the first line needing a
    refused record fails, the later ones needing it are blocked."""
    out: dict[int, tuple[str, str]] = {}
    seen_emails: set[str] = set()
    seen_pairs: set[tuple[str, str]] = set()
    for line, (email, job) in sorted(inputs.expected.items()):
        if email in victims.emails:
            out[line] = ("blocked" if email in seen_emails else "failed", PICKLIST)
        elif (email, job) in victims.pairs:
            out[line] = ("blocked" if (email, job) in seen_pairs else "failed", VALIDATION)
        seen_emails.add(email)
        seen_pairs.add((email, job))
    return out


def import_with_refusals(inputs: Inputs, folder: Path, *, api: str, victims: Victims) -> ImportRun:
    """The import of ``inputs`` into an org refusing the victims' records."""
    return import_until_done(
        inputs, folder, api=api, name="-refusals", prepare=lambda org: refuse(org, victims)
    )
