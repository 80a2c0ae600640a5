"""Reading import input: JSON arrays, JSON Lines, CSV with a column map, stdin, memory."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf.errors import ConfigurationError, MappingError
from asymbl_sf.importing import read_records
from asymbl_sf.importing.columns import ColumnMap, load_column_map
from asymbl_sf.mapping import parse_mapping
from asymbl_sf.mapping.spec import CsvSpec


def test_json_lines_give_line_numbers_and_bad_lines_become_problems(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"candidate": {"x": 1}}\n\n{not json\n[1, 2]\n{"candidate": {}}\n')
    records = list(read_records(path))
    assert [r.line for r in records] == [1, 3, 4, 5]
    assert records[0].payload == {"candidate": {"x": 1}}
    assert records[1].problem is not None and "not valid JSON" in records[1].problem.message
    assert records[1].problem.line == 3 and records[1].problem.source == str(path)
    assert (
        records[2].problem is not None and "a list, not a JSON object" in records[2].problem.message
    )
    assert records[3].payload == {"candidate": {}}


def test_invalid_utf8_line_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": "\xff"}\n{"c": 3}\n')
    records = list(read_records(path))
    assert [r.line for r in records] == [1, 2, 3]
    assert records[1].problem is not None and "UTF-8" in records[1].problem.message
    assert records[2].payload == {"c": 3}


def test_json_array_records_are_numbered_by_position(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps([{"candidate": {}}, 7, {"model": {"remote_id": "m-1"}}], indent=2))
    records = list(read_records(path))
    assert [r.line for r in records] == [1, 2, 3]
    assert records[1].problem is not None and "is a number" in records[1].problem.message
    assert records[2].source_id == "m-1"


def test_broken_json_array_ends_with_one_problem_at_the_break(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text('[{"a": 1}, {"b": 2}, {"c": ')
    records = list(read_records(path))
    assert [r.payload for r in records[:2]] == [{"a": 1}, {"b": 2}]
    assert records[2].line == 3 and records[2].problem is not None
    assert "stops being valid JSON after record 2" in records[2].problem.message


def test_json_array_is_streamed_not_read_whole(tmp_path: Path) -> None:
    """The first record arrives after a small part of a large file was read."""
    item = json.dumps({"candidate": {"note": "x" * 1000}})
    path = tmp_path / "big.json"
    path.write_text("[" + ",".join([item] * 20_000) + "]")  # about 20 MB

    class Counting(io.FileIO):
        read_bytes = 0

        def readinto(self, buffer: Any) -> int:
            count = super().readinto(buffer)
            Counting.read_bytes += count or 0
            return count or 0

    with Counting(str(path), "rb") as handle:
        first = next(read_records(handle))  # type: ignore[arg-type]
        assert first.line == 1
        assert Counting.read_bytes < 1_000_000


def test_envelope_keys_are_taken_out_of_the_payload() -> None:
    records = list(
        read_records(
            [
                {"job_id": "remote:Nurse", "source_id": 42, "candidate": {}},
                {"candidate": {"remote_id": "c-9"}},
                "text",
            ]
        )
    )
    assert records[0].job_id == "remote:Nurse" and records[0].source_id == "42"
    assert records[0].payload == {"candidate": {}}
    assert records[1].source_id == "c-9"
    assert records[2].problem is not None


def test_standard_input_is_read_when_the_source_is_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'{"a": 1}\n{"b": 2}\n'))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert [r.payload for r in read_records("-")] == [{"a": 1}, {"b": 2}]


def test_format_is_told_by_first_character_or_refused(tmp_path: Path) -> None:
    array = tmp_path / "data.txt"
    array.write_text('  [{"a": 1}]')
    assert [r.payload for r in read_records(array)] == [{"a": 1}]
    other = tmp_path / "data.dat"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigurationError, match="--format"):
        list(read_records(other))
    with pytest.raises(ConfigurationError, match="no such file"):
        list(read_records(tmp_path / "missing.jsonl"))


COLUMNS = CsvSpec(
    columns={
        "Email": "candidate.email_address",
        "First": "candidate.first_name",
        "Last": "candidate.last_name",
        "Second email": "candidate.additional_email_addresses[0].email_address",
        "Job": "job_id",
        "Ref": "source_id",
        "City": "candidate.location.city",
    }
)


def test_csv_rows_become_kombo_bodies_with_job_and_source_id(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "Ref,Email,First,Last,Second email,Job,City,Notes\n"
        "r1,a@x.com,Ann,Lee,ann@y.com,remote:Nurse,,hello\n"
        '"r2",b@x.com,"Bo\nB",Ray,,,Paris,\n'
        "r3,c@x.com,only,three\n"
    )
    notes: list[str] = []
    records = list(read_records(path, column_map=ColumnMap.from_spec(COLUMNS), notes=notes))
    assert records[0].line == 2 and records[0].dialect == "kombo"
    assert records[0].payload == {
        "candidate": {
            "email_address": "a@x.com",
            "first_name": "Ann",
            "last_name": "Lee",
            "additional_email_addresses": [{"email_address": "ann@y.com"}],
        }
    }
    assert (records[0].job_id, records[0].source_id) == ("remote:Nurse", "r1")
    assert records[1].line == 3 and records[1].job_id is None
    assert records[1].payload == {
        "candidate": {
            "email_address": "b@x.com",
            "first_name": "Bo\nB",
            "last_name": "Ray",
            "location": {"city": "Paris"},
        }
    }
    assert records[2].line == 5 and records[2].problem is not None
    assert "has 4 columns, the header has 8" in records[2].problem.message
    assert notes == [
        f"{path}: the column map does not name the column(s) 'Notes', so they were not imported"
    ]


def test_csv_needs_a_column_map_and_every_mapped_header(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Email,Job\na@x.com,x\n")
    with pytest.raises(ConfigurationError, match="--column-map"):
        list(read_records(path))
    with pytest.raises(ConfigurationError, match="'First'"):
        list(read_records(path, column_map=ColumnMap.from_spec(COLUMNS)))


def test_column_map_file_with_a_bad_path_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "columns.yaml"
    path.write_text("columns:\n  Email: candidate.email_address\n  Phone: candidate.phone\n")
    with pytest.raises(MappingError) as caught:
        load_column_map(path)
    problem = caught.value.problems[0]
    assert (problem.source, problem.line, problem.path) == (str(path), 3, "columns.Phone")
    assert "has no 'phone'" in problem.message


def test_column_map_file_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "columns.yaml"
    path.write_text("columns:\n  Email: candidate.email_address\nseparator: ';'\n")
    with pytest.raises(MappingError) as caught:
        load_column_map(path)
    assert caught.value.problems[0].path == "separator"
    assert caught.value.problems[0].line == 3


def test_mapping_csv_section_is_a_column_map() -> None:
    from asymbl_sf.importing.columns import column_map_for

    mapping = parse_mapping(
        "extends: default\ncsv:\n  columns:\n    E: candidate.email_address\n"
        "    J: job_id\n  delimiter: ';'\n",
        base_dir=".",
    )
    found = column_map_for(mapping, None)
    assert found is not None and found.delimiter == ";"
    assert found.columns == {"E": ("candidate", "email_address"), "J": ("job_id",)}
    bad = parse_mapping(
        "extends: default\ncsv:\n  columns:\n    E: candidate.emial\n", base_dir="."
    )
    with pytest.raises(MappingError) as caught:
        column_map_for(bad, None)
    assert caught.value.problems[0].line == 4


# -- hostile input: deep nesting, bytes that are not UTF-8 --------------------------------------


def test_a_record_nested_too_deep_fails_alone_and_quickly(tmp_path: Path) -> None:
    from asymbl_sf.models.limits import MAX_DEPTH

    depth = 200_000  # ijson.items took minutes on this; the event stream is linear
    path = tmp_path / "deep.json"
    path.write_bytes(
        b'[{"a": 1}, '
        + b'{"x": ' * depth
        + b"1"
        + b"}" * depth
        + b', {"b": ['
        + b"[" * (MAX_DEPTH - 2)
        + b"]" * (MAX_DEPTH - 2)
        + b"]}]"
    )
    records = list(read_records(path))
    assert [r.line for r in records] == [1, 2, 3]
    assert records[0].payload == {"a": 1}
    problem = records[1].problem
    assert problem is not None and problem.source == str(path)
    assert f"record 2 of the array nests deeper than {MAX_DEPTH} levels" in problem.message
    assert records[2].problem is None  # exactly the cap is fine


def test_a_record_one_level_over_the_cap_is_refused() -> None:
    from asymbl_sf.models.limits import MAX_DEPTH

    over = b"[" + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH  # an object holding this: MAX_DEPTH + 1
    records = list(read_records(io.BytesIO(b'[{"x": ' + over[1:] + b"}]"), format="json"))
    assert records[0].problem is not None and "nests deeper" in records[0].problem.message


def test_a_json_file_that_is_not_an_array_says_so(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"candidate": {}}')
    (record,) = read_records(path, format="json")
    assert (
        record.problem is not None and "holds an object, not a JSON array" in record.problem.message
    )


def test_json_array_items_keep_their_shape() -> None:
    records = list(
        read_records(
            io.BytesIO(b'[{"a": {"b": [1, 2.5, {"c": null}], "d": true}, "e": "\\u00e9"}]'),
            format="json",
        )
    )
    assert records[0].payload == {"a": {"b": [1, 2.5, {"c": None}], "d": True}, "e": "\u00e9"}


def test_a_bad_byte_early_in_a_csv_fails_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        "\ufeffRef,Email,First,Last,Second email,Job,City\n".encode()
        + b"r1,a@x.com,Ann,Lee,,,\n"
        + b'r2,b@x.com,"B\xffo\nB",Ray,,,\n'
        + b"r3,c@x.com,Cy,D\xc3\xa9,,,\n"
    )
    records = list(read_records(path, column_map=ColumnMap.from_spec(COLUMNS)))
    assert [r.line for r in records] == [2, 3, 5]
    assert records[0].source_id == "r1" and records[0].problem is None
    problem = records[1].problem
    assert problem is not None and (problem.line, problem.source) == (3, str(path))
    assert "line 3 has the byte 0xff at byte 14 of the line" in problem.message
    assert records[2].payload is not None
    assert records[2].payload["candidate"]["last_name"] == "D\u00e9"


def test_a_bad_byte_in_the_header_names_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"Ref,Em\xe9il\nr1,a@x.com\n")
    with pytest.raises(
        ConfigurationError,
        match=r"header row is not valid UTF-8 text: line 1 "
        r"has the byte 0xe9 at byte 7",
    ):
        list(read_records(path, column_map=ColumnMap.from_spec(COLUMNS)))


def test_csv_line_ends_of_every_kind_are_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"Ref,Email,First,Last,Second email,Job,City\r"
        b'r1,a@x.com,A,B,,,\r\nr2,b@x.com,"C\rD",E,,,\rr3,c@x.com,F,G,,,'
    )
    records = list(read_records(path, column_map=ColumnMap.from_spec(COLUMNS)))
    assert [r.source_id for r in records] == ["r1", "r2", "r3"]
    assert records[1].payload is not None
    assert records[1].payload["candidate"]["first_name"] == "C\rD"
