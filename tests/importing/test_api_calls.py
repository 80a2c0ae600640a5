"""API calls an import spends, bounded by the batching arithmetic (docs/importing.md)."""

from __future__ import annotations

from pathlib import Path

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from tests.importing.helpers import APPLICANT, many, write_jsonl


def test_a_thousand_new_applications_over_rest_cost_a_handful_of_calls(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", many(1000))
    summary = client.import_records(path, api="rest")
    assert summary.outcomes == {"created": 1000}
    # 1 describe + 1 lookup (jobs and stages, and 1,000 emails in 3 queries: one Composite)
    # + 1 Contact write (5 Collections of 200 in one Composite) + 1 application write.
    assert org.calls.total <= 4
    assert summary.api_calls == org.calls.total


def test_rest_calls_grow_with_chunks_not_with_records(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", many(3000))
    client.import_records(path, api="rest", chunk_size=1000)
    # Per chunk of 1,000: 1 lookup + 1 Contact write + 1 application write; plus 2 at start.
    assert org.calls.total <= 2 + 3 * 3
    assert org.count(APPLICANT) == 3000


def test_reused_contacts_add_one_application_lookup_per_chunk(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    records = many(1000)
    write_jsonl(tmp_path / "first.jsonl", records[:500])
    client.import_records(tmp_path / "first.jsonl")
    org.calls.reset()
    summary = client.import_records(write_jsonl(tmp_path / "in.jsonl", records))
    assert summary.outcomes == {"exists": 500, "created": 500}
    # jobs + Contact lookup + application lookup + 1 Contact write + 1 application write
    # (describes are cached by the client).
    assert org.calls.total <= 5


def test_bulk_costs_the_same_whatever_the_volume(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", many(2000))
    summary = client.import_records(path, api="bulk")
    assert summary.api == "bulk" and summary.outcomes == {"created": 2000}
    # describe 1 + jobs 1 + two query jobs (create, 2 polls, 1 page) 8
    # + two ingest jobs (create, upload, close, 2 polls, 2 result files) 14.
    assert org.calls.total <= 24
    assert org.calls["POST jobs/ingest"] == 2


def test_auto_picks_bulk_above_the_threshold(client: Asymbl, org: LocalOrg, tmp_path: Path) -> None:
    small = client.import_records(
        write_jsonl(tmp_path / "a.jsonl", many(30, prefix="a")), bulk_threshold=30
    )
    big = client.import_records(
        write_jsonl(tmp_path / "b.jsonl", many(31, prefix="b")), bulk_threshold=30
    )
    assert (small.api, big.api) == ("rest", "bulk")
    assert org.count(APPLICANT) == 61
