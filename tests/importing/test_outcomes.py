"""Per-row outcomes of an import: duplicates, existing Contacts, bad rows, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import parse_mapping
from tests.importing.helpers import (
    APPLICANT,
    ENGINEER,
    NURSE,
    kombo,
    org_state,
    results,
    write_jsonl,
)


def warned(row: dict[str, Any], text: str) -> bool:
    return any(text in warning for warning in row["warnings"])


def seed_contact(org: LocalOrg, email: str, last: str = "Existing") -> str:
    return str(org.backend.create("Contact", {"LastName": last, "Email": email})["Id"])


def test_duplicates_existing_contacts_and_bad_rows_get_the_right_outcome(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    existing = seed_contact(org, "known@example.com")
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            kombo("new@example.com", "New"),  # 1 created
            kombo("KNOWN@example.com ", "Known"),  # 2 reused (org Contact)
            kombo("new@example.com", "Again", job=ENGINEER),  # 3 reused (line 1's Contact)
            kombo("new@example.com", "Twice"),  # 4 exists (same as line 1)
            "{broken",  # 5 failed: not JSON
            kombo("not-an-email", "Bad"),  # 6 failed: invalid payload
            kombo("nojob@example.com", job="remote:No Such Job"),  # 7 failed: job not found
            kombo("stage@example.com", stage_id="Nope"),  # 8 failed: stage not found
        ],
    )
    summary = client.import_records(path)

    rows = results(tmp_path / "in.jsonl.results.jsonl")
    assert {line: row["outcome"] for line, row in rows.items()} == {
        1: "created",
        2: "reused",
        3: "reused",
        4: "exists",
        5: "failed",
        6: "failed",
        7: "failed",
        8: "failed",
    }
    assert rows[2]["contact_id"] == existing
    assert warned(rows[2], "Reused the existing Contact")
    assert rows[3]["contact_id"] == rows[1]["contact_id"]
    assert warned(rows[3], "same email as line 1")
    assert rows[4]["application_id"] == rows[1]["application_id"]
    assert warned(rows[4], "same candidate and job as line 1")
    assert rows[5]["error_code"] == "INVALID_RECORD"
    assert (rows[6]["error_code"], rows[6]["field"]) == (
        "INVALID_PAYLOAD",
        "candidate.email_address",
    )
    assert (rows[7]["error_code"], rows[7]["field"]) == ("JOB_NOT_FOUND", "job_id")
    assert "No Such Job" in rows[7]["message"]
    assert (rows[8]["error_code"], rows[8]["field"]) == ("STAGE_NOT_FOUND", "stage_id")
    assert "its stages are: Application" in rows[8]["message"]

    emails, applications = org_state(org)
    assert emails == {"known@example.com": 1, "new@example.com": 1}
    assert applications == {
        ("known@example.com", "Registered Nurse"): 1,
        ("new@example.com", "Registered Nurse"): 1,
        ("new@example.com", "Senior Backend Engineer"): 1,
    }
    assert summary.outcomes == {"created": 1, "reused": 2, "exists": 1, "failed": 4}
    assert (summary.contacts_new, summary.contacts_reused) == (1, 1)
    assert (summary.applications_new, summary.applications_exist) == (3, 1)
    assert not summary.ok


def test_in_file_duplicate_email_makes_one_contact(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    records = [
        kombo("same@example.com", f"L{i}", job=NURSE if i % 2 else ENGINEER) for i in range(6)
    ]
    path = write_jsonl(tmp_path / "in.jsonl", records)
    client.import_records(path, chunk_size=2)  # the duplicates span chunks

    emails, applications = org_state(org)
    assert emails == {"same@example.com": 1}
    assert applications == {
        ("same@example.com", "Registered Nurse"): 1,
        ("same@example.com", "Senior Backend Engineer"): 1,
    }
    outcomes = [r["outcome"] for r in results(tmp_path / "in.jsonl.results.jsonl").values()]
    assert sorted(outcomes) == ["created", "exists", "exists", "exists", "exists", "reused"]


def test_existing_application_is_reported_not_duplicated(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("a@example.com")])
    client.import_records(path, results=tmp_path / "first.jsonl")
    client.import_records(path, results=tmp_path / "second.jsonl")
    row = results(tmp_path / "second.jsonl")[1]
    assert row["outcome"] == "exists"
    assert warned(row, "already exists")
    assert org.count(APPLICANT) == 1


def test_several_contacts_with_the_email_use_the_oldest_and_warn(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    oldest = seed_contact(org, "twin@example.com", "First")
    seed_contact(org, "twin@example.com", "Second")
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("twin@example.com")])
    summary = client.import_records(path)
    row = results(tmp_path / "in.jsonl.results.jsonl")[1]
    assert (row["outcome"], row["contact_id"]) == ("reused", oldest)
    assert warned(row, "2 Contacts have this email")
    assert summary.contacts_ambiguous == 1


def test_when_many_fail_fails_the_row(org: LocalOrg, tmp_path: Path) -> None:
    seed_contact(org, "twin@example.com")
    seed_contact(org, "twin@example.com")
    mapping = parse_mapping(
        "extends: default\nobjects:\n  Contact:\n    match: {on: [Email], when_many: fail}\n",
        base_dir=".",
    )
    client = Asymbl(org.salesforce(), mapping=mapping)
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("twin@example.com")])
    client.import_records(path)
    row = results(tmp_path / "in.jsonl.results.jsonl")[1]
    assert (row["outcome"], row["error_code"]) == ("failed", "CONTACT_AMBIGUOUS")


def test_refused_contact_fails_its_row_and_blocks_rows_that_need_it(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        lambda sobject, body: body.get("LastName") == "Refused",
        message="Last name may not be Refused",
        fields=("LastName",),
    )
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            kombo("r@example.com", "Refused"),
            kombo("ok@example.com", "Fine"),
            kombo("r@example.com", "Other", job=ENGINEER),
        ],
    )
    summary = client.import_records(path)
    rows = results(tmp_path / "in.jsonl.results.jsonl")
    assert [rows[i]["outcome"] for i in (1, 2, 3)] == ["failed", "created", "blocked"]
    assert (rows[1]["error_code"], rows[1]["field"]) == (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Contact.LastName",
    )
    assert "failed on line 1" in rows[3]["message"]
    assert summary.outcomes == {"failed": 1, "created": 1, "blocked": 1}
    assert org.count(APPLICANT) == 1


def test_refused_application_fails_its_row_only(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        lambda sobject, body: sobject == APPLICANT and "Zebra" in str(body.values()),
    )
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [kombo("a@example.com", source={"name": "Zebra"}), kombo("b@example.com")],
    )
    client.import_records(path)
    rows = results(tmp_path / "in.jsonl.results.jsonl")
    assert rows[1]["outcome"] == "failed" and rows[1]["contact_id"]
    assert rows[1]["error_code"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert rows[2]["outcome"] == "created"


def test_attachments_are_imported_and_unknown_recruiters_are_warned_about(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    record = kombo(
        "a@example.com",
        attachments=[
            {"name": "cv.txt", "type": "CV", "content_type": "text/plain", "data": "aGk="}
        ],
        sourced_by={"user_id": "nobody@example.com"},
    )
    path = write_jsonl(tmp_path / "in.jsonl", [record])
    client.import_records(path)
    row = results(tmp_path / "in.jsonl.results.jsonl")[1]
    assert row["outcome"] == "created"
    (version,) = org.records("ContentVersion")
    assert row["files"] == [
        {
            "path": "attachments[0]",
            "name": "cv.txt",
            "outcome": "created",
            "id": version["Id"],
            "error": None,
        }
    ]
    assert version["FirstPublishLocationId"] == row["contact_id"]
    assert any("not an active Salesforce user" in w for w in row["warnings"])


def test_known_recruiter_is_credited(client: Asymbl, org: LocalOrg, tmp_path: Path) -> None:
    user = org.records("User")[0]
    path = write_jsonl(
        tmp_path / "in.jsonl", [kombo("a@example.com", sourced_by={"user_id": user["Username"]})]
    )
    client.import_records(path)
    assert org.records(APPLICANT)[0]["bpats__Recruited_By__c"] == user["Id"]


def test_job_id_option_is_the_default_job_and_record_jobs_win(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [kombo("a@example.com", job=None), kombo("b@example.com", job=ENGINEER)],
    )
    client.import_records(path, job_id=NURSE)
    _, applications = org_state(org)
    assert applications == {
        ("a@example.com", "Registered Nurse"): 1,
        ("b@example.com", "Senior Backend Engineer"): 1,
    }


def test_each_record_may_be_in_another_dialect(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    nurse = next(j for j in org.records("bpats__Job__c") if j["Name"] == "Registered Nurse")
    merge = {
        "model": {
            "candidate": {
                "first_name": "Mo",
                "last_name": "Merge",
                "email_addresses": [{"value": "m@example.com"}],
            },
            "job": nurse["Id"],
        }
    }
    truto = {
        "first_name": "Tru",
        "last_name": "To",
        "emails": [{"email": "t@example.com"}],
        "job_id": NURSE,
    }
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("k@example.com"), merge, truto])
    summary = client.import_records(path)
    assert summary.outcomes == {"created": 3}
    emails, _ = org_state(org)
    assert set(emails) == {"k@example.com", "m@example.com", "t@example.com"}


def test_csv_import_with_a_column_map(client: Asymbl, org: LocalOrg, tmp_path: Path) -> None:
    columns = tmp_path / "columns.yaml"
    columns.write_text(
        "columns:\n  Email: candidate.email_address\n  First: "
        "candidate.first_name\n  Last: candidate.last_name\n  Job: job_id\n"
    )
    path = tmp_path / "in.csv"
    path.write_text(
        "Email,First,Last,Job\na@example.com,Ann,Lee,remote:Registered Nurse\n"
        "b@example.com,Bo,,remote:Registered Nurse\n"
    )
    summary = client.import_records(path, column_map=columns, results_format="csv")
    assert summary.outcomes == {"created": 1, "failed": 1}
    text = (tmp_path / "in.csv.results.csv").read_text()
    assert text.splitlines()[0].startswith("\ufeffline,source_id,outcome")  # Excel: UTF-8
    assert "candidate.last_name" in text


def test_mapping_without_a_contact_match_is_refused(org: LocalOrg, tmp_path: Path) -> None:
    mapping = parse_mapping(
        "extends: default\nobjects:\n  Contact:\n    match: null\n", base_dir="."
    )
    client = Asymbl(org.salesforce(), mapping=mapping)
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("a@example.com")])
    with pytest.raises(ConfigurationError, match="match"):
        client.import_records(path)


def test_text_that_looks_like_a_composite_reference_is_stored_as_written(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    records = [kombo(f"p{i}@example.com", f"L{i}") for i in range(250)]  # two Collections
    records[3]["candidate"]["title"] = "@{c0[0].id}"
    records[4]["candidate"]["last_name"] = "Line\u2028break"
    path = write_jsonl(tmp_path / "in.jsonl", records)
    summary = client.import_records(path)
    assert summary.outcomes == {"created": 250}
    titles = {c["Email"]: c.get("Title") for c in org.records("Contact")}
    assert titles["p3@example.com"] == "@{c0[0].id}"
    lines = (tmp_path / "in.jsonl.results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 250  # no row is split by a Unicode line separator


def test_a_job_name_that_looks_like_a_reference_is_looked_up_as_written(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    name = "@{q0.records[0].Id}"  # the jobs and their stages are two queries of one Composite
    job = org.backend.create("bpats__Job__c", {"Name": name})
    org.backend.create(
        "bpats__ATS_Stage__c",
        {"Name": "Applied", "bpats__Job__c": job["Id"], "bpats__Sequence__c": 1},
    )
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("a@example.com", job=f"remote:{name}")])
    summary = client.import_records(path)
    assert summary.outcomes == {"created": 1}
    assert org.records(APPLICANT)[0]["bpats__Job__c"] == job["Id"]
