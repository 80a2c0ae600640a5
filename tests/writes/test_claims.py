"""Runs on different machines: no lock on this machine holds them, so the org must. With an
org-side claim (``match.claim``: an External ID, unique field holding each new Contact's email),
a run that finds another one created the candidate since its lookups takes that Contact; the
applicant's unique Contact+job key does the same for applications.

The other machine is played by a record created straight in the org between this run's lookups
and its writes, the moment a race is lost."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.checks import check_org
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import Mapping, parse_mapping
from asymbl_sf.writes import facts
from benchmarks.synthetic import CLAIM, schema_with_claim
from tests.importing.helpers import kombo, results, write_jsonl

APPLICANT = "bpats__ATS_Applicant__c"
JOB = "remote:Registered Nurse"


def claim_mapping(claim: str | None = CLAIM, **match: str) -> Mapping:
    extra = "".join(f"      {k}: {v}\n" for k, v in match.items())
    text = (
        textwrap.dedent(
            """\
        version: 1
        extends: default
        objects:
          Contact:
            match:
              on: [Email]
        """
        )
        + (f"      claim: {claim}\n" if claim else "")
        + extra
    )
    return parse_mapping(text, source="org.yaml")


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(schema=schema_with_claim()) as local:
        yield local


class OtherMachine:
    """Creates records in the org right after this run's ``n``-th lookup, as a run on another
    machine would between our lookups and our writes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, after_lookup: int = 1) -> None:
        self.actions: list[Any] = []
        self.calls = 0
        original = facts.FactFinder.find

        def find(finder: Any, *args: Any, **kwargs: Any) -> Any:
            found = original(finder, *args, **kwargs)
            self.calls += 1
            if self.calls == after_lookup:
                for action in self.actions:
                    action()
            return found

        monkeypatch.setattr(facts.FactFinder, "find", find)

    def creates_contact(self, org: LocalOrg, email: str, *, claimed: bool = True) -> None:
        fields = {"LastName": "Other machine", "Email": email}
        if claimed:
            fields[CLAIM] = email.lower()
        self.actions.append(lambda: org.backend.create("Contact", fields))


def test_an_import_takes_the_contact_another_machine_claimed_meanwhile(
    org: LocalOrg, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = OtherMachine(monkeypatch)
    other.creates_contact(org, "b@example.com")
    client = Asymbl(org.salesforce(), mapping=claim_mapping())
    path = write_jsonl(tmp_path / "in.jsonl", [kombo(f"{x}@example.com") for x in ("a", "b", "c")])
    summary = client.import_records(path, job_id=JOB, api="rest")
    assert org.count("Contact") == 3  # not 4
    rows = results(summary.results_path)  # type: ignore[arg-type]
    assert [rows[n]["outcome"] for n in (1, 2, 3)] == ["created", "reused", "created"]
    assert "another run created this candidate" in " ".join(rows[2]["warnings"])
    theirs = next(c for c in org.records("Contact") if c["LastName"] == "Other machine")
    assert rows[2]["contact_id"] == theirs["Id"]
    assert {a["bpats__ATS_Applicant__c"] for a in org.records(APPLICANT)} >= {theirs["Id"]}
    assert {c[CLAIM] for c in org.records("Contact")} == {
        "a@example.com",
        "b@example.com",
        "c@example.com",
    }


def test_without_a_claim_the_same_race_leaves_two_contacts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with LocalOrg() as org:
        other = OtherMachine(monkeypatch)
        other.creates_contact(org, "b@example.com", claimed=False)
        client = Asymbl(org.salesforce())
        path = write_jsonl(tmp_path / "in.jsonl", [kombo("b@example.com")])
        client.import_records(path, job_id=JOB, api="rest")
        assert org.count("Contact") == 2  # what the claim is for


def test_a_single_action_decides_again_and_uses_the_other_contact(
    org: LocalOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = OtherMachine(monkeypatch)
    other.creates_contact(org, "frank.doe@example.com")
    client = Asymbl(org.salesforce(), mapping=claim_mapping())
    body = {
        "candidate": {"first_name": "F", "last_name": "D", "email_address": "frank.doe@example.com"}
    }
    answer = client.create_application(body, job_id=JOB)
    (contact,) = org.records("Contact")
    assert contact["LastName"] == "Other machine"
    assert answer["data"]["candidate"]["id"] == contact["Id"]
    assert answer["actions"]["candidate"]["action"] == "reuse"
    assert any("another run created" in w["message"] for w in answer["warnings"])
    assert org.count(APPLICANT) == 1


def test_an_application_another_run_created_meanwhile_is_taken_as_existing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with LocalOrg() as org:
        contact = org.backend.create("Contact", {"LastName": "Doe", "Email": "d@example.com"})
        job = next(j["Id"] for j in org.records("bpats__Job__c") if j["Name"] == "Registered Nurse")
        stage = next(
            s["Id"] for s in org.records("bpats__ATS_Stage__c") if s["bpats__Job__c"] == job
        )
        other = OtherMachine(monkeypatch)
        other.actions.append(
            lambda: org.backend.create(
                APPLICANT,
                {
                    "bpats__ATS_Applicant__c": contact["Id"],
                    "bpats__Job__c": job,
                    "bpats__Stage__c": stage,
                },
            )
        )
        client = Asymbl(org.salesforce())
        path = write_jsonl(tmp_path / "in.jsonl", [kombo("d@example.com")])
        summary = client.import_records(path, job_id=JOB, api="rest")
        assert org.count(APPLICANT) == 1
        row = results(summary.results_path)[1]  # type: ignore[arg-type]
        assert row["outcome"] == "exists"
        assert "another run created this application" in " ".join(row["warnings"])


def test_check_accepts_a_claim_field_and_names_what_is_wrong_with_one(org: LocalOrg) -> None:
    client = Asymbl(org.salesforce())
    good = check_org(client.api, claim_mapping())
    (item,) = good.find("match.claim")
    assert item.severity == "ok"
    typo = check_org(client.api, claim_mapping("Email_Kye__c"))
    (item,) = typo.find("match.claim")
    assert item.severity == "error" and "Email_Key__c" in str(item.suggestion)
    assert item.line == 7 and item.source == "org.yaml"
    phone = check_org(client.api, claim_mapping("Phone"))
    (item,) = phone.find("match.claim")
    assert "not an External ID" in item.message and "not Unique" in item.message


def test_a_claim_that_is_no_field_name_is_refused_when_the_mapping_loads() -> None:
    from asymbl_sf.errors import MappingError

    with pytest.raises(MappingError, match="claim must be a field name"):
        claim_mapping("Email Key")


def test_over_bulk_api_a_contact_claimed_since_the_scan_is_taken(
    org: LocalOrg, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from asymbl_sf.importing import engine

    original = engine.scan_org

    def scan_then_lose_the_race(*args: Any, **kwargs: Any) -> Any:
        done = original(*args, **kwargs)
        org.backend.create(
            "Contact",
            {"LastName": "Other machine", "Email": "b@example.com", CLAIM: "b@example.com"},
        )
        return done

    monkeypatch.setattr(engine, "scan_org", scan_then_lose_the_race)
    client = Asymbl(org.salesforce(), mapping=claim_mapping())
    path = write_jsonl(tmp_path / "in.jsonl", [kombo(f"{x}@example.com") for x in ("a", "b")])
    summary = client.import_records(path, job_id=JOB, api="bulk")
    assert org.count("Contact") == 2
    theirs = next(c for c in org.records("Contact") if c["LastName"] == "Other machine")
    assert results(summary.results_path)[2]["contact_id"] == theirs["Id"]  # type: ignore[arg-type]
    assert org.count(APPLICANT) == 2
