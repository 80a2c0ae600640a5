"""Pending creates in the created ledger: a run killed after the org saved a batch, before the
answer came back, still gets its records into the ledger, on the rerun."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.schema.ids import make_id
from asymbl_sf.state.ledger import CreatedLedger, PendingClaims
from asymbl_sf.writes.keys import applicant_key
from tests.importing.helpers import APPLICANT, NO_WAIT, kombo, many, write_jsonl


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even ``except Exception``."""


def ledger_client(org: LocalOrg, path: Path) -> Asymbl:
    return Asymbl(org.salesforce(), retry=NO_WAIT, ledger=CreatedLedger(path))


def kill_before_recording(monkeypatch: pytest.MonkeyPatch, sobject: str) -> None:
    """The first time ids of ``sobject`` would enter the ledger, the process 'dies': the org
    holds the records, the ledger only their pending notes."""
    original = CreatedLedger.record

    def record(self: CreatedLedger, name: str, ids: Any, **kwargs: Any) -> None:
        ids = list(ids)
        if name == sobject and ids:
            monkeypatch.setattr(CreatedLedger, "record", original)
            raise Killed
        original(self, name, ids, **kwargs)

    monkeypatch.setattr(CreatedLedger, "record", record)


def foreign(org: LocalOrg, client: Asymbl, email: str, job_name: str) -> tuple[str, str]:
    """A Contact and application another tool made, before any import."""
    job = next(j["Id"] for j in org.records("bpats__Job__c") if j["Name"] == job_name)
    stage = next(
        s["Id"]
        for s in org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job and s["bpats__Sequence__c"] == 1
    )
    contact = str(client.sf.Contact.create({"LastName": "Other", "Email": email})["id"])
    applicant = str(
        client.sf.bpats__ATS_Applicant__c.create(
            {"bpats__ATS_Applicant__c": contact, "bpats__Job__c": job, "bpats__Stage__c": stage}
        )["id"]
    )
    return contact, applicant


@pytest.mark.parametrize("api", ["rest", "bulk"])
@pytest.mark.parametrize("killed_at", ["Contact", APPLICANT])
def test_the_rerun_records_what_a_killed_run_created(
    org: LocalOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: str, killed_at: str
) -> None:
    path = tmp_path / "created.jsonl"
    source = write_jsonl(tmp_path / "in.jsonl", many(12, distinct=8))
    kill_before_recording(monkeypatch, killed_at)
    with pytest.raises(Killed):
        ledger_client(org, path).import_records(source, api=api, results=tmp_path / "a.jsonl")
    ledger = CreatedLedger(path)
    made = {r["Id"] for r in org.records(killed_at)}
    assert made and not made & ledger.ids(killed_at)  # created, not recorded: pending only
    assert ledger.unsettled(killed_at)

    summary = ledger_client(org, path).import_records(source, api=api, results=tmp_path / "b.jsonl")

    assert summary.contacts_new == 0 or killed_at == APPLICANT
    assert ledger.ids("Contact") == {r["Id"] for r in org.records("Contact")}
    assert ledger.ids(APPLICANT) == {r["Id"] for r in org.records(APPLICANT)}
    assert ledger.unsettled("Contact") == ledger.unsettled(APPLICANT) == set()


@pytest.mark.parametrize("api", ["rest", "bulk"])
def test_records_in_the_org_before_the_import_never_enter_the_ledger(
    org: LocalOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: str
) -> None:
    path = tmp_path / "created.jsonl"
    client = ledger_client(org, path)
    contact, applicant = foreign(org, client, "old@example.com", "Registered Nurse")
    # old@ on the nurse job exists already; old@ on the engineer job is new, on a found Contact.
    records = [
        kombo("old@example.com"),
        kombo("old@example.com", job="remote:Senior Backend Engineer"),
        kombo("new@example.com"),
    ]
    source = write_jsonl(tmp_path / "in.jsonl", records)
    kill_before_recording(monkeypatch, APPLICANT)
    with pytest.raises(Killed):
        client.import_records(source, api=api, results=tmp_path / "a.jsonl")
    ledger_client(org, path).import_records(source, api=api, results=tmp_path / "b.jsonl")

    ledger = CreatedLedger(path)
    assert contact not in ledger and applicant not in ledger
    assert ledger.ids(APPLICANT) == {r["Id"] for r in org.records(APPLICANT)} - {applicant}
    assert ledger.ids("Contact") == {r["Id"] for r in org.records("Contact")} - {contact}


def test_a_refused_create_is_settled_and_a_later_foreign_record_is_not_claimed(
    org: LocalOrg, tmp_path: Path
) -> None:
    path = tmp_path / "created.jsonl"
    client = ledger_client(org, path)
    org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION", lambda sobject, body: body.get("LastName") == "Refused"
    )
    source = write_jsonl(tmp_path / "in.jsonl", [kombo("r@example.com", "Refused")])
    assert client.import_records(source, api="rest").outcomes == {"failed": 1}
    ledger = CreatedLedger(path)
    assert ledger.unsettled("Contact") == set()
    org.faults.clear()
    # Another tool then makes that candidate; importing the row again finds and reuses it.
    contact, applicant = foreign(org, client, "r@example.com", "Registered Nurse")
    client.import_records(source, api="rest", results=tmp_path / "again.jsonl")
    assert contact not in ledger and applicant not in ledger


# -- the ledger file itself ---------------------------------------------------------------------


def test_pending_keys_stay_unsettled_until_recorded(tmp_path: Path) -> None:
    ledger = CreatedLedger(tmp_path / "created.jsonl")
    ledger.note_pending("Contact", ["a", "b", "c"])
    contact = make_id("003", 1)
    ledger.record("Contact", [contact], settled=["a"])
    ledger.record("Contact", [], settled=["b"])  # refused
    assert ledger.unsettled("Contact") == {"c"}
    assert ledger.unsettled(APPLICANT) == set()
    assert ledger.ids("Contact") == {contact}
    lines = [json.loads(t) for t in ledger.path.read_text().splitlines()]  # type: ignore[union-attr]
    assert [sorted(line) for line in lines] == [
        ["at", "pending", "sobject"],
        ["at", "ids", "settled", "sobject"],
        ["at", "ids", "settled", "sobject"],
    ]


def test_claims_record_only_pending_keys_and_only_once(tmp_path: Path) -> None:
    ledger = CreatedLedger(tmp_path / "created.jsonl")
    job = make_id("a0J", 1)
    sent, other = make_id("003", 1), make_id("003", 2)
    ledger.note_pending(APPLICANT, [applicant_key(sent, job)])
    found = {
        applicant_key(sent, job): make_id("a0A", 1),
        applicant_key(other, job): make_id("a0A", 2),
    }  # existed before: never pending
    claims = PendingClaims(ledger)
    assert claims.claim(APPLICANT, found) == [make_id("a0A", 1)]
    assert claims.claim(APPLICANT, found) == []
    assert PendingClaims(ledger).claim(APPLICANT, found) == []  # settled on disk too
    assert ledger.ids(APPLICANT) == {make_id("a0A", 1)}


def test_a_torn_last_line_and_old_lines_are_read(tmp_path: Path) -> None:
    path = tmp_path / "created.jsonl"
    old = make_id("003", 1)
    path.write_text(
        json.dumps({"sobject": "Contact", "ids": [old], "at": "x"})
        + "\n"
        + '{"sobject": "Contact", "pending": ["a"'
    )  # killed mid-write
    ledger = CreatedLedger(path)
    assert ledger.ids("Contact") == {old}
    assert ledger.unsettled("Contact") == set()
    ledger.note_pending("Contact", ["b"])
    assert ledger.unsettled("Contact") == {"b"}
    assert path.read_text().count("\n") == 3  # the next append started on a fresh line


def test_an_in_memory_ledger_keeps_pending_notes_too() -> None:
    ledger = CreatedLedger.in_memory()
    ledger.note_pending("contact", ["k"])
    assert ledger.unsettled("Contact") == {"k"}
    assert PendingClaims(ledger).claim("Contact", {"k": make_id("003", 9)})
    assert ledger.unsettled("Contact") == set()
    assert ledger.ids("Contact") == {make_id("003", 9)}
