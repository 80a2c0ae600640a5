"""Passthrough keys (Kombo ``remote_fields``, Truto ``remote_data``) that no mapped field reads
are not written anywhere, and every one of them is named in a warning saying how to map it."""

from __future__ import annotations

from pathlib import Path

from asymbl_sf.mapping import load_mapping
from asymbl_sf.models import parse_application, parse_candidate
from asymbl_sf.writes.passthrough import unmapped_passthrough
from tests.models.helpers import JOB

KOMBO = {
    "candidate": {"first_name": "Ada", "last_name": "Byron", "email_address": "ada@example.com"},
    "remote_fields": {"greenhouse": {"x": 1}, "lever": 2},
}


def test_each_unmapped_remote_field_of_a_kombo_application_is_named() -> None:
    warnings = unmapped_passthrough(parse_application(KOMBO, job_id=JOB), load_mapping())
    assert [w.split(" ", 1)[0] for w in warnings] == [
        "remote_fields.greenhouse",
        "remote_fields.lever",
    ]
    assert all("MyField__c: {from: remote_fields." in w for w in warnings)


def test_each_unmapped_remote_data_key_of_a_truto_candidate_is_named() -> None:
    truto = {"first_name": "Ada", "last_name": "Byron", "emails": [{"email": "ada@example.com"}]}
    application = parse_candidate({**truto, "remote_data": {"custom": 1}}, job_id=JOB)
    warnings = unmapped_passthrough(application, load_mapping())
    assert [w.split(" ", 1)[0] for w in warnings] == ["remote_data.custom"]


def test_a_remote_field_the_mapping_reads_is_not_reported(tmp_path: Path) -> None:
    mapping_file = tmp_path / "mine.yaml"
    mapping_file.write_text(
        "version: 1\nextends: default\nobjects:\n  bpats__ATS_Applicant__c:\n"
        "    fields:\n      bpats__Internal_Source__c: {from: remote_fields.lever}\n",
        encoding="utf-8",
    )
    application = parse_application(KOMBO, job_id=JOB)
    warnings = unmapped_passthrough(application, load_mapping(mapping_file))
    assert [w.split(" ", 1)[0] for w in warnings] == ["remote_fields.greenhouse"]


def test_a_payload_without_passthrough_has_no_warning() -> None:
    plain = {key: value for key, value in KOMBO.items() if key != "remote_fields"}
    assert unmapped_passthrough(parse_application(plain, job_id=JOB), load_mapping()) == []
