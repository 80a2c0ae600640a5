"""Hostile YAML in mapping files: every bound is a clear error at its file and line.

An alias bomb, nesting thousands deep, an alias inside the value it names, a scalar its tag cannot
build and a file of gigabytes are refused before anything expands, in the write mapping, the read
mapping and a CSV column map alike (they share one reader, :mod:`asymbl_sf.yaml_document`).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from asymbl_sf.errors import MappingError, Problem
from asymbl_sf.importing.columns import load_column_map
from asymbl_sf.mapping import load_mapping, parse_mapping
from asymbl_sf.reading import load_read_mapping
from asymbl_sf.yaml_document import MAX_BYTES, MAX_NESTING, MAX_VALUES

#: The installed command, next to this interpreter.
CLI = str(Path(sys.executable).parent / "asymbl-sf")

#: Nine lists of nine, each made of the one before: 9**9 (387 million) strings once expanded,
#: from 347 bytes. PyYAML composes it instantly (an alias shares its node); every walk
#: over the values expands it.
BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(
        f"{name}: &{name} [" + ",".join([f"*{before}"] * 9) + "]\n"
        for before, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "version: 1\nobjects: *i\n"
)


def only_problem(error: pytest.ExceptionInfo[MappingError]) -> Problem:
    (problem,) = error.value.problems
    return problem


def test_an_alias_bomb_is_refused_at_the_alias_that_crosses_the_bound() -> None:
    with pytest.raises(MappingError) as error:
        parse_mapping(BOMB, source="bomb.yaml")
    problem = only_problem(error)
    # a..e hold about 75,000 values expanded; the first *e of f's list crosses 100,000.
    assert (problem.source, problem.line, problem.column) == ("bomb.yaml", 6, 8)
    assert problem.message.startswith(f"the alias *e expands the document past {MAX_VALUES:,}")
    assert "fewer nested aliases" in problem.message


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux only")
def test_an_alias_bomb_given_to_the_cli_stops_with_a_message_in_a_small_memory_budget(
    tmp_path: Path,
) -> None:
    # A regression must fail this test, not take the machine's memory: the run gets 1 GiB of
    # address space and a minute.
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    payload = Path(__file__).parent.parent / "fixtures" / "payloads" / "kombo_application.json"

    def small_budget() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [CLI, "render", str(payload), "--job-id", "a0X000000000001", "--mapping", str(bomb)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_budget,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode != 0
    assert f"{bomb}:6:8:" in done.stderr and "expands the document past" in done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr


def test_the_read_mapping_and_a_column_map_refuse_the_alias_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB.replace("objects:", "models:"))
    with pytest.raises(MappingError) as error:
        load_read_mapping(bomb)
    assert only_problem(error).line == 6
    bomb.write_text(BOMB.replace("version: 1\nobjects:", "columns:"))
    with pytest.raises(MappingError) as error:
        load_column_map(bomb)
    problem = only_problem(error)
    assert (problem.source, problem.line) == (str(bomb), 6)
    assert "expands the document past" in problem.message


def test_an_alias_shared_by_two_objects_is_still_read() -> None:
    # Anchors are allowed: one field spec or picklist map used twice is a legitimate use.
    mapping = parse_mapping(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    match: {on: [Email]}\n"
        "    fields:\n      Email: email_address\n"
        "      Title: &title {from: title, transform: {map: {cto: CTO, ceo: CEO}}}\n"
        "      Department: *title\n"
    )
    fields = mapping.objects["Contact"].fields
    assert fields["Department"].steps == fields["Title"].steps


def test_a_merge_key_with_an_override_is_not_a_duplicate() -> None:
    # Positions are taken before PyYAML flattens ``<<`` into the node tree.
    mapping = parse_mapping(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    match: {on: [Email]}\n"
        "    fields:\n      Email: email_address\n"
        "      Title: &title {from: title, transform: [strip]}\n"
        "      Department: {<<: *title, from: company}\n"
    )
    assert mapping.objects["Contact"].fields["Department"].from_ == "company"


def test_an_alias_inside_the_value_it_names_is_refused() -> None:
    with pytest.raises(MappingError) as error:
        parse_mapping("version: 1\nobjects: &loop\n  Contact: [*loop]\n", source="m.yaml")
    problem = only_problem(error)
    assert (problem.line, problem.column) == (3, 13)
    assert "*loop is inside the value it names" in problem.message


def test_nesting_thousands_deep_is_refused_at_the_level_past_the_bound() -> None:
    with pytest.raises(MappingError) as error:
        parse_mapping("version: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n", source="m.yaml")
    problem = only_problem(error)
    assert problem.line == 2
    assert f"nest more than {MAX_NESTING} levels deep" in problem.message


def test_an_alias_that_nests_past_the_bound_is_refused() -> None:
    # Neither the anchored value nor the place of its alias is too deep alone; together they are.
    half = MAX_NESTING // 2 + 2
    text = f"a: &deep {'[' * half}x{']' * half}\nversion: 1\nb: {'[' * half}*deep{']' * half}\n"
    with pytest.raises(MappingError) as error:
        parse_mapping(text, source="m.yaml")
    problem = only_problem(error)
    assert problem.line == 3
    assert problem.message.startswith(f"the alias *deep nests more than {MAX_NESTING} levels")


@pytest.mark.parametrize(
    ("scalar", "tag", "reason"),
    [
        ("2001-13-45", "timestamp", "month must be in 1..12"),
        ("9" * 5000, "int", "Exceeds the limit (4300"),  # 3.10 says "(4300)", 3.11 "(4300 digits)"
    ],
)
def test_a_scalar_its_tag_cannot_build_is_refused_with_a_hint_to_quote_it(
    scalar: str, tag: str, reason: str
) -> None:
    with pytest.raises(MappingError) as error:
        parse_mapping(f"version: 1\nobjects:\n  Contact: {scalar}\n", source="m.yaml")
    problem = only_problem(error)
    assert (problem.line, problem.column) == (3, 12)
    assert f"cannot be read as {tag} ({reason}" in problem.message
    assert problem.message.endswith("put it in quotes to keep it as text")
    assert "set_int_max_str_digits" not in problem.message


def test_a_file_past_the_size_bound_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:  # sparse: 4 GiB on paper, nothing on disk
        handle.truncate(4 << 30)
    for load in (load_mapping, load_read_mapping, load_column_map):
        with pytest.raises(MappingError) as error:
            load(huge)
        problem = only_problem(error)
        assert problem.source == str(huge)
        assert problem.message.startswith(f"the file is larger than {MAX_BYTES >> 20} MiB")


def test_text_past_the_size_bound_is_refused() -> None:
    with pytest.raises(MappingError, match="larger than 1 MiB"):
        parse_mapping("version: 1\n#" + "x" * MAX_BYTES, source="m.yaml")
