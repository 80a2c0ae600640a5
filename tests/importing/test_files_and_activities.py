"""An import carries everything a single action does: files and activities inside its rows,
written in batches, deduped on a rerun, with an outcome per file and per activity."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg

from .helpers import NURSE, kombo, results, write_jsonl


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cv(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "type": "CV", "content_type": "text/plain", "data": b64(text)}


MERGE_NOTE = {
    "model": {
        "body": "Strong systems background",
        "subject": "Screen notes",
        "candidate": "{candidate_uuid}",
        "activity_type": "NOTE",
    }
}
TRUTO_EMAIL = {
    "candidate_id": "cand-1",
    "type": "email",
    "body": "Thanks for applying!",
    "created_at": "2026-04-20T15:30:00Z",
}
KOMBO_NOTE = {"content": "Referred by the CTO", "content_type": "PLAIN_TEXT"}


def rows() -> list[dict[str, Any]]:
    merge_application = {
        "model": {
            "candidate": {
                "first_name": "Mia",
                "last_name": "Merge",
                "email_addresses": [{"value": "mia@example.com", "email_address_type": "PERSONAL"}],
                "attachments": [
                    {
                        "file_name": "mia-cv",
                        "file_url": "https://f.example.com/x",
                        "attachment_type": "RESUME",
                        "integration_params": {"path_with_extension": "mia-cv.pdf"},
                    }
                ],
            },
            "job": NURSE,
        },
    }
    truto_candidate = {
        "first_name": "Tom",
        "last_name": "Truto",
        "emails": [{"email": "tom@example.com"}],
        "job_id": NURSE,
        "activities": [TRUTO_EMAIL],
    }
    return [
        kombo(
            "ada@example.com",
            attachments=[cv("ada-cv.txt", "Ada's CV")],
            activities=[KOMBO_NOTE, MERGE_NOTE],
        ),
        kombo("bo@example.com", attachments=[cv("bo.txt", "Bo"), cv("bo-again.txt", "Bo")]),
        truto_candidate,
        # The same person again: the same CV and note are not written twice.
        kombo("ADA@example.com ", attachments=[cv("ada.txt", "Ada's CV")], activities=[KOMBO_NOTE]),
        merge_application,
    ]


@pytest.fixture
def client(org: LocalOrg) -> Asymbl:
    return Asymbl(org.salesforce(), fetch_policy=None)


def test_files_and_activities_are_written_in_batches_with_an_outcome_each(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    records = rows()[:4]
    path = write_jsonl(tmp_path / "in.jsonl", records)
    summary = client.import_records(path)
    out = results(tmp_path / "in.jsonl.results.jsonl")
    assert summary.ok, summary.text()
    assert org.count("ContentVersion") == 2  # Ada's CV once, Bo's bytes once
    assert org.count("Task") == 3  # Ada's two notes, Tom's email
    ada, bo, tom, ada_again = out[1], out[2], out[3], out[4]
    assert [f["outcome"] for f in ada["files"]] == ["created"]
    assert [a["outcome"] for a in ada["activities"]] == ["created", "created"]
    assert [f["outcome"] for f in bo["files"]] == ["created", "duplicate"]
    assert [a["outcome"] for a in tom["activities"]] == ["created"]
    assert [f["outcome"] for f in ada_again["files"]] == ["exists"]
    assert [a["outcome"] for a in ada_again["activities"]] == ["exists"]
    for task in org.records("Task"):
        assert task["WhoId"] in {ada["contact_id"], tom["contact_id"]}
        assert task["WhatId"] in {ada["application_id"], tom["application_id"]}
    # Few calls: lookups and the writes of each level, not one per file or Task.
    assert summary.api_calls <= 6


def test_a_rerun_writes_no_file_or_task_twice(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", rows()[:4])
    client.import_records(path)
    (tmp_path / "in.jsonl.results.jsonl").unlink()  # a rerun that knows nothing
    again = client.import_records(path)
    out = results(tmp_path / "in.jsonl.results.jsonl")
    assert again.ok and org.count("ContentVersion") == 2 and org.count("Task") == 3
    assert {f["outcome"] for r in out.values() for f in r["files"]} <= {"exists", "duplicate"}
    assert {a["outcome"] for r in out.values() for a in r["activities"]} == {"exists"}


def test_a_file_by_url_is_downloaded_while_reading(org: LocalOrg, tmp_path: Path) -> None:
    import responses

    from asymbl_sf.attachments.fetch import FetchPolicy

    org.responses.add(
        responses.GET, "https://f.example.com/x", body=b"%PDF mia", content_type="application/pdf"
    )
    client = Asymbl(
        org.salesforce(), fetch_policy=FetchPolicy(resolve=lambda h, p: ["93.184.216.34"])
    )
    path = write_jsonl(tmp_path / "in.jsonl", [rows()[4]])
    summary = client.import_records(path)
    assert summary.ok, summary.text()
    (version,) = org.records("ContentVersion")
    assert version["PathOnClient"] == "mia-cv.pdf"
    assert org.file_bytes(version["Id"]) == b"%PDF mia"


def test_a_bad_activity_fails_its_row_naming_it(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    record = kombo("cy@example.com", activities=[{"model": {"activity_type": "NOTE"}}])
    path = write_jsonl(tmp_path / "in.jsonl", [record, kombo("dee@example.com")])
    client.import_records(path)
    out = results(tmp_path / "in.jsonl.results.jsonl")
    assert out[1]["outcome"] == "failed" and out[1]["field"].startswith("activities[0]")
    assert out[2]["outcome"] == "created"
    assert org.count("Task") == 0


def test_bulk_imports_carry_files_and_activities_too(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", rows()[:4])
    summary = client.import_records(path, api="bulk")
    assert summary.api == "bulk" and summary.ok, summary.text()
    assert org.count("ContentVersion") == 2 and org.count("Task") == 3
    assert org.calls["POST jobs/ingest"] == 2  # Contacts, applications; files over REST


def test_an_import_fills_blanks_of_existing_contacts_when_the_mapping_says_so(
    org: LocalOrg, tmp_path: Path
) -> None:
    from asymbl_sf.mapping import parse_mapping

    mapping = parse_mapping(
        "version: 1\nextends: default\nobjects:\n  Contact:\n    match: "
        "{on: [Email], when_found: fill_blanks}\n",
        base_dir=tmp_path,
    )
    existing = org.backend.create("Contact", {"LastName": "Known", "Email": "known@example.com"})
    client = Asymbl(org.salesforce(), mapping=mapping)
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("known@example.com", last="Other")])
    summary = client.import_records(path)
    assert summary.ok, summary.text()
    contact = org.get(existing["Id"])
    assert contact is not None
    assert contact["FirstName"] == "Jo"  # blank: filled
    assert contact["LastName"] == "Known"  # not blank: kept
