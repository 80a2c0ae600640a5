"""``update``: many records changed in few calls, with a diff, a journal, and clear refusals
before anything is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.localorg import LocalOrg

APPLICANT = "bpats__ATS_Applicant__c"


def stage_of(org: LocalOrg, job: str, name: str) -> str:
    return next(
        s["Id"]
        for s in org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job and s["Name"] == name
    )


def job_named(org: LocalOrg, name: str) -> str:
    return next(j["Id"] for j in org.records("bpats__Job__c") if j["Name"] == name)


def seed_applicants(
    org: LocalOrg, count: int, job_name: str = "Registered Nurse", stage: str = "Interview"
) -> list[str]:
    """``count`` candidates with an application on the job, on ``stage`` (straight into the
    org's store: seeding, not what is measured)."""
    job = job_named(org, job_name)
    on = stage_of(org, job, stage)
    ids = []
    for i in range(count):
        contact = org.backend.create(
            "Contact", {"LastName": f"Seed {i}", "Email": f"seed{i}.{job_name[:3]}@example.com"}
        )
        ids.append(
            org.backend.create(
                APPLICANT,
                {
                    "bpats__ATS_Applicant__c": contact["Id"],
                    "bpats__Job__c": job,
                    "bpats__Stage__c": on,
                },
            )["Id"]
        )
    return ids


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce())


WHERE = "bpats__Job__r.Name = 'Registered Nurse' AND bpats__Stage__r.Name = 'Interview'"


def test_a_where_update_moves_five_thousand_applications_in_ten_calls(
    client: Asymbl, local_org: LocalOrg
) -> None:
    ids = seed_applicants(local_org, 5_000)
    offer = stage_of(local_org, job_named(local_org, "Registered Nurse"), "Offer")
    interview = stage_of(local_org, job_named(local_org, "Registered Nurse"), "Interview")
    local_org.calls.reset()
    summary = client.update(APPLICANT, where=WHERE, set={"bpats__Stage__c": "Offer"})
    assert summary.ok and summary.outcomes == {"updated": 5_000}
    assert local_org.calls.total <= 10
    assert {local_org.get(i)["bpats__Stage__c"] for i in ids} == {offer}  # type: ignore[index]
    first = summary.rows[0]
    assert [(c.field, c.before, c.after) for c in first.changes] == [
        ("bpats__Stage__c", interview, offer)
    ]
    journal = Path(str(summary.journal))
    lines = journal.read_text().splitlines()
    assert json.loads(lines[0])["kind"] == "update" and len(lines) == 5_001


def test_a_dry_run_shows_the_diff_and_writes_nothing(client: Asymbl, local_org: LocalOrg) -> None:
    ids = seed_applicants(local_org, 3)
    before = [local_org.get(i) for i in ids]
    summary = client.update(APPLICANT, where=WHERE, set={"bpats__Stage__c": "Offer"}, dry_run=True)
    assert summary.outcomes == {"would_update": 3} and summary.journal is None
    assert [local_org.get(i) for i in ids] == before
    assert "bpats__Stage__c:" in summary.text() and "->" in summary.text()


def test_records_that_already_match_are_skipped_so_a_rerun_changes_nothing(
    client: Asymbl, local_org: LocalOrg
) -> None:
    seed_applicants(local_org, 4)
    client.update(
        APPLICANT,
        where="bpats__Job__r.Name = 'Registered Nurse'",
        set={"bpats__Stage__c": "Offer"},
    )
    stamps = {r["Id"]: r["SystemModstamp"] for r in local_org.records(APPLICANT)}
    again = client.update(
        APPLICANT, where="bpats__Job__r.Name = 'Registered Nurse'", set={"bpats__Stage__c": "Offer"}
    )
    assert again.outcomes == {"unchanged": 4}
    assert {r["Id"]: r["SystemModstamp"] for r in local_org.records(APPLICANT)} == stamps
    assert all(not r.changes for r in again.rows)


@pytest.mark.parametrize(
    ("where", "values", "says"),
    [
        (WHERE, {"bpats__Applicant_Status__c": "Hired!"}, "restricted picklist"),
        (WHERE, {"bpats__Stagee__c": "Offer"}, "did you mean `bpats__Stage__c`"),
        (WHERE, {"bpats__Stage__c": "Final Panel"}, "is not a stage of the record's job"),
        ("bpats__Job__r.Name = = 'x'", {"bpats__Stage__c": "Offer"}, "does not parse"),
        (WHERE, {"Name": "x"}, "cannot be updated"),
    ],
    ids=["restricted-picklist", "unknown-field", "stage-of-another-job", "bad-where", "read-only"],
)
def test_bad_input_is_refused_before_anything_is_written(
    client: Asymbl, local_org: LocalOrg, where: str, values: dict[str, str], says: str
) -> None:
    seed_applicants(local_org, 3)
    engineer = job_named(local_org, "Senior Backend Engineer")
    local_org.backend.create(
        "bpats__ATS_Stage__c",
        {"Name": "Final Panel", "bpats__Job__c": engineer, "bpats__Sequence__c": 6},
    )
    before = local_org.records(APPLICANT)
    with pytest.raises(PayloadError) as caught:
        client.update(APPLICANT, where=where, set=values)
    assert says in str(caught.value)
    assert local_org.records(APPLICANT) == before


def test_a_spreadsheet_of_contacts_by_email_updates_each_row(
    client: Asymbl, local_org: LocalOrg, tmp_path: Path
) -> None:
    ada = local_org.backend.create("Contact", {"LastName": "Lovelace", "Email": "ada@example.com"})
    bo = local_org.backend.create("Contact", {"LastName": "Bo", "Email": "bo@example.com"})
    sheet = tmp_path / "fix.csv"
    sheet.write_text(
        "Email,Title,Phone\n ADA@example.com ,Countess,\nbo@example.com,Chef,555\n"
        "nobody@example.com,Ghost,\n",
        encoding="utf-8",
    )
    summary = client.update("Contact", sheet, key="Email")
    assert summary.outcomes == {"updated": 2, "not_found": 1} and not summary.ok
    assert local_org.get(ada["Id"])["Title"] == "Countess"  # type: ignore[index]
    assert local_org.get(bo["Id"])["Phone"] == "555"  # type: ignore[index]
    missing = next(r for r in summary.rows if r.outcome == "not_found")
    assert missing.line == 4 and "nobody@example.com" in str(missing.error)
    rows = [json.loads(line) for line in Path(str(summary.results)).read_text().splitlines()]
    assert summary.results == f"{sheet}.results.jsonl"
    assert sorted((r["line"], r["outcome"]) for r in rows) == [
        (2, "updated"),
        (3, "updated"),
        (4, "not_found"),
    ]


def test_a_results_file_named_csv_is_csv(
    client: Asymbl, local_org: LocalOrg, tmp_path: Path
) -> None:
    seed_applicants(local_org, 2)
    out = tmp_path / "moves.csv"
    summary = client.update(APPLICANT, where=WHERE, set={"bpats__Stage__c": "Offer"}, results=out)
    header, *lines = out.read_text().splitlines()
    assert header == "\ufeffline,key,id,outcome,changes,error,warnings" and len(lines) == 2
    assert all(",updated,bpats__Stage__c: " in line for line in lines)
    assert summary.results == str(out)


def test_a_key_that_names_no_single_record_is_refused(client: Asymbl) -> None:
    with pytest.raises(ConfigurationError, match="does not name one record"):
        client.update("Contact", [{"LastName": "x", "Title": "y"}], key="LastName")


def test_rows_by_id_accept_fifteen_character_ids(client: Asymbl, local_org: LocalOrg) -> None:
    (applicant,) = seed_applicants(local_org, 1)
    rows: list[dict[str, Any]] = [{"Id": applicant[:15], "bpats__Stage__c": "Placement"}]
    summary = client.update(APPLICANT, rows)
    assert summary.outcomes == {"updated": 1}
    record = local_org.get(applicant)
    assert record is not None and record["bpats__Stage__c"] == stage_of(
        local_org, record["bpats__Job__c"], "Placement"
    )


def test_over_bulk_api_every_change_goes_in_one_job_and_is_undone(
    client: Asymbl, local_org: LocalOrg
) -> None:
    ids = seed_applicants(local_org, 30)
    before = {i: local_org.get(i)["bpats__Stage__c"] for i in ids}  # type: ignore[index]
    local_org.calls.reset()
    summary = client.update(APPLICANT, where=WHERE, set={"bpats__Stage__c": "Offer"}, api="bulk")
    assert summary.ok and summary.outcomes == {"updated": 30} and summary.api == "bulk"
    assert local_org.calls["POST jobs/ingest"] == 1
    offer = stage_of(local_org, job_named(local_org, "Registered Nurse"), "Offer")
    assert {local_org.get(i)["bpats__Stage__c"] for i in ids} == {offer}  # type: ignore[index]
    assert "over Bulk API 2.0" in summary.text()
    assert client.undo(str(summary.journal)).outcomes == {"restored": 30}
    assert {i: local_org.get(i)["bpats__Stage__c"] for i in ids} == before  # type: ignore[index]


def test_bulk_clears_a_field_set_empty_and_reports_refused_records(
    client: Asymbl, local_org: LocalOrg
) -> None:
    contacts = [
        local_org.backend.create(
            "Contact", {"LastName": f"Doe {i}", "Email": f"d{i}@example.com", "Title": "Nurse"}
        )["Id"]
        for i in range(3)
    ]
    rows = [
        {"Id": contacts[0], "Title": ""},  # cleared: Bulk's #N/A
        {"Id": contacts[1], "Title": "Head Nurse"},
        {"Id": contacts[2], "Email": "not an email"},  # refused by the org
    ]
    summary = client.update("Contact", rows, api="bulk")
    assert summary.outcomes == {"updated": 2, "failed": 1}
    assert local_org.get(contacts[0])["Title"] is None  # type: ignore[index]
    assert local_org.get(contacts[1])["Title"] == "Head Nurse"  # type: ignore[index]
    (failed,) = [r for r in summary.rows if r.outcome == "failed"]
    assert failed.id == contacts[2] and "INVALID_EMAIL_ADDRESS" in str(failed.error)


def test_an_unknown_api_is_refused(client: Asymbl) -> None:
    with pytest.raises(ConfigurationError, match="unknown api"):
        client.update(APPLICANT, where=WHERE, set={"bpats__Stage__c": "Offer"}, api="soap")


def test_undo_puts_five_thousand_moved_applications_back(
    client: Asymbl, local_org: LocalOrg
) -> None:
    ids = seed_applicants(local_org, 5_000)
    before = {i: local_org.get(i)["bpats__Stage__c"] for i in ids}  # type: ignore[index]
    summary = client.update(APPLICANT, where=WHERE, set={"bpats__Stage__c": "Offer"})
    local_org.calls.reset()
    undone = client.undo(str(summary.journal))
    assert undone.ok and undone.outcomes == {"restored": 5_000}
    assert {i: local_org.get(i)["bpats__Stage__c"] for i in ids} == before  # type: ignore[index]
    assert local_org.calls.total <= 10
    again = client.undo(str(summary.journal))  # nothing left to put back
    assert again.outcomes == {"unchanged": 5_000}


def test_undo_refuses_to_overwrite_what_changed_since_unless_forced(
    client: Asymbl, local_org: LocalOrg
) -> None:
    first, second = seed_applicants(local_org, 2)
    job = local_org.get(first)["bpats__Job__c"]  # type: ignore[index]
    summary = client.update(APPLICANT, where=WHERE, set={"bpats__Stage__c": "Offer"})
    placement = stage_of(local_org, job, "Placement")
    local_org.backend.update(APPLICANT, second, {"bpats__Stage__c": placement})  # an admin
    undone = client.undo(str(summary.journal))
    outcomes = {r.id: r.outcome for r in undone.rows}
    assert outcomes == {first: "restored", second: "conflict"} and not undone.ok
    assert local_org.get(second)["bpats__Stage__c"] == placement  # type: ignore[index]
    forced = client.undo(str(summary.journal), force=True)
    assert {r.id: r.outcome for r in forced.rows} == {first: "unchanged", second: "restored"}
    assert local_org.get(second)["bpats__Stage__c"] == stage_of(  # type: ignore[index]
        local_org, job, "Interview"
    )


def test_undo_of_a_journal_from_another_org_is_refused(
    client: Asymbl, local_org: LocalOrg, tmp_path: Path
) -> None:
    journal = tmp_path / "other.jsonl"
    journal.write_text(
        '{"journal": 1, "kind": "update", "org": "00Dxx0000000001", '
        '"started": "2026-01-01T00:00:00Z", "about": ""}\n'
    )
    with pytest.raises(ConfigurationError, match="another org"):
        client.undo(str(journal))


def test_a_stage_move_is_journaled_and_undone(client: Asymbl, local_org: LocalOrg) -> None:
    (applicant,) = seed_applicants(local_org, 1)
    before = local_org.get(applicant)
    moved = client.move_application_stage(applicant, "Offer")
    assert moved["actions"]["stage"] == "moved" and moved["journal"]
    undone = client.undo(moved["journal"])
    assert undone.outcomes == {"restored": 1}
    after = local_org.get(applicant)
    assert after is not None and before is not None
    assert after["bpats__Stage__c"] == before["bpats__Stage__c"]
    assert after.get("bpats__Current_Stage_Date__c") == before.get("bpats__Current_Stage_Date__c")


def test_a_move_to_the_current_stage_leaves_no_journal(
    client: Asymbl, local_org: LocalOrg, journals: Path
) -> None:
    (applicant,) = seed_applicants(local_org, 1)
    unchanged = client.move_application_stage(applicant, "Interview")
    assert unchanged["actions"]["stage"] == "unchanged" and "journal" not in unchanged
    assert not journals.exists() or not list(journals.iterdir())
