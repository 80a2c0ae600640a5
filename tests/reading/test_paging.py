"""Reads page through any volume: nested lookups per page, IN lists cut to the URI limit."""

from __future__ import annotations

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.reading import Reader, WatermarkStore, load_read_mapping
from asymbl_sf.reading.soql import MAX_ENCODED_QUERY, id_chunks, is_in, query
from tests.reading.helpers import INSTANCE, Pipeline, seed_applications


def test_large_reads_page_and_chunk_under_the_uri_limit(org: LocalOrg, client: Asymbl) -> None:
    seed_applications(org, 2_300)
    org.calls.reset()
    stream = client.read("candidates")
    rows = list(stream)
    assert len(rows) == 2_300
    assert all(len(r["applications"]) == 1 for r in rows)
    assert rows[-1]["applications"][0]["current_stage"]["name"] == "Application"
    # Two pages of Contacts (2,000 + 300). Per page, their applications are fetched in IN
    # lists of as many ids as fit in one URL (540 here: 4 lookups for the first page, 1 for the
    # second); had any query passed Salesforce's 16,384 bytes, the read would have failed.
    # And the stage order of the one job, once.
    assert stream.stats.api_calls == 2 + 4 + 1 + 1 == org.calls.total


def test_page_boundaries_do_not_change_the_rows(client: Asymbl, pipeline: Pipeline) -> None:
    # Nested data is fetched per page: pages of one or three rows must give the same objects.
    mapping = load_read_mapping()
    for size in (1, 3):
        small = Reader(
            client.api, mapping, INSTANCE, WatermarkStore.in_memory(), client.ledger, page_size=size
        )
        for model in ("candidates", "jobs", "applications", "job_stages", "hiring_team"):
            assert list(small.read(model)) == list(client.read(model)), (model, size)


def test_id_chunks_respect_the_budget() -> None:
    ids = [f"0038d{n:010d}AAA" for n in range(1_000)]

    def build(chunk: object) -> str:
        return query("Contact", ["Id"], [is_in("Id", list(chunk))])  # type: ignore[call-overload]

    chunks = list(id_chunks(ids, build))
    assert [i for chunk in chunks for i in chunk] == ids
    from urllib.parse import urlencode

    assert all(len(urlencode({"q": build(c)})) <= MAX_ENCODED_QUERY for c in chunks)
    assert len(urlencode({"q": build(chunks[0] + ids[:1])})) > MAX_ENCODED_QUERY
