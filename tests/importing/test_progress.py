"""Progress: a callback per chunk, plain lines at an interval, a bar on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from asymbl_sf import Asymbl
from asymbl_sf.importing import BarProgress, ImportProgress, LineProgress
from tests.importing.helpers import many, write_jsonl


def test_callback_sees_each_phase_with_counts_and_totals(client: Asymbl, tmp_path: Path) -> None:
    reports: list[ImportProgress] = []
    client.import_records(
        write_jsonl(tmp_path / "in.jsonl", many(25)), chunk_size=10, progress=reports.append
    )
    writing = [r for r in reports if r.phase == "writing"]
    assert [r.done for r in writing] == [10, 20, 25]
    assert {r.total for r in writing} == {25} and writing[-1].finished
    assert writing[-1].counts == {"created": 25}
    assert reports[0].phase == "reading" and reports[0].total is None


def test_plain_lines_come_at_most_every_interval_and_at_each_phase_end() -> None:
    now = [0.0]
    out = io.StringIO()
    lines = LineProgress(out, interval=5.0, clock=lambda: now[0])
    for done in (10, 20, 30):
        now[0] += 1.0
        lines(ImportProgress("writing", done, 100, {"created": done}, elapsed=now[0]))
    now[0] += 10.0
    lines(ImportProgress("writing", 40, 100, {"created": 40}, elapsed=now[0]))
    lines(ImportProgress("writing", 100, 100, {"created": 100}, elapsed=now[0], finished=True))
    text = out.getvalue().splitlines()
    assert len(text) == 3
    assert text[0].startswith("writing: 10/100 rows (10/s, ETA 9 s): 10 created")
    assert text[2] == "writing: 100/100 rows (8/s): 100 created"


def test_bar_draws_on_a_terminal() -> None:
    out = io.StringIO()
    bar = BarProgress(Console(file=out, force_terminal=True, width=120))
    bar(ImportProgress("writing", 5, 10, {"created": 5}, elapsed=1.0))
    bar(ImportProgress("writing", 10, 10, {"created": 10}, elapsed=2.0, finished=True))
    bar.close()
    assert "writing" in out.getvalue() and "10/10" in out.getvalue()
