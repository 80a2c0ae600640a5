"""A dry run reads the org, writes nothing, and plans every row."""

from __future__ import annotations

from pathlib import Path

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from tests.importing.helpers import APPLICANT, ENGINEER, kombo, results, write_jsonl


def test_dry_run_counts_new_reused_ambiguous_and_existing_and_writes_nothing(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    known = org.backend.create("Contact", {"LastName": "Known", "Email": "known@example.com"})
    org.backend.create("Contact", {"LastName": "Twin1", "Email": "twin@example.com"})
    org.backend.create("Contact", {"LastName": "Twin2", "Email": "twin@example.com"})
    nurse = next(j for j in org.records("bpats__Job__c") if j["Name"] == "Registered Nurse")
    stage = next(s for s in org.records("bpats__ATS_Stage__c") if s["bpats__Job__c"] == nurse["Id"])
    existing = org.backend.create(
        APPLICANT,
        {
            "bpats__ATS_Applicant__c": known["Id"],
            "bpats__Job__c": nurse["Id"],
            "bpats__Stage__c": stage["Id"],
        },
    )
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            kombo("new@example.com"),  # 1 would_create
            kombo("new@example.com", job=ENGINEER),  # 2 would_reuse (line 1's Contact)
            kombo("known@example.com"),  # 3 exists (application in the org)
            kombo("known@example.com", job=ENGINEER),  # 4 would_reuse (org Contact)
            kombo("twin@example.com"),  # 5 would_reuse, ambiguous
            kombo("new@example.com"),  # 6 exists (same as line 1)
            kombo("bad-email"),  # 7 failed
        ],
    )
    before = (org.count("Contact"), org.count(APPLICANT))
    org.calls.reset()

    summary = client.import_records(path, dry_run=True)

    assert (org.count("Contact"), org.count(APPLICANT)) == before
    writes = [
        e
        for e in org.calls.by_endpoint
        if e.startswith(("PATCH", "PUT", "DELETE"))
        or e in ("POST composite/sobjects", "POST sobject", "POST jobs/ingest")
    ]
    assert writes == []
    rows = results(tmp_path / "in.jsonl.dry-run.jsonl")
    assert {line: row["outcome"] for line, row in rows.items()} == {
        1: "would_create",
        2: "would_reuse",
        3: "exists",
        4: "would_reuse",
        5: "would_reuse",
        6: "exists",
        7: "failed",
    }
    assert rows[3]["application_id"] == existing["Id"]
    assert (summary.contacts_new, summary.contacts_reused, summary.contacts_ambiguous) == (1, 2, 1)
    assert (summary.applications_new, summary.applications_exist) == (4, 2)
    assert summary.outcomes == {"would_create": 1, "would_reuse": 3, "exists": 2, "failed": 1}
    assert summary.dry_run and "dry run (nothing written)" in summary.text()


def test_dry_run_through_bulk_plans_the_same(client: Asymbl, org: LocalOrg, tmp_path: Path) -> None:
    org.backend.create("Contact", {"LastName": "Known", "Email": "known@example.com"})
    path = write_jsonl(
        tmp_path / "in.jsonl", [kombo("new@example.com"), kombo("known@example.com")]
    )
    summary = client.import_records(path, dry_run=True, api="bulk")
    assert summary.api == "bulk"
    assert summary.outcomes == {"would_create": 1, "would_reuse": 1}
    assert org.calls["POST jobs/query"] == 2 and org.calls["POST jobs/ingest"] == 0


def test_a_dry_run_file_is_written_anew_each_time(client: Asymbl, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("a@example.com")])
    client.import_records(path, dry_run=True)
    client.import_records(path, dry_run=True)
    assert len((tmp_path / "in.jsonl.dry-run.jsonl").read_text().splitlines()) == 1
