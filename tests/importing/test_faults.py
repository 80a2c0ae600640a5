"""Faults during an import: retries, lost answers, crashes, the daily limit. Nothing twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.importing import ImportProgress
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.org import SESSION_ID
from tests.importing.helpers import (
    APPLICANT,
    NO_WAIT,
    all_rows,
    many,
    org_state,
    results,
    write_jsonl,
)

RECORDS = many(600, distinct=500)  # 100 in-file duplicates (same email, same job)


def import_into(org: LocalOrg, path: Path, **options: object) -> object:
    client = Asymbl(org.salesforce(), retry=NO_WAIT)
    client.api.renew = lambda: SESSION_ID
    return client.import_records(path, **options)  # type: ignore[arg-type]


def fault_free_state(tmp_path: Path, api: str) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    with LocalOrg() as clean:
        import_into(clean, write_jsonl(tmp_path / "clean.jsonl", RECORDS), api=api, chunk_size=200)
        return org_state(clean)


@pytest.mark.parametrize("api", ["rest", "bulk"])
@pytest.mark.parametrize("seed", [1, 2])
def test_transient_faults_at_ten_percent_change_nothing_in_the_end(
    org: LocalOrg, tmp_path: Path, api: str, seed: int
) -> None:
    expected = fault_free_state(tmp_path, api)
    org.faults.at_rate(0.1, seed=seed)
    summary = import_into(org, write_jsonl(tmp_path / "in.jsonl", RECORDS), api=api, chunk_size=200)
    org.faults.clear()
    assert org_state(org) == expected
    assert summary.outcomes == {"created": 500, "exists": 100}  # type: ignore[attr-defined]


def test_lost_answers_on_creates_are_looked_up_not_repeated(org: LocalOrg, tmp_path: Path) -> None:
    org.faults.next(3, "lost_response", path="/composite$", method="POST")
    summary = import_into(org, write_jsonl(tmp_path / "in.jsonl", many(1500)), api="rest")
    emails, applications = org_state(org)
    assert len(emails) == 1500 and set(emails.values()) == {1}
    assert len(applications) == 1500 and set(applications.values()) == {1}
    assert summary.outcomes == {"created": 1500}  # type: ignore[attr-defined]


def test_row_locks_inside_a_collection_are_tried_again(org: LocalOrg, tmp_path: Path) -> None:
    org.faults.next(2, "row_lock", path="composite/sobjects", method="POST")
    summary = import_into(org, write_jsonl(tmp_path / "in.jsonl", many(150)), api="rest")
    assert summary.outcomes == {"created": 150}  # type: ignore[attr-defined]
    assert org.count(APPLICANT) == 150


def test_killed_half_way_then_rerun_makes_everything_exactly_once(
    org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", RECORDS)

    def crash(report: ImportProgress) -> None:
        if report.phase == "writing" and report.done >= 200:
            raise KeyboardInterrupt  # what Ctrl-C (or a kill between chunks) leaves behind

    with pytest.raises(KeyboardInterrupt):
        import_into(org, path, chunk_size=100, progress=crash)
    done_before = len(results(tmp_path / "in.jsonl.results.jsonl"))
    assert 0 < done_before < 600

    summary = import_into(org, path, chunk_size=100)
    emails, applications = org_state(org)
    assert len(emails) == 500 and set(emails.values()) == {1}
    assert len(applications) == 500 and set(applications.values()) == {1}
    assert summary.skipped == done_before  # type: ignore[attr-defined]
    rows = all_rows(tmp_path / "in.jsonl.results.jsonl")
    assert len(rows) == 600 and len({r["line"] for r in rows}) == 600  # no line twice


def test_applications_that_keep_failing_leave_contacts_the_rerun_reuses(
    org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", many(50))
    org.faults.on_records("UNABLE_TO_LOCK_ROW", lambda sobject, body: sobject == APPLICANT)
    first = import_into(org, path)
    assert first.outcomes == {"failed": 50}  # type: ignore[attr-defined]
    assert results(tmp_path / "in.jsonl.results.jsonl")[1]["error_code"] == "UNABLE_TO_LOCK_ROW"
    assert org.count("Contact") == 50 and org.count(APPLICANT) == 0
    org.faults.clear()
    second = import_into(org, path)
    assert second.outcomes == {"reused": 50}  # type: ignore[attr-defined]
    assert org.count("Contact") == 50 and org.count(APPLICANT) == 50


@pytest.mark.parametrize("api", ["rest", "bulk"])
def test_daily_limit_stops_cleanly_and_the_same_command_resumes(
    org: LocalOrg, tmp_path: Path, api: str
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", RECORDS)

    def limit_after_first_chunk(report: ImportProgress) -> None:
        if report.phase == "writing" and report.done == 200:
            org.faults.next(1, "request_limit", path="composite/sobjects", method="POST")

    if api == "rest":  # the Contact write of the second chunk meets the limit
        stopped = import_into(org, path, api=api, chunk_size=200, progress=limit_after_first_chunk)
    else:  # the Contact job cannot be created
        org.faults.next(1, "request_limit", path="/jobs/ingest$", method="POST")
        stopped = import_into(org, path, api=api)
    assert stopped.stopped_reason == "request_limit"  # type: ignore[attr-defined]
    assert stopped.pending > 0  # type: ignore[attr-defined]
    assert "rerun the same command to resume" in stopped.text()  # type: ignore[attr-defined]
    assert not stopped.ok  # type: ignore[attr-defined]

    resumed = import_into(org, path, api=api)
    assert resumed.stopped_reason is None  # type: ignore[attr-defined]
    emails, applications = org_state(org)
    assert len(emails) == 500 and set(emails.values()) == {1}
    assert len(applications) == 500 and set(applications.values()) == {1}
    finals = results(tmp_path / "in.jsonl.results.jsonl")
    assert len(finals) == 600
    assert {r["outcome"] for r in finals.values()} <= {"created", "reused", "exists"}


def test_expired_session_is_renewed_and_the_import_goes_on(org: LocalOrg, tmp_path: Path) -> None:
    org.faults.next(1, "expired_session", path="/composite$")
    summary = import_into(org, write_jsonl(tmp_path / "in.jsonl", many(20)))
    assert summary.outcomes == {"created": 20}  # type: ignore[attr-defined]


def test_concurrent_writes_under_faults_still_make_everything_once(
    org: LocalOrg, tmp_path: Path
) -> None:
    records = many(3000, distinct=2800)
    org.faults.at_rate(0.1, seed=7)
    summary = import_into(
        org,
        write_jsonl(tmp_path / "in.jsonl", records),
        api="rest",
        chunk_size=3000,
        max_concurrency=3,
    )  # three write calls at once
    org.faults.clear()
    emails, applications = org_state(org)
    assert len(emails) == 2800 and set(emails.values()) == {1}
    assert len(applications) == 2800 and set(applications.values()) == {1}
    assert summary.outcomes == {"created": 2800, "exists": 200}  # type: ignore[attr-defined]
