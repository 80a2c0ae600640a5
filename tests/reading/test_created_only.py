"""The created ledger, and reading back only what asymbl-sf created (--created-only)."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from asymbl_sf import Asymbl, ConfigurationError
from asymbl_sf.connect import connect_local
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.schema.ids import make_id
from asymbl_sf.state.ledger import CreatedLedger, org_key_for, record_created
from tests.reading.helpers import APPLICANT, Clock, Pipeline, kombo


def foreign_application(client: Asymbl, job_id: str, stage_id: str, email: str) -> str:
    """An application another tool made (straight through the REST API)."""
    contact = client.sf.Contact.create({"LastName": "Other", "Email": email})["id"]
    return str(
        client.sf.bpats__ATS_Applicant__c.create(
            {
                "bpats__ATS_Applicant__c": contact,
                "bpats__Job__c": job_id,
                "bpats__Stage__c": stage_id,
            }
        )["id"]
    )


def first_stage(org: LocalOrg, job_id: str) -> str:
    return next(
        s["Id"]
        for s in org.records("bpats__ATS_Stage__c")
        if s["bpats__Job__c"] == job_id and s["bpats__Sequence__c"] == 1
    )


def test_created_only_reads_the_applications_asymbl_sf_created(
    client: Asymbl, org: LocalOrg, pipeline: Pipeline
) -> None:
    other = foreign_application(
        client, pipeline.ids["nurse"], first_stage(org, pipeline.ids["nurse"]), "other@example.com"
    )
    mine = [pipeline.ids[k] for k in ("ada", "ben", "cleo", "dan")]
    assert [r["id"] for r in client.read("applications")] == [*mine, other]
    assert [r["id"] for r in client.read("applications", created_only=True)] == mine


def test_created_only_candidates_are_ours_or_candidates_of_our_applications(
    client: Asymbl, org: LocalOrg, clock: Clock, pipeline: Pipeline
) -> None:
    nurse = pipeline.ids["nurse"]
    foreign_application(client, nurse, first_stage(org, nurse), "other@example.com")
    # A Contact another tool made, then applied to a job through asymbl-sf (reused by email).
    clock.advance(minutes=1)
    existing = client.sf.Contact.create({"LastName": "Existing", "Email": "zoe@example.com"})
    clock.advance(minutes=1)
    result = client.create_application(kombo("Zoe", "Existing", "zoe@example.com"), job_id=nurse)
    assert result["actions"]["candidate"]["action"] == "reuse"
    # A Contact made through asymbl-sf without any application.
    clock.advance(minutes=1)
    merge_candidate = {
        "model": {
            "first_name": "Al",
            "last_name": "One",
            "email_addresses": [{"value": "al@example.com", "email_address_type": "PERSONAL"}],
        }
    }
    alone = client.create_candidate(merge_candidate)["data"]["id"]
    rows = list(client.read("candidates", created_only=True))
    assert [r["id"] for r in rows] == [
        *(pipeline.ids[f"{k}.contact"] for k in ("ada", "ben", "cleo", "dan")),
        existing["id"],
        alone,
    ]
    assert rows[-1]["applications"] == []


def test_only_creations_are_recorded(client: Asymbl, pipeline: Pipeline) -> None:
    ledger = client.ledger
    assert ledger is not None
    before = ledger.ids(APPLICANT)
    payload = kombo("Ada", "Lovelace", "ada@example.com")
    again = client.create_application(payload, job_id=pipeline.ids["nurse"])
    assert again["actions"]["application"]["action"] == "exists"
    client.create_application(
        kombo("Dry", "Run", "dry@example.com"), job_id=pipeline.ids["nurse"], dry_run=True
    )
    assert ledger.ids(APPLICANT) == before
    assert ledger.ids("Contact") == {
        pipeline.ids[f"{k}.contact"] for k in ("ada", "ben", "cleo", "dan")
    }


def test_a_client_without_ledger_cannot_read_created_only(org: LocalOrg) -> None:
    client = Asymbl(org.salesforce(), ledger=False)
    assert client.ledger is None
    client.create_application(
        kombo("Ada", "Lovelace", "ada@example.com"), job_id="remote:Registered Nurse"
    )
    with pytest.raises(ConfigurationError) as caught:
        client.read("applications", created_only=True)
    assert "ledger=False" in str(caught.value)


def test_created_only_with_since_last(client: Asymbl, clock: Clock, pipeline: Pipeline) -> None:
    list(client.read("applications", created_only=True))
    clock.advance(hours=1)
    client.move_application_stage(pipeline.ids["cleo"], "Offer")
    rows = list(client.read("applications", created_only=True, since="last"))
    assert [r["id"] for r in rows] == [pipeline.ids["cleo"]]


def test_on_disk_org_keeps_its_ledger_in_the_state_folder(tmp_path: Path, state_dir: Path) -> None:
    client = connect_local(tmp_path / "org")
    result = client.create_application(
        kombo("Ada", "Lovelace", "ada@example.com"), job_id="remote:Registered Nurse"
    )
    path = state_dir / client.org_key / "created.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(line["sobject"], line["ids"]) for line in lines] == [
        ("Contact", [result["data"]["candidate_id"]]),
        (APPLICANT, [result["data"]["id"]]),
    ]
    # A new process (a new client of the same folder) reads it back.
    later = connect_local(tmp_path / "org")
    assert [r["id"] for r in later.read("applications", created_only=True)] == [
        result["data"]["id"]
    ]


def test_org_key_names_the_org_not_where_it_is_reached() -> None:
    session = "00D5g000004ABCD!AQ0AQH0dMHZfz972Szmpkb58urFRkgeBGsxL"
    assert org_key_for("Acme.my.salesforce.com", session_id=session) == "00D5g000004ABCD"
    assert org_key_for("acme--new.my.salesforce.com", session_id=session) == "00D5g000004ABCD"
    # A token of another shape (a test double's): the host, as before.
    assert org_key_for("Acme.my.salesforce.com", session_id="token") == "acme.my.salesforce.com"
    assert org_key_for("x.invalid", LocalOrg(seed_data=False)) == "local-memory"


# -- the ledger file --------------------------------------------------------------------------


def test_ledger_normalises_ids_and_refuses_non_ids(tmp_path: Path) -> None:
    ledger = CreatedLedger(tmp_path / "created.jsonl")
    contact = make_id("003", 7)
    ledger.record("Contact", [contact[:15]])
    assert ledger.ids("contact") == {contact}
    assert contact in ledger and contact[:15] in ledger and "nope" not in ledger
    with pytest.raises(ValueError):
        ledger.record("Contact", ["not-an-id"])


def test_ledger_survives_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "created.jsonl"
    first, second = make_id("003", 1), make_id("003", 2)
    ledger = CreatedLedger(path)
    ledger.record("Contact", [first])
    with path.open("ab") as handle:  # a crash in the middle of a write
        handle.write(b'{"sobject":"Contact","ids":["0038d00')
    assert ledger.ids("Contact") == {first}
    ledger.record("Contact", [second])
    assert ledger.ids("Contact") == {first, second}
    assert path.read_text().count("\n") == 3


def _append_many(path: str, worker: int) -> None:
    ledger = CreatedLedger(Path(path))
    for n in range(40):
        ledger.record("Contact", [make_id("003", worker * 1000 + n)])


def test_concurrent_appends_from_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "created.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    expected = {make_id("003", w * 1000 + n) for w in range(4) for n in range(40)}
    assert CreatedLedger(path).ids("Contact") == expected
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_an_unwritable_ledger_turns_into_a_warning(tmp_path: Path) -> None:
    blocked = tmp_path / "ledger-is-a-folder"
    blocked.mkdir()
    result = {
        "status": "success",
        "warnings": [],
        "actions": {"candidate": {"action": "create", "id": make_id("003", 1)}},
    }
    record_created(CreatedLedger(blocked), result)
    assert len(result["warnings"]) == 1
    assert result["warnings"][0]["message"].startswith(
        "created, but the ledger of created records could not be written"
    )
