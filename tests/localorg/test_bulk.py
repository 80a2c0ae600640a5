"""Bulk API 2.0 ingest on the local org, driven through simple-salesforce's real ``bulk2`` client.

Every test passes ``wait=0`` (or polls by hand): the client otherwise sleeps 5 s before its first
poll. Results are fetched with the documented lowercase ``unprocessedrecords`` path through the
client's ``get_ingest_results``.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.bulk2 import ColumnDelimiter, LineEnding, Operation
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceResourceNotFound,
)

from asymbl_sf.localorg import LocalOrg


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as local:
        yield local


@pytest.fixture
def sf(org: LocalOrg) -> Any:
    return org.salesforce()


def rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def error_code(exc: Any) -> str:
    return str(exc.content[0]["errorCode"])


def unprocessed(sf: Any, sobject: str, job_id: str) -> str:
    return str(getattr(sf.bulk2, sobject)._client.get_ingest_results(job_id, "unprocessedrecords"))


def write_csv(path: Path, header: list[str], data: list[list[str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(data)
    return str(path)


def insert_contacts(sf: Any, count: int, prefix: str = "p") -> list[str]:
    result = sf.bulk2.Contact.insert(
        records=[
            {"LastName": f"Last{i}", "Email": f"{prefix}{i}@example.com"} for i in range(count)
        ],
        wait=0,
    )
    ok = rows(sf.bulk2.Contact.get_successful_records(result[0]["job_id"]))
    return [row["sf__Id"] for row in ok]


# -- insert -------------------------------------------------------------------------------------


def test_insert_5000_rows_reports_each_failed_row(org: LocalOrg, sf: Any, tmp_path: Path) -> None:
    no_last_name = {17, 1234, 4999}
    bad_email = {3, 2500}
    data = []
    for i in range(5000):
        last = "" if i in no_last_name else f"Last{i}"
        email = f"not-an-email-{i}" if i in bad_email else f"person{i}@example.com"
        data.append([str(i), f"First{i}", last, email])
    path = write_csv(tmp_path / "contacts.csv", ["Title", "FirstName", "LastName", "Email"], data)
    before = org.count("Contact")

    result = sf.bulk2.Contact.insert(csv_file=path, wait=0)

    assert len(result) == 1
    job = result[0]
    assert job["numberRecordsTotal"] == 5000
    assert job["numberRecordsProcessed"] == 5000  # Salesforce counts failed rows as processed
    assert job["numberRecordsFailed"] == 5
    assert org.count("Contact") == before + 4995

    failed = rows(sf.bulk2.Contact.get_failed_records(job["job_id"]))
    by_title = {row["Title"]: row for row in failed}
    assert set(by_title) == {str(i) for i in no_last_name | bad_email}
    for i in no_last_name:
        row = by_title[str(i)]
        assert row["sf__Id"] == ""
        assert row["sf__Error"] == (
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
        )
        assert row["FirstName"] == f"First{i}" and row["Email"] == f"person{i}@example.com"
    for i in bad_email:
        row = by_title[str(i)]
        assert row["sf__Error"].startswith("INVALID_EMAIL_ADDRESS:")
        assert row["sf__Error"].endswith(":Email --")
        assert row["Email"] == f"not-an-email-{i}" and row["LastName"] == f"Last{i}"

    ok = rows(sf.bulk2.Contact.get_successful_records(job["job_id"]))
    assert len(ok) == 4995
    assert all(row["sf__Created"] == "true" for row in ok)
    sample = next(row for row in ok if row["Title"] == "42")
    stored = org.get(sample["sf__Id"])
    assert stored is not None
    assert stored["LastName"] == "Last42" and stored["Email"] == "person42@example.com"
    assert unprocessed(sf, "Contact", job["job_id"]) == '"Title","FirstName","LastName","Email"\n'


def test_results_are_quoted_csv_with_sf_columns_first(sf: Any) -> None:
    result = sf.bulk2.Contact.insert(records=[{"LastName": 'Smith, "Jr"'}], wait=0)
    text = sf.bulk2.Contact.get_successful_records(result[0]["job_id"])
    header, line = text.splitlines()
    assert header == '"sf__Id","sf__Created","LastName"'
    assert line.endswith('","true","Smith, ""Jr"""')
    failed = sf.bulk2.Contact.get_failed_records(result[0]["job_id"])
    assert failed == '"sf__Id","sf__Error","LastName"\n'


def test_empty_cell_leaves_unset_and_na_sets_null(org: LocalOrg, sf: Any) -> None:
    result = sf.bulk2.Contact.insert(
        records=[{"LastName": "Blank", "Title": "", "Department": "#N/A"}], wait=0
    )
    ok = rows(sf.bulk2.Contact.get_successful_records(result[0]["job_id"]))
    record = org.get(ok[0]["sf__Id"])
    assert record is not None
    assert record.get("Title") is None and record.get("Department") is None


def test_other_delimiter_and_line_ending(org: LocalOrg, sf: Any) -> None:
    result = sf.bulk2.Contact.insert(
        records=[{"LastName": "Tab|bed", "Email": "tab@example.com"}],
        column_delimiter=ColumnDelimiter.TAB,
        line_ending=LineEnding.CRLF,
        wait=0,
    )
    assert result[0]["numberRecordsFailed"] == 0
    text = sf.bulk2.Contact.get_successful_records(result[0]["job_id"])
    assert "\r\n" in text and "\t" in text
    (row,) = rows(text, delimiter="\t")
    assert org.get(row["sf__Id"])["LastName"] == "Tab|bed"  # type: ignore[index]


def test_record_faults_apply_per_row(org: LocalOrg, sf: Any) -> None:
    org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        lambda sobject, body: body.get("LastName") == "Blocked",
        message="Blocked by a validation rule",
    )
    result = sf.bulk2.Contact.insert(
        records=[{"LastName": "Blocked"}, {"LastName": "Allowed"}], wait=0
    )
    assert result[0]["numberRecordsFailed"] == 1
    (failed,) = rows(sf.bulk2.Contact.get_failed_records(result[0]["job_id"]))
    assert failed["sf__Error"] == (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION:Blocked by a validation rule:--"
    )


def test_value_of_wrong_type_fails_only_that_row(sf: Any) -> None:
    result = sf.bulk2.Contact.insert(
        records=[
            {"LastName": "Ok", "Birthdate": "1990-01-31"},
            {"LastName": "Bad", "Birthdate": "31/01/1990"},
        ],
        wait=0,
    )
    assert result[0]["numberRecordsFailed"] == 1
    (failed,) = rows(sf.bulk2.Contact.get_failed_records(result[0]["job_id"]))
    assert failed["LastName"] == "Bad"
    assert failed["sf__Error"].startswith("INVALID_FIELD:Failed to deserialize field at col ")
    assert "xsd:date" in failed["sf__Error"]


def test_relationship_column_finds_the_parent_by_idlookup(org: LocalOrg, sf: Any) -> None:
    job = next(j for j in org.records("bpats__Job__c") if j["Name"] == "Registered Nurse")
    stage = next(s for s in org.records("bpats__ATS_Stage__c") if s["bpats__Job__c"] == job["Id"])
    (contact_id,) = insert_contacts(sf, 1)
    result = sf.bulk2.bpats__ATS_Applicant__c.insert(
        records=[
            {
                "bpats__ATS_Applicant__c": contact_id,
                "bpats__Job__r.Name": "Registered Nurse",
                "bpats__Stage__c": stage["Id"],
            },
            {
                "bpats__ATS_Applicant__c": contact_id,
                "bpats__Job__r.Name": "No Such Job",
                "bpats__Stage__c": stage["Id"],
            },
        ],
        wait=0,
    )
    assert result[0]["numberRecordsFailed"] == 1
    (ok,) = rows(sf.bulk2.bpats__ATS_Applicant__c.get_successful_records(result[0]["job_id"]))
    assert org.get(ok["sf__Id"])["bpats__Job__c"] == job["Id"]  # type: ignore[index]
    (failed,) = rows(sf.bulk2.bpats__ATS_Applicant__c.get_failed_records(result[0]["job_id"]))
    assert failed["sf__Error"].startswith(
        "INVALID_FIELD:Foreign key external ID: No Such Job not found for field Name"
    )


def test_unknown_column_fails_the_whole_job(org: LocalOrg, sf: Any) -> None:
    before = org.count("Contact")
    with pytest.raises(SalesforceOperationError, match="Field name not found : Nickname__c"):
        sf.bulk2.Contact.insert(records=[{"LastName": "X", "Nickname__c": "Y"}], wait=0)
    assert org.count("Contact") == before


# -- upsert, update, delete ---------------------------------------------------------------------


def test_upsert_by_external_id_updates_or_creates(org: LocalOrg, sf: Any) -> None:
    existing = insert_contacts(sf, 2, prefix="up")
    result = sf.bulk2.Contact.upsert(
        records=[
            {"Email": "up0@example.com", "LastName": "Renamed"},
            {"Email": "new@example.com", "LastName": "Fresh"},
            {"Email": "", "LastName": "NoKey"},
        ],
        external_id_field="Email",
        wait=0,
    )
    assert result[0]["numberRecordsProcessed"] == 3
    assert result[0]["numberRecordsFailed"] == 1

    ok = {
        row["Email"]: row
        for row in rows(sf.bulk2.Contact.get_successful_records(result[0]["job_id"]))
    }
    assert ok["up0@example.com"]["sf__Id"] == existing[0]
    assert ok["up0@example.com"]["sf__Created"] == "false"
    assert ok["new@example.com"]["sf__Created"] == "true"
    assert org.get(existing[0])["LastName"] == "Renamed"  # type: ignore[index]
    assert org.get(existing[1])["LastName"] == "Last1"  # type: ignore[index]
    (failed,) = rows(sf.bulk2.Contact.get_failed_records(result[0]["job_id"]))
    assert failed["LastName"] == "NoKey"
    assert failed["sf__Error"].startswith("MISSING_ARGUMENT:")


def test_upsert_job_needs_an_external_id_field(sf: Any) -> None:
    client = sf.bulk2.Contact._client
    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.create_job(Operation.upsert, external_id_field="LastName")
    assert error_code(refused.value) == "INVALIDJOB"
    info = client.create_job(Operation.upsert, external_id_field="Email")
    assert info["externalIdFieldName"] == "Email"


def test_update_changes_given_fields_only(org: LocalOrg, sf: Any) -> None:
    ids = insert_contacts(sf, 3, prefix="upd")
    result = sf.bulk2.Contact.update(
        records=[
            {"Id": ids[0], "Title": "Nurse", "Email": ""},
            {"Id": ids[1], "Title": "#N/A", "Email": "changed@example.com"},
            {"Id": "003notanid", "Title": "x", "Email": ""},
            {"Id": ids[2], "Title": "", "Email": "broken"},
        ],
        wait=0,
    )
    assert result[0]["numberRecordsProcessed"] == 4
    assert result[0]["numberRecordsFailed"] == 2

    first, second, third = (org.get(i) for i in ids)
    assert first is not None and second is not None and third is not None
    assert first["Title"] == "Nurse" and first["Email"] == "upd0@example.com"
    assert second.get("Title") is None and second["Email"] == "changed@example.com"
    assert third["Email"] == "upd2@example.com"

    ok = rows(sf.bulk2.Contact.get_successful_records(result[0]["job_id"]))
    assert [(r["sf__Id"], r["sf__Created"]) for r in ok] == [(ids[0], "false"), (ids[1], "false")]
    failed = {
        row["Id"]: row for row in rows(sf.bulk2.Contact.get_failed_records(result[0]["job_id"]))
    }
    assert failed["003notanid"]["sf__Error"].startswith("MALFORMED_ID:")
    assert failed[ids[2]]["sf__Id"] == ids[2]
    assert failed[ids[2]]["sf__Error"].startswith("INVALID_EMAIL_ADDRESS:")


def test_update_without_id_column_fails_the_job(sf: Any) -> None:
    with pytest.raises(SalesforceOperationError, match="Field name not found : Id"):
        sf.bulk2.Contact.update(records=[{"LastName": "X"}], wait=0)


def test_delete_soft_deletes_and_reports_missing_ids(org: LocalOrg, sf: Any) -> None:
    ids = insert_contacts(sf, 3, prefix="del")
    result = sf.bulk2.Contact.delete(records=[{"Id": ids[0]}, {"Id": ids[1]}], wait=0)
    assert result[0]["numberRecordsFailed"] == 0
    assert org.get(ids[0])["IsDeleted"] is True  # type: ignore[index]
    assert org.get(ids[2])["IsDeleted"] is False  # type: ignore[index]
    soql = f"SELECT Id FROM Contact WHERE Id = '{ids[0]}'"
    assert sf.query_all(soql, include_deleted=True)["totalSize"] == 1
    assert sf.query_all(soql)["totalSize"] == 0

    again = sf.bulk2.Contact.delete(records=[{"Id": ids[0]}, {"Id": ids[2]}], wait=0)
    assert again[0]["numberRecordsFailed"] == 1
    (failed,) = rows(sf.bulk2.Contact.get_failed_records(again[0]["job_id"]))
    assert failed["sf__Id"] == ids[0]
    assert failed["sf__Error"] == "ENTITY_IS_DELETED:entity is deleted:--"


def test_hard_delete_removes_the_record(org: LocalOrg, sf: Any) -> None:
    (contact_id,) = insert_contacts(sf, 1, prefix="hard")
    result = sf.bulk2.Contact.hard_delete(records=[{"Id": contact_id}], wait=0)
    assert result[0]["numberRecordsFailed"] == 0
    assert org.get(contact_id) is None
    soql = f"SELECT Id FROM Contact WHERE Id = '{contact_id}'"
    assert sf.query_all(soql, include_deleted=True)["totalSize"] == 0


# -- job lifecycle ------------------------------------------------------------------------------


def test_job_lifecycle_and_polling(org: LocalOrg, sf: Any) -> None:
    client = sf.bulk2.Contact._client
    info = client.create_job(Operation.insert)
    job_id = info["id"]
    assert job_id.startswith("750") and len(job_id) == 18
    assert info["state"] == "Open" and info["object"] == "Contact"
    version = sf.sf_version  # the version of the URL the job was created through
    assert info["contentUrl"] == f"services/data/v{version}/jobs/ingest/{job_id}/batches"
    assert info["apiVersion"] == float(version) and info["concurrencyMode"] == "Parallel"

    with pytest.raises(SalesforceMalformedRequest) as early:
        client.get_ingest_results(job_id, "successfulResults")
    assert error_code(early.value) == "INVALIDJOBSTATE"

    client.upload_job_data(job_id, "LastName\nOne\n")
    client.upload_job_data(job_id, "LastName\nTwo\n")  # uploads append
    closed = client.close_job(job_id)
    assert closed["state"] == "UploadComplete"

    first = client.get_job(job_id, False)
    assert first["state"] == "InProgress"
    done = client.get_job(job_id, False)
    assert done["state"] == "JobComplete"
    assert done["numberRecordsProcessed"] == 2 and done["numberRecordsFailed"] == 0
    assert done["jobType"] == "V2Ingest" and done["retries"] == 0
    for key in ("totalProcessingTime", "apiActiveProcessingTime", "apexProcessingTime"):
        assert isinstance(done[key], int)

    with pytest.raises(SalesforceMalformedRequest) as twice:
        client.close_job(job_id)
    assert error_code(twice.value) == "INVALIDJOBSTATE"
    with pytest.raises(SalesforceMalformedRequest) as late:
        client.upload_job_data(job_id, "LastName\nThree\n")
    assert error_code(late.value) == "INVALIDJOBSTATE"
    assert {
        r["LastName"] for r in rows(client.get_ingest_results(job_id, "successfulResults"))
    } == {"One", "Two"}
    assert org.calls["PUT jobs/ingest batches"] == 3  # the refused upload counts too


def test_abort_leaves_rows_unprocessed(org: LocalOrg, sf: Any) -> None:
    client = sf.bulk2.Contact._client
    before = org.count("Contact")
    job_id = client.create_job(Operation.insert)["id"]
    client.upload_job_data(job_id, "LastName,Email\nA,a@example.com\nB,b@example.com\n")
    aborted = client.abort_job(job_id, False)
    assert aborted["state"] == "Aborted"
    info = client.get_job(job_id, False)
    assert info["state"] == "Aborted" and info["numberRecordsProcessed"] == 0
    assert org.count("Contact") == before
    assert unprocessed(sf, "Contact", job_id) == (
        '"LastName","Email"\n"A","a@example.com"\n"B","b@example.com"\n'
    )
    assert client.get_ingest_results(job_id, "successfulResults") == (
        '"sf__Id","sf__Created","LastName","Email"\n'
    )
    with pytest.raises(SalesforceMalformedRequest):
        client.close_job(job_id)
    with pytest.raises(SalesforceOperationError, match="Job failure"):
        client.wait_for_job(job_id, False, 0)


def test_unknown_object_and_bad_operation_are_refused(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.bulk2.NoSuchThing__c._client.create_job(Operation.insert)
    assert error_code(unknown.value) == "INVALIDJOB"
    with pytest.raises(SalesforceMalformedRequest) as bad:
        sf.bulk2.Contact._client.create_job("merge")
    assert error_code(bad.value) == "INVALIDJOB"
    with pytest.raises(SalesforceResourceNotFound):
        sf.bulk2.Contact._client.get_job("7508d0000000999AAA", False)


def test_list_and_delete_jobs(sf: Any) -> None:
    client = sf.bulk2.Contact._client
    open_id = client.create_job(Operation.insert)["id"]
    done = sf.bulk2.Contact.insert(records=[{"LastName": "Listed"}], wait=0)[0]["job_id"]
    listing = sf.session.get(sf.bulk2_url + "ingest", headers=client.headers).json()
    assert listing["done"] is True and listing["nextRecordsUrl"] is None
    assert {j["id"] for j in listing["records"]} == {open_id, done}

    refused = sf.session.delete(sf.bulk2_url + f"ingest/{open_id}", headers=client.headers)
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "INVALIDJOBSTATE"
    deleted = sf.session.delete(sf.bulk2_url + f"ingest/{done}", headers=client.headers)
    assert deleted.status_code == 204
    with pytest.raises(SalesforceResourceNotFound):
        client.get_job(done, False)


def test_line_ending_mismatch_fails_the_job(sf: Any) -> None:
    client = sf.bulk2.Contact._client
    job_id = client.create_job(Operation.insert)["id"]  # LF
    client.upload_job_data(job_id, "LastName\r\nCrlf\r\n")
    client.close_job(job_id)
    with pytest.raises(SalesforceOperationError, match="LineEnding is invalid"):
        client.wait_for_job(job_id, False, 0)
    assert rows(unprocessed(sf, "Contact", job_id)) == [{"LastName": "Crlf"}]


def test_client_get_unprocessed_records(sf: Any) -> None:
    client = sf.bulk2.Contact._client
    job_id = client.create_job(Operation.insert)["id"]
    client.upload_job_data(job_id, "LastName\nA\n")
    client.abort_job(job_id, False)
    assert rows(sf.bulk2.Contact.get_unprocessed_records(job_id)) == [{"LastName": "A"}]


@pytest.mark.slow
def test_100k_rows_process_well_under_a_minute(org: LocalOrg, sf: Any, tmp_path: Path) -> None:
    data = [[f"Last{i}", f"bulk{i}@example.com"] for i in range(100_000)]
    path = write_csv(tmp_path / "big.csv", ["LastName", "Email"], data)
    start = time.perf_counter()
    result = sf.bulk2.Contact.insert(csv_file=path, wait=0)
    elapsed = time.perf_counter() - start
    assert result[0]["numberRecordsProcessed"] == 100_000
    assert result[0]["numberRecordsFailed"] == 0
    assert elapsed < 45
