"""The results file: appended, flushed, read back with the last row of each line winning."""

from __future__ import annotations

from pathlib import Path

import pytest

from asymbl_sf.errors import ConfigurationError
from asymbl_sf.importing import ResultRow, read_outcomes
from asymbl_sf.importing.results import LineSet, ResultsWriter


def test_last_row_of_a_line_wins_and_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    writer = ResultsWriter(path)
    writer.write(
        [
            ResultRow(1, "a", "failed"),
            ResultRow(2, None, "created"),
            ResultRow(3, None, "blocked"),
            ResultRow(1, "a", "reused"),
        ]
    )
    writer.close()
    with path.open("a") as handle:
        handle.write('{"line": 4, "outcome": "crea')  # a kill -9 in the middle of a row
    previous = read_outcomes(path)
    assert (1 in previous.final, 2 in previous.final, 3 in previous.final) == (True, True, False)
    assert 3 in previous.retryable and 1 not in previous.retryable and 4 not in previous.final
    writer = ResultsWriter(path)  # the next run starts on a fresh line
    writer.write([ResultRow(5, None, "created")])
    writer.close()
    assert 5 in read_outcomes(path).final


def test_csv_results_have_a_header_once_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    for outcome in ("failed", "exists"):
        writer = ResultsWriter(path, "csv")
        writer.write([ResultRow(7, "x", outcome, warnings=["one", "two"])])
        writer.close()
    lines = path.read_text().splitlines()
    assert lines[0].startswith("\ufeffline,source_id,outcome") and len(lines) == 3
    assert "one | two" in lines[1]
    assert 7 in read_outcomes(path).final


def test_missing_results_file_for_retry_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no results file"):
        read_outcomes(tmp_path / "nope.jsonl")


def test_line_set_is_a_compact_set() -> None:
    lines = LineSet()
    for line in (0, 9, 1_000_000, 9):
        lines.add(line)
    lines.discard(0)
    assert len(lines) == 2 and 9 in lines and 1_000_000 in lines and 0 not in lines
    assert -1 not in lines and 5 not in lines


def test_line_separators_in_a_message_never_split_a_row(tmp_path: Path) -> None:
    import json

    path = tmp_path / "r.jsonl"
    writer = ResultsWriter(path)
    message = "one\u2028two\x85three\u2029four \u00e9"
    writer.write([ResultRow(1, "a", "failed", message=message), ResultRow(2, None, "created")])
    writer.close()
    rows = path.read_text(encoding="utf-8").splitlines()  # the strictest reader there is
    assert len(rows) == 2 and json.loads(rows[0])["message"] == message
    assert "\u00e9" in rows[0]  # readable text otherwise
    assert 2 in read_outcomes(path).final and 1 in read_outcomes(path).retryable


def test_results_written_raw_or_torn_inside_a_character_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    # An earlier version's row with a raw LINE SEPARATOR, a good row, and a row torn in the
    # middle of a two-byte character by a kill.
    path.write_bytes(
        '{"line": 1, "outcome": "failed", "message": "a\u2028b"}\n'.encode()
        + b'{"line": 2, "outcome": "created"}\n'
        + b'{"line": 3, "outcome": "created", "message": "\xc3'
    )
    previous = read_outcomes(path)
    assert 1 in previous.retryable and 2 in previous.final and 3 not in previous.final
