"""The Bulk API 2.0 client under faults: nothing is ingested twice."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.salesforce.bulk import Bulk2
from tests.importing.helpers import APPLICANT, NO_WAIT, many, org_state, results, write_jsonl


def bulk(client: Asymbl) -> Bulk2:
    return Bulk2(client.api, retry=NO_WAIT)


def test_insert_costs_seven_calls_and_reports_every_row(client: Asymbl, org: LocalOrg) -> None:
    result = bulk(client).insert(
        "Contact", ["LastName", "Email"], [["A", "a@x.com"], ["", "b@x.com"]]
    )
    assert result is not None and result.state == "JobComplete"
    made = list(bulk(client).ingest_results(result.job_id, "successfulResults"))
    failed = list(bulk(client).ingest_results(result.job_id, "failedResults"))
    assert [r["Email"] for r in made] == ["a@x.com"]
    assert failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    assert org.calls.total == 7


def test_a_close_whose_answer_was_lost_is_checked_not_sent_again(
    client: Asymbl, org: LocalOrg
) -> None:
    org.faults.next(1, "lost_response", path="/jobs/ingest/[^/]+$", method="PATCH")
    result = bulk(client).insert("Contact", ["LastName"], [["A"], ["B"]])
    assert result is not None and result.state == "JobComplete"
    assert org.count("Contact") == 2 and org.calls["PATCH jobs/ingest"] == 1


def test_a_failed_upload_abandons_the_job_and_uses_a_new_one(client: Asymbl, org: LocalOrg) -> None:
    org.faults.next(1, "lost_response", path="/batches$", method="PUT")
    result = bulk(client).insert("Contact", ["LastName"], [["A"], ["B"]])
    assert result is not None and result.state == "JobComplete"
    assert org.count("Contact") == 2  # the first job's upload was never processed
    assert org.calls["POST jobs/ingest"] == 2


def test_no_rows_no_job(client: Asymbl, org: LocalOrg) -> None:
    assert bulk(client).insert("Contact", ["LastName"], []) is None
    assert org.calls.total == 0


def test_fields_the_org_lacks_fail_rows_before_any_job(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    org.load_schema(_schema_without_contact_title(org))
    records = many(3)
    for record in records:
        record["candidate"]["title"] = "Nurse"
    path = write_jsonl(tmp_path / "in.jsonl", records)
    summary = client.import_records(path, api="bulk")
    rows = results(tmp_path / "in.jsonl.results.jsonl")
    assert summary.outcomes == {"failed": 3}
    assert rows[1]["error_code"] == "INVALID_PAYLOAD"  # the org's describe says: no Title
    assert "Title" in rows[1]["message"]
    assert org.calls["POST jobs/ingest"] == 0


def test_row_locks_in_a_bulk_job_go_again_in_a_new_job(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    locked = {"n": 0}

    def lock_first_two(sobject: str, body: dict[str, object]) -> bool:
        if sobject == APPLICANT and locked["n"] < 2:
            locked["n"] += 1
            return True
        return False

    org.faults.on_records("UNABLE_TO_LOCK_ROW", lock_first_two)
    summary = client.import_records(write_jsonl(tmp_path / "in.jsonl", many(10)), api="bulk")
    assert summary.outcomes == {"created": 10}
    assert org.calls["POST jobs/ingest"] == 3
    _, applications = org_state(org)
    assert len(applications) == 10 and set(applications.values()) == {1}


def test_a_bulk_job_failing_as_a_whole_fails_rows_with_its_message(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    original = Bulk2.insert

    def insert_bad_column(self: Bulk2, sobject: str, header: list[str], rows: object) -> object:
        return original(self, sobject, [*header[:-1], "NoSuchField__c"], rows)  # type: ignore

    with mock.patch.object(Bulk2, "insert", insert_bad_column):
        summary = client.import_records(write_jsonl(tmp_path / "in.jsonl", many(3)), api="bulk")
    rows = results(tmp_path / "in.jsonl.results.jsonl")
    assert summary.outcomes == {"failed": 3}
    assert rows[1]["error_code"] == "BULK_JOB_FAILED"
    assert "NoSuchField__c" in rows[1]["message"]


def _schema_without_contact_title(org: LocalOrg) -> object:
    from asymbl_sf.schema import OrgSchema, SObjectDescribe

    describes = []
    for describe in OrgSchema.packaged():
        body = describe.to_json()
        if describe.name == "Contact":
            body["fields"] = [f for f in body["fields"] if f["name"] != "Title"]
        describes.append(SObjectDescribe.model_validate(body))
    return OrgSchema(describes)
