"""Duplicate candidates on a messy org: found exactly, merged with every child moved, one
application per job, and undone back to the org as it was."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl, connect
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.schema import OrgSchema

ROOT = Path(__file__).resolve().parents[2]
DESCRIBES = ROOT / "asymbl_sf" / "schema" / "describes"
APPLICANT = "bpats__ATS_Applicant__c"
CHECK = "Reference_Check__c"
#: What every record is compared on before and after: all but what any write stamps.
STAMPS = {"LastModifiedDate", "SystemModstamp", "LastModifiedById"}
OBJECTS = (
    "Contact",
    APPLICANT,
    "Task",
    "ContentVersion",
    "ContentDocument",
    "ContentDocumentLink",
    CHECK,
)


def reference_check_describe() -> dict[str, Any]:
    """A custom object of the org with a lookup to Contact (what org load-schema brings)."""

    def field(name: str, kind: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "label": name,
            "type": kind,
            "nillable": True,
            "createable": kind != "id",
            "updateable": kind != "id",
            **extra,
        }

    return {
        "name": CHECK,
        "label": "Reference Check",
        "custom": True,
        "keyPrefix": "a9R",
        "createable": True,
        "updateable": True,
        "queryable": True,
        "fields": [
            field("Id", "id", nillable=False),
            field("IsDeleted", "boolean", createable=False, updateable=False),
            field("CreatedDate", "datetime", createable=False, updateable=False),
            field("LastModifiedDate", "datetime", createable=False, updateable=False),
            field("SystemModstamp", "datetime", createable=False, updateable=False),
            field("Name", "string", length=80),
            field(
                "Candidate__c",
                "reference",
                referenceTo=["Contact"],
                relationshipName="Candidate__r",
            ),
        ],
    }


@pytest.fixture
def messy(tmp_path: Path) -> Iterator[tuple[Asymbl, LocalOrg, dict[str, Any]]]:
    describes = tmp_path / "describes"
    describes.mkdir()
    for source in DESCRIBES.glob("*.json"):
        (describes / source.name).write_text(source.read_text())
    (describes / f"{CHECK}.json").write_text(json.dumps(reference_check_describe()))
    LocalOrg(tmp_path / "org").load_schema(OrgSchema.from_directory(describes))
    client = connect(f"local:{tmp_path / 'org'}")
    org = client.local_org  # type: ignore[attr-defined]
    jobs = {j["Name"]: j["Id"] for j in org.records("bpats__Job__c")}
    stages = {(s["bpats__Job__c"], s["Name"]): s["Id"] for s in org.records("bpats__ATS_Stage__c")}
    sf = client.sf
    nurse, engineer = jobs["Registered Nurse"], jobs["Senior Backend Engineer"]
    # Jane, twice: the newer one in another case, with spaces; Bo alone; Cy twice exactly.
    jane_old = sf.Contact.create({"FirstName": "Jane", "LastName": "Doe", "Email": "Jane@X.com"})[
        "id"
    ]
    jane_new = sf.Contact.create(
        {"LastName": "Doe", "Email": "jane@x.com", "Title": "Nurse", "Phone": "555"}
    )["id"]
    # The API refuses an email with spaces today; older data (an import of years ago, a
    # migration) has them, so the messy record is put straight into the org's store.
    stored = org.backend.store.get("Contact", jane_new)
    org.backend.store.put("Contact", {**stored, "Email": " jane@x.com "})
    bo = sf.Contact.create({"LastName": "Bo", "Email": "bo@x.com"})["id"]
    cy_a = sf.Contact.create({"LastName": "Cy", "Email": "cy@x.com"})["id"]
    cy_b = sf.Contact.create({"LastName": "Cy", "Email": "cy@x.com"})["id"]

    def apply(contact: str, job: str, stage: str, notes: str | None = None) -> str:
        fields = {
            "bpats__ATS_Applicant__c": contact,
            "bpats__Job__c": job,
            "bpats__Stage__c": stages[(job, stage)],
        }
        if notes:
            fields["bpats__Application_Notes__c"] = notes
        return str(sf.bpats__ATS_Applicant__c.create(fields)["id"])

    ids = {
        "jane_old": jane_old,
        "jane_new": jane_new,
        "bo": bo,
        "cy_a": cy_a,
        "cy_b": cy_b,
        # both Janes on the nurse job: the newer one is further along, so it is kept
        "old_nurse": apply(jane_old, nurse, "Interview", "Strong references"),
        "new_nurse": apply(jane_new, nurse, "Offer", "Offer drafted"),
        # a Jane application on another job moves to the survivor
        "new_engineer": apply(jane_new, engineer, "Application"),
        "bo_nurse": apply(bo, nurse, "Application"),
    }
    ids["task"] = sf.Task.create({"WhoId": jane_new, "Subject": "Called", "Status": "Completed"})[
        "id"
    ]
    ids["check"] = sf.Reference_Check__c.create({"Name": "Ref 1", "Candidate__c": jane_new})["id"]
    version = sf.ContentVersion.create(
        {
            "Title": "cv",
            "PathOnClient": "cv.txt",
            "FirstPublishLocationId": jane_new,
            "VersionData": base64.b64encode(b"Jane's CV").decode(),
        }
    )["id"]
    ids["file"] = version
    yield client, org, ids


def snapshot(org: LocalOrg) -> dict[str, dict[str, dict[str, Any]]]:
    """Every live record of the objects, by id, without the stamps; an empty field is no
    field (Salesforce makes no difference between a field never set and one set to null)."""
    return {
        name: {
            r["Id"]: {k: v for k, v in r.items() if k not in STAMPS and v is not None}
            for r in org.records(name)
        }
        for name in OBJECTS
    }


def live(org: LocalOrg, sobject: str) -> list[dict[str, Any]]:
    return [r for r in org.records(sobject) if not r.get("IsDeleted")]


def test_duplicates_reports_exactly_the_groups(messy: Any) -> None:
    client, _, ids = messy
    found = client.duplicates()
    groups = {frozenset(m.id for m in g.members) for g in found.groups}
    assert groups == {
        frozenset({ids["jane_old"], ids["jane_new"]}),
        frozenset({ids["cy_a"], ids["cy_b"]}),
    }
    jane = next(g for g in found.groups if ids["jane_old"] in {m.id for m in g.members})
    newer = next(m for m in jane.members if m.id == ids["jane_new"])
    assert newer.tasks == 1 and newer.files == 1
    assert {(a["job"]["name"], a["stage"]["name"]) for a in newer.applications} == {
        ("Registered Nurse", "Offer"),
        ("Senior Backend Engineer", "Application"),
    }


def test_a_merge_dry_run_lists_every_move_and_writes_nothing(messy: Any) -> None:
    client, org, ids = messy
    before = snapshot(org)
    result = client.duplicates(merge=True, dry_run=True)
    assert snapshot(org) == before
    jane = next(p for p in result.merge.groups if p.survivor.id == ids["jane_old"])
    moved = {(m.sobject, m.id) for m in jane.moves}
    assert {
        (APPLICANT, ids["new_nurse"]),
        (APPLICANT, ids["new_engineer"]),
        ("Task", ids["task"]),
        (CHECK, ids["check"]),
    } <= moved
    (collision,) = jane.collisions
    assert collision["kept"] == ids["new_nurse"] and collision["removed"] == [ids["old_nurse"]]
    assert [f["create"] for f in jane.files] == [True]
    assert jane.fills["Title"] == ("Nurse", ids["jane_new"])
    assert "FirstName" not in jane.fills  # not blank on the survivor
    assert result.merge.journal is None


def test_merge_leaves_one_contact_with_everything_and_undo_gives_the_org_back(
    messy: Any,
) -> None:
    client, org, ids = messy
    before = snapshot(org)
    result = client.duplicates(merge=True)
    assert result.ok and result.merge.merged == 2
    contacts = live(org, "Contact")
    assert {c["Id"] for c in contacts} == {ids["jane_old"], ids["bo"], ids["cy_a"]}
    survivor = org.get(ids["jane_old"])
    assert survivor["Title"] == "Nurse" and survivor["Phone"] == "555"  # blanks filled
    jane_apps = [a for a in live(org, APPLICANT) if a["bpats__ATS_Applicant__c"] == ids["jane_old"]]
    assert {a["Id"] for a in jane_apps} == {ids["new_nurse"], ids["new_engineer"]}
    kept = org.get(ids["new_nurse"])
    assert "Strong references" in kept["bpats__Application_Notes__c"]
    assert "Offer drafted" in kept["bpats__Application_Notes__c"]
    assert org.get(ids["task"])["WhoId"] == ids["jane_old"]
    assert org.get(ids["check"])["Candidate__c"] == ids["jane_old"]
    document = org.get(ids["file"])["ContentDocumentId"]
    linked = {
        link["LinkedEntityId"]
        for link in live(org, "ContentDocumentLink")
        if link["ContentDocumentId"] == document
    }
    assert ids["jane_old"] in linked and ids["jane_new"] not in linked

    undone = client.undo(result.merge.journal)
    assert undone.ok, undone.text()
    assert snapshot(org) == before


def test_a_large_org_is_scanned_with_one_bulk_query_job(local_org: LocalOrg) -> None:
    from asymbl_sf.fixes.duplicates import DuplicateFinder

    for n in range(30):
        local_org.backend.create("Contact", {"LastName": f"C{n}", "Email": f"c{n % 25}@x.com"})
    client = Asymbl(local_org.salesforce())
    local_org.calls.reset()
    groups = DuplicateFinder(client.api, bulk_above=10).groups()
    assert len(groups) == 5 and all(len(g.members) == 2 for g in groups)
    assert local_org.calls["POST jobs/query"] == 1  # the scan: one Bulk API 2.0 query job
    assert local_org.calls.total <= 8


def test_an_unknown_key_is_refused_with_a_suggestion(local_org: LocalOrg) -> None:
    from asymbl_sf.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="did you mean Phone"):
        Asymbl(local_org.salesforce()).duplicates(keys=["Phnoe"])
