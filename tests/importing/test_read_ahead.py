"""The reader plans the next chunks while the current one is written, in order, bounded, and
stops cleanly; an import over REST writes each chunk as soon as it is read."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.importing import ImportProgress
from asymbl_sf.importing.read_ahead import ChunkReader
from asymbl_sf.localorg import LocalOrg
from tests.importing.helpers import APPLICANT, many, results, write_jsonl


@pytest.mark.parametrize("threaded", [True, False], ids=["ahead", "inline"])
def test_chunks_come_in_input_order_with_skips_counted(threaded: bool) -> None:
    reader = ChunkReader(
        range(1, 24), lambda n: n * 10, lambda n: n % 5 == 0, size=5, threaded=threaded
    )
    chunks = list(reader)
    assert [c.planned for c in chunks] == [
        [10, 20, 30, 40, 60],
        [70, 80, 90, 110, 120],
        [130, 140, 160, 170, 180],
        [190, 210, 220, 230],
    ]
    assert sum(c.read for c in chunks) == 23 and sum(c.skipped for c in chunks) == 4


def test_the_next_chunk_is_planned_while_the_consumer_holds_the_first() -> None:
    planned_second = threading.Event()

    def plan(n: int) -> int:
        if n == 3:
            planned_second.set()
        return n

    reader = ChunkReader(range(6), plan, lambda n: False, size=3)
    for chunk in reader:
        if chunk.planned == [0, 1, 2]:
            # The consumer is still on chunk one: the reader got on with chunk two.
            assert planned_second.wait(5)


def test_the_reader_stays_a_bounded_number_of_chunks_ahead() -> None:
    planned: list[int] = []
    reader = ChunkReader(range(1000), lambda n: planned.append(n) or n, lambda n: False, size=10)
    iterator = iter(reader)
    next(iterator)
    threading.Event().wait(0.3)  # ample time to run ahead, if it could
    # Chunk one taken, two queued, one more being put: at most four chunks planned.
    assert len(planned) <= 40
    reader.close()


def test_an_error_while_planning_reaches_the_consumer_after_the_chunks_before_it() -> None:
    def plan(n: int) -> int:
        if n == 7:
            raise ValueError("record 7 is broken")
        return n

    taken: list[list[int]] = []
    with pytest.raises(ValueError, match="record 7"):
        for chunk in ChunkReader(range(20), plan, lambda n: False, size=3):
            taken.append(chunk.planned)
    assert taken == [[0, 1, 2], [3, 4, 5]]


def test_a_stopped_consumer_stops_the_reader_and_can_count_what_is_left() -> None:
    reader = ChunkReader(range(100), lambda n: n, lambda n: n % 10 == 0, size=10)
    for chunk in reader:
        assert len(chunk.planned) == 10
        break
    reader.close()
    assert reader.count_rest() == 90 - 10  # 90 not skipped, 10 of them taken


def test_a_rest_import_writes_each_chunk_as_soon_as_it_is_read(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    reports: list[ImportProgress] = []
    path = write_jsonl(tmp_path / "in.jsonl", many(25))
    summary = client.import_records(path, api="rest", chunk_size=10, progress=reports.append)
    assert summary.outcomes == {"created": 25} and org.count(APPLICANT) == 25
    phases = [(r.phase, r.done) for r in reports if not r.finished]
    assert phases == [
        ("reading", 10),
        ("writing", 10),
        ("reading", 20),
        ("writing", 20),
        ("reading", 25),
        ("writing", 25),
    ]
    last = reports[-1]
    assert (last.phase, last.done, last.total, last.finished) == ("writing", 25, 25, True)
    assert sorted(results(summary.results_path)) == list(range(1, 26))  # type: ignore[arg-type]
