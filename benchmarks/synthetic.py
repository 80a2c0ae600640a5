"""Seeded synthetic applications for the benchmarks: Kombo payloads mostly, some Merge and Truto.

``generate(count, seed=...)`` yields the same records for the same arguments on every machine
(``random.Random(seed)``, no clock, no global state). The mix is what an import meets in real life:

- most candidates are new, each with a unique email;
- a share repeats the email of an earlier record of the same file (in another case and with
  spaces around it, which the import must still recognise as the same person);
- a share belongs to a candidate already in the org (:func:`seed_contacts` puts those Contacts
  there first, through the local org's backend, so seeding 100,000 takes seconds, not an hour
  of HTTP);
- a few are invalid: a bad email, no last name, or a stage that the job does not have.

Writers stream records to a JSON array, JSON Lines or CSV file without holding them in memory.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.schema import OrgSchema, SObjectDescribe

#: The jobs the local org is seeded with (``asymbl_sf/localorg/seed.py``), by ``remote:<Name>``.
SEEDED_JOBS: tuple[str, ...] = ("remote:Senior Backend Engineer", "remote:Registered Nurse")

#: Contacts seeded as "already in the org" use these addresses (``existing<N>@...``).
EXISTING_DOMAIN = "candidates.example.org"

Kind = Literal["new", "repeat", "existing", "bad_email", "no_last_name", "unknown_stage"]
INVALID_KINDS: tuple[Kind, ...] = ("bad_email", "no_last_name", "unknown_stage")
Format = Literal["json", "jsonl", "csv"]

_FIRST = (
    "Ada",
    "Ben",
    "Chloe",
    "Dmitri",
    "Elif",
    "Frank",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
)
_LAST = (
    "Doe",
    "Smith",
    "Garcia",
    "Müller",
    "Okafor",
    "Tanaka",
    "Rossi",
    "Novak",
    "Silva",
    "Kowalski",
    "Nguyen",
    "Jensen",
    "O'Brien",
    "Haddad",
    "Larsen",
    "Moreau",
)
_CITIES = (
    ("Berlin", "DE"),
    ("Austin", "US"),
    ("Lisbon", "PT"),
    ("Toronto", "CA"),
    ("Warsaw", "PL"),
    ("Osaka", "JP"),
)
_TITLES = ("Backend Engineer", "Registered Nurse", "Data Engineer", "Charge Nurse", "SRE")
_COMPANIES = ("Acme Inc.", "Initech", "Globex", "Umbrella Health", "Hooli")
# LinkedIn, Indeed and Website are values of the restricted picklist bpats__Source__c; a job
# board it lacks goes to the free-text fallback field (the default mapping's rule).
_SOURCES = ("LinkedIn", "Indeed", "Website", "Stack Overflow Jobs")


@dataclass(frozen=True)
class Mix:
    """Shares of the record kinds (the rest are new candidates) and of the dialects."""

    repeated: float = 0.05
    existing: float = 0.10
    invalid: float = 0.01
    merge: float = 0.05
    truto: float = 0.05


@dataclass(frozen=True)
class Synthetic:
    """One generated record: its payload and what the import should make of it."""

    index: int
    kind: Kind
    dialect: str
    #: The email as a dedupe key (trimmed, lower case); None for a record without a usable one.
    email_key: str | None
    job: str
    #: The stage the record asks for (None: the job's first stage).
    stage: str | None
    #: The candidate's details, whatever the dialect (what a CSV row is made of).
    person: dict[str, Any]
    payload: dict[str, Any]


def existing_email(number: int) -> str:
    """The email of the ``number``-th Contact :func:`seed_contacts` puts in the org."""
    return f"existing{number}@{EXISTING_DOMAIN}"


def seed_contacts(org: LocalOrg, count: int, *, seed: int = 7) -> None:
    """Put ``count`` Contacts (emails :func:`existing_email` 0..count-1) straight into the org's
    backend: the same validation and system fields as an API insert, without HTTP or call
    counting, so a benchmark starts from an org that already holds its candidates."""
    rng = random.Random(seed)
    backend = org.backend
    for number in range(count):
        backend.create(
            "Contact",
            {
                "FirstName": rng.choice(_FIRST),
                "LastName": rng.choice(_LAST),
                "Email": existing_email(number),
            },
        )


def generate(
    count: int,
    *,
    seed: int = 1,
    mix: Mix = Mix(),
    existing_contacts: int = 0,
    jobs: tuple[str, ...] = SEEDED_JOBS,
) -> Iterator[Synthetic]:
    """``count`` records, the same for the same arguments. ``existing_contacts`` is how many
    Contacts :func:`seed_contacts` put in the org (0: no record is of kind ``existing``).

    Every record carries its job in the body where the dialect has a place for it (Kombo's
    ``application.job_id``, Merge's ``model.job``); a Truto candidate body has none, so Truto
    records need the import's default job, which is ``jobs[0]``.
    """
    rng = random.Random(seed)
    # Emails of earlier new records that a repeat may copy; a bounded sample keeps memory flat.
    earlier: list[str] = []
    for index in range(count):
        kind = _pick_kind(rng, mix, existing_contacts, bool(earlier))
        roll = rng.random()
        dialect = "kombo"
        if roll < mix.merge:
            dialect = "merge"
        elif roll < mix.merge + mix.truto:
            dialect = "truto"
        if dialect == "truto" or kind == "unknown_stage":
            # Truto bodies have no job or stage: its records get the default job, and only a
            # Kombo body can name a stage the job lacks.
            job = jobs[0]
            dialect = "kombo" if kind == "unknown_stage" else dialect
        else:
            job = rng.choice(jobs)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        key: str | None
        if kind == "repeat":
            key = rng.choice(earlier)
            email = f"  {key.upper()} "
        elif kind == "existing":
            key = existing_email(rng.randrange(existing_contacts))
            email = key.capitalize()
        elif kind == "bad_email":
            email, key = f"{first.lower()}.{index}@@example..com", None
        else:
            key = email = f"{first.lower()}.{index}@example.com"
            if kind == "new":  # only a valid record's email can be repeated later
                if len(earlier) < 10_000:
                    earlier.append(key)
                else:
                    earlier[rng.randrange(len(earlier))] = key
        person = _person(rng, first, "" if kind == "no_last_name" else last, email)
        stage = "No Such Stage" if kind == "unknown_stage" else None
        payload = _BUILDERS[dialect](rng, person, job, stage)
        yield Synthetic(index, kind, dialect, key, job, stage, person, payload)


def _pick_kind(rng: random.Random, mix: Mix, existing: int, can_repeat: bool) -> Kind:
    roll = rng.random()
    if roll < mix.invalid:
        return INVALID_KINDS[int(roll / mix.invalid * len(INVALID_KINDS)) % len(INVALID_KINDS)]
    roll -= mix.invalid
    if roll < mix.existing and existing > 0:
        return "existing"
    roll -= mix.existing
    if roll < mix.repeated and can_repeat:
        return "repeat"
    return "new"


def _person(rng: random.Random, first: str, last: str, email: str) -> dict[str, Any]:
    city, country = rng.choice(_CITIES)
    return {
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": f"+1-555-{rng.randrange(1000, 9999)}" if rng.random() < 0.8 else None,
        "city": city if rng.random() < 0.6 else None,
        "country": country,
        "title": rng.choice(_TITLES) if rng.random() < 0.5 else None,
        "company": rng.choice(_COMPANIES) if rng.random() < 0.5 else None,
        "source": rng.choice(_SOURCES) if rng.random() < 0.6 else None,
    }


def _kombo(rng: random.Random, p: dict[str, Any], job: str, stage: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "first_name": p["first_name"],
        "last_name": p["last_name"],
        "email_address": p["email"],
    }
    if p["phone"]:
        candidate["phone_number"] = p["phone"]
    if p["title"]:
        candidate["title"] = p["title"]
    if p["company"]:
        candidate["company"] = p["company"]
    if p["city"]:
        candidate["location"] = {"city": p["city"], "country": p["country"]}
    body: dict[str, Any] = {"candidate": candidate, "application": {"job_id": job}}
    if stage:
        body["application"]["stage_id"] = stage
    if p["source"]:
        body["source"] = {"name": p["source"]}
    if rng.random() < 0.3:
        body["screening_question_answers"] = [
            {"question_id": "q-relocate", "answer": rng.random() < 0.5},
            {"question_id": "q-years", "answer": str(rng.randrange(1, 20))},
        ]
    return body


def _merge(rng: random.Random, p: dict[str, Any], job: str, stage: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "first_name": p["first_name"],
        "last_name": p["last_name"],
        "email_addresses": [{"value": p["email"], "email_address_type": "PERSONAL"}],
    }
    if p["phone"]:
        candidate["phone_numbers"] = [{"value": p["phone"], "phone_number_type": "MOBILE"}]
    if p["city"]:
        candidate["locations"] = [p["city"]]
    if p["title"]:
        candidate["title"] = p["title"]
    model: dict[str, Any] = {"candidate": candidate, "job": job}
    if p["source"]:
        model["source"] = p["source"]
    return {"model": model}


def _truto(rng: random.Random, p: dict[str, Any], job: str, stage: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": p["first_name"],
        "last_name": p["last_name"],
        "emails": [{"email": p["email"], "type": "personal"}],
    }
    if p["phone"]:
        body["phones"] = [{"number": p["phone"], "type": "mobile"}]
    if p["city"]:
        body["locations"] = [p["city"]]
    if p["company"]:
        body["company"] = p["company"]
    return body


_BUILDERS = {"kombo": _kombo, "merge": _merge, "truto": _truto}


# --- writers -------------------------------------------------------------------------------------

#: CSV header → path in a Kombo create-application body (or the import's own ``job_id``), as a
#: column map (``asymbl-sf import --column-map``) says it.
CSV_COLUMNS: dict[str, str] = {
    "First name": "candidate.first_name",
    "Last name": "candidate.last_name",
    "Email": "candidate.email_address",
    "Phone": "candidate.phone_number",
    "Title": "candidate.title",
    "Company": "candidate.company",
    "City": "candidate.location.city",
    "Country": "candidate.location.country",
    "Source": "source.name",
    "Stage": "stage_id",
    "Job": "job_id",
}
_CSV_FIELDS = {
    "First name": "first_name",
    "Last name": "last_name",
    "Email": "email",
    "Phone": "phone",
    "Title": "title",
    "Company": "company",
    "City": "city",
    "Source": "source",
}


def write(records: Iterable[Synthetic], path: Path, fmt: Format) -> int:
    """Stream ``records`` to ``path`` as ``fmt``; returns how many were written.

    A CSV row holds the candidate's details in Kombo's shape whatever the record's dialect (a
    CSV file has one set of columns); read it with :func:`write_column_map`'s file."""
    with path.open("w", encoding="utf-8", newline="") as out:
        if fmt == "jsonl":
            return _write_jsonl(records, out)
        if fmt == "json":
            return _write_json_array(records, out)
        return _write_csv(records, out)


def write_column_map(path: Path) -> None:
    """The column map of the CSV files :func:`write` makes."""
    lines = ["columns:"] + [f"  {header}: {target}" for header, target in CSV_COLUMNS.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_jsonl(records: Iterable[Synthetic], out: Any) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record.payload, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def _write_json_array(records: Iterable[Synthetic], out: Any) -> int:
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record.payload, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


def _write_csv(records: Iterable[Synthetic], out: Any) -> int:
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS))
    writer.writeheader()
    count = 0
    for record in records:
        person = record.person
        row = {header: person[key] or "" for header, key in _CSV_FIELDS.items()}
        # Kombo requires a location's country; a row without a city has no location at all.
        row["Country"] = person["country"] if person["city"] else ""
        row["Stage"] = record.stage or ""
        row["Job"] = record.job
        writer.writerow(row)
        count += 1
    return count


#: The Contact field an admin makes for an org-side claim (``match.claim``): text, External ID,
#: unique, case-insensitive.
CLAIM = "Email_Key__c"


def schema_with_claim(*, unique: bool = True) -> OrgSchema:
    """The packaged schema plus the :data:`CLAIM` field on Contact (``unique`` False: an External
    ID that is not unique, which ``check`` refuses as a claim)."""
    out = OrgSchema()
    for describe in OrgSchema.packaged():
        body = describe.to_json()
        if describe.name == "Contact":
            body["fields"].append(
                {
                    "name": CLAIM,
                    "label": "Email key",
                    "type": "string",
                    "custom": True,
                    "createable": True,
                    "updateable": True,
                    "nillable": True,
                    "length": 255,
                    "externalId": True,
                    "unique": unique,
                    "caseSensitive": False,
                }
            )
        out.add(SObjectDescribe.model_validate(body))
    return out
