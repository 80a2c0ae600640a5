"""Delta reads: since, the overlap, watermarks per model and org, deletions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from asymbl_sf import Asymbl, ConfigurationError
from asymbl_sf.connect import connect_local
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.reading.delta import EdgeTracker, Watermark, parse_since
from tests.reading.helpers import INSTANCE, Clock, Pipeline, iso, kombo, sf_stamp


def ids(rows: list[dict]) -> list[str]:
    return [r["id"] for r in rows]


def test_since_last_returns_exactly_what_changed_after_the_watermark(
    client: Asymbl, clock: Clock, pipeline: Pipeline
) -> None:
    first = client.read("applications")
    assert len(list(first)) == 4
    assert first.stats.watermark == sf_stamp(pipeline.at["dan.withdrew"])

    moved = clock.advance(hours=1)
    client.move_application_stage(pipeline.ids["ada"], "Interview")
    second = client.read("applications", since="last")
    rows = list(second)
    assert ids(rows) == [pipeline.ids["ada"]]
    assert rows[0]["current_stage"]["name"] == "Interview"
    assert rows[0]["changed_at"] == iso(moved)
    # Ben, Cleo and Dan changed within the overlap before the watermark: read again from
    # Salesforce, recognised, not returned.
    assert second.stats.skipped == 3
    assert second.stats.since == pipeline.at["dan.withdrew"] - timedelta(minutes=5)

    third = client.read("applications", since="last")
    assert list(third) == []
    assert third.stats.watermark == sf_stamp(moved)


def test_overlap_catches_a_row_committed_with_an_earlier_stamp(
    client: Asymbl, clock: Clock, pipeline: Pipeline
) -> None:
    list(client.read("applications"))
    # A transaction that started two minutes before the watermark commits only now.
    clock.now = pipeline.at["dan.withdrew"] - timedelta(minutes=2)
    late = client.create_application(
        kombo("Eve", "Late", "eve@example.com"), job_id=pipeline.ids["nurse"]
    )["data"]["id"]
    assert ids(list(client.read("applications", since="last"))) == [late]


def test_deleted_contact_shows_with_remote_deleted_at(
    client: Asymbl, clock: Clock, pipeline: Pipeline
) -> None:
    list(client.read("candidates"))
    deleted_at = clock.advance(hours=2)
    contact = pipeline.ids["ada.contact"]
    client.sf.Contact.delete(contact)
    assert list(client.read("candidates", since="last")) == [
        {
            "id": contact,
            "remote_id": contact,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company": None,
            "title": None,
            "confidential": None,
            "source": None,
            "phone_numbers": [],
            "email_addresses": [{"email_address": "ada@example.com", "type": None}],
            "social_media": [],
            "location": dict.fromkeys(
                ("city", "country", "raw", "state", "street_1", "street_2", "zip_code")
            ),
            "custom_fields": {
                "bpats__Contact_Relationship__c": None,
                "bpats__Earliest_Available_Date__c": None,
                "bpats__Desired_Salary__c": None,
                "bpats__Current_Salary__c": None,
            },
            "integration_fields": [],
            "remote_url": f"{INSTANCE}/{contact}",
            "remote_created_at": iso(pipeline.at["ada"]),
            "remote_updated_at": iso(pipeline.at["ada"]),
            "remote_data": None,
            "changed_at": iso(deleted_at),
            "remote_deleted_at": iso(deleted_at),
            "applications": [],
            "tags": [],
        }
    ]


def test_deleted_application_in_a_delta_and_with_include_deleted(
    client: Asymbl, clock: Clock, pipeline: Pipeline
) -> None:
    list(client.read("applications"))
    deleted_at = clock.advance(minutes=30)
    client.sf.bpats__ATS_Applicant__c.delete(pipeline.ids["cleo"])
    delta = list(client.read("applications", since="last"))
    assert [(r["id"], r["remote_deleted_at"]) for r in delta] == [
        (pipeline.ids["cleo"], iso(deleted_at))
    ]
    assert len(list(client.read("applications"))) == 3
    full = client.read("applications", include_deleted=True)
    assert [r["remote_deleted_at"] for r in full] == [None, None, None, iso(deleted_at)]
    assert full.stats.deleted == 1


@pytest.mark.parametrize(
    "since",
    [
        datetime(2026, 3, 2, 10, 6, tzinfo=timezone.utc),
        datetime(2026, 3, 2, 10, 6),  # naive: UTC
        "2026-03-02T10:06:00Z",
        "2026-03-02T12:06:00+02:00",
        "2026-03-02T10:06:00.000+0000",
    ],
)
def test_explicit_since_starts_the_overlap_before_it(
    client: Asymbl, pipeline: Pipeline, since: datetime | str
) -> None:
    stream = client.read("applications", since=since)
    # Everything changed after 10:01 (10:06 minus five minutes): not Ada (10:01 exactly).
    assert ids(list(stream)) == [pipeline.ids[k] for k in ("ben", "cleo", "dan")]
    assert stream.stats.since == datetime(2026, 3, 2, 10, 1, tzinfo=timezone.utc)


def test_since_last_without_a_watermark_reads_everything(
    client: Asymbl, pipeline: Pipeline
) -> None:
    stream = client.read("jobs", since="last")
    assert len(list(stream)) == 2
    assert stream.stats.no_watermark
    assert stream.stats.since is None


def test_watermark_is_saved_only_when_the_read_completes(
    client: Asymbl, pipeline: Pipeline
) -> None:
    stream = client.read("applications")
    next(stream)  # the consumer stops early: nothing is saved
    assert stream.stats.watermark is None and not stream.stats.complete
    again = client.read("applications", since="last")
    assert len(list(again)) == 4
    assert again.stats.no_watermark


def test_watermarks_are_kept_per_model_and_scope(client: Asymbl, pipeline: Pipeline) -> None:
    list(client.read("applications", created_only=True))
    list(client.read("candidates", all_contacts=True))
    # Narrowed reads leave their own watermarks: a full delta read must not start from them.
    full = client.read("applications", since="last")
    assert len(list(full)) == 4 and full.stats.no_watermark
    contacts = client.read("candidates", since="last")
    assert len(list(contacts)) == 4 and contacts.stats.no_watermark
    narrowed = client.read("candidates", since="last", all_contacts=True)
    assert list(narrowed) == [] and not narrowed.stats.no_watermark


def test_watermarks_live_in_the_state_folder_one_per_org(tmp_path: Path, state_dir: Path) -> None:
    first = connect_local(tmp_path / "org-a")
    second = connect_local(tmp_path / "org-b")
    assert first.org_key != second.org_key
    assert first.org_key.startswith("local-")
    list(first.read("users"))
    saved = json.loads((state_dir / first.org_key / "watermarks" / "users.json").read_text())
    assert saved == {
        "watermark": "2026-01-05T09:00:00.000+0000",
        "edge": {
            first.local_org.records("User")[0]["Id"]:  # type: ignore[attr-defined]
            "2026-01-05T09:00:00.000+0000"
        },
    }
    assert not (state_dir / second.org_key).exists()
    # Another client of the same folder continues from it.
    again = connect_local(tmp_path / "org-a")
    assert again.org_key == first.org_key
    stream = again.read("users", since="last")
    assert list(stream) == [] and stream.stats.skipped == 1


def test_damaged_watermark_file_says_what_to_do(tmp_path: Path, state_dir: Path) -> None:
    client = connect_local(tmp_path / "org")
    folder = state_dir / client.org_key / "watermarks"
    folder.mkdir(parents=True)
    (folder / "jobs.json").write_text("{not json")
    with pytest.raises(ConfigurationError) as caught:
        list(client.read("jobs", since="last"))
    assert str(caught.value) == (
        f"the watermark file {folder / 'jobs.json'} is damaged; delete it to read jobs in full "
        "once more (or read with an explicit --since)"
    )


def test_in_memory_orgs_keep_watermarks_in_memory(org: LocalOrg, state_dir: Path) -> None:
    client = Asymbl(org.salesforce())
    list(client.read("users"))
    assert list(client.read("users", since="last")) == []
    assert not state_dir.exists()


def test_delta_read_costs_one_query_per_page(
    client: Asymbl, org: LocalOrg, clock: Clock, pipeline: Pipeline
) -> None:
    list(client.read("applications"))
    clock.advance(hours=1)
    client.move_application_stage(pipeline.ids["ada"], "Offer")
    org.calls.reset()
    stream = client.read("applications", since="last")
    list(stream)
    # The query, and the stage order of the one job with a changed application.
    assert stream.stats.api_calls == 2
    assert org.calls.total == 2


# -- the edge of a watermark ------------------------------------------------------------------


def stamp(minute: int, second: int = 0) -> str:
    return f"2026-03-02T10:{minute:02d}:{second:02d}.000+0000"


def test_edge_keeps_the_rows_within_the_overlap_of_the_newest() -> None:
    tracker = EdgeTracker(timedelta(minutes=5))
    for n, minute in enumerate((1, 3, 7, 9, 12)):
        tracker.see(f"r{n}", stamp(minute))
    mark = tracker.watermark()
    assert mark == Watermark(stamp(12), {"r2": stamp(7), "r3": stamp(9), "r4": stamp(12)})
    assert mark.already_read("r3", "2026-03-02T10:09:00Z")
    assert not mark.already_read("r3", stamp(10))  # changed again since
    assert not mark.already_read("r0", stamp(1))


def test_edge_is_capped_keeping_the_newest() -> None:
    tracker = EdgeTracker(timedelta(minutes=5), limit=3)
    for second in range(10):
        tracker.see(f"r{second}", stamp(0, second))
    mark = tracker.watermark()
    assert mark is not None
    assert mark.edge == {"r7": stamp(0, 7), "r8": stamp(0, 8), "r9": stamp(0, 9)}


def test_no_rows_leave_no_watermark() -> None:
    assert EdgeTracker(timedelta(minutes=5)).watermark() is None


def test_parse_since() -> None:
    assert parse_since(None) is None
    assert parse_since("LAST") == "last"
    assert parse_since("2026-03-02") == datetime(2026, 3, 2, tzinfo=timezone.utc)
