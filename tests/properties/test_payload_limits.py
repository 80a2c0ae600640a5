"""Payloads too big, too deep or not valid text are refused before any parser sees them, with a
PayloadError that names the source and says what to do; never a RecursionError or a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from asymbl_sf.cli.app import app
from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models import parse_activity, parse_application
from asymbl_sf.models.limits import (
    MAX_DEPTH,
    MAX_PAYLOAD_BYTES,
    PayloadLimits,
    check_value,
    decode_json,
    text_too_deep,
)
from tests.properties.payloads import JOB
from tests.properties.strategies import load_fixture


def problem_of(call: Any, *args: Any, **kwargs: Any) -> Problem:
    with pytest.raises(PayloadError) as info:
        call(*args, **kwargs)
    (problem,) = info.value.problems
    return problem


def nested(depth: int, leaf: Any = 1) -> Any:
    """``depth`` lists inside each other around ``leaf``, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


# -- depth --------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000, 10_000_000])
def test_json_text_nested_too_deep_is_refused_before_decoding(depth: int) -> None:
    text = '{"candidate": ' + "[" * depth + "]" * depth + "}"
    problem = problem_of(parse_application, text, job_id=JOB)
    assert f"nests deeper than {MAX_DEPTH} levels" in problem.message
    assert "check what produced it" in problem.message


def test_unterminated_deep_text_is_refused_too() -> None:
    problem = problem_of(parse_application, "[" * 50_000, job_id=JOB)
    assert "nests deeper" in problem.message


def test_brackets_inside_strings_do_not_count() -> None:
    body = load_fixture("kombo_application")
    body["remote_fields"] = {"note": "[" * 10_000 + '\\"{' * 1_000}
    assert parse_application(json.dumps(body), job_id=JOB).candidate is not None


def test_the_cap_itself_is_allowed_and_one_more_level_is_not() -> None:
    assert not text_too_deep(json.dumps(nested(MAX_DEPTH - 1, {})), MAX_DEPTH)
    check_value(nested(MAX_DEPTH - 1, {}))
    with pytest.raises(PayloadError):
        check_value(nested(MAX_DEPTH, {}))
    with pytest.raises(PayloadError):
        decode_json(json.dumps(nested(MAX_DEPTH, {})))


@given(
    depth=st.integers(min_value=0, max_value=3 * MAX_DEPTH),
    kinds=st.lists(st.sampled_from("[{"), min_size=1, max_size=3 * MAX_DEPTH),
)
def test_decoding_never_accepts_more_than_the_cap_whatever_the_brackets(
    depth: int, kinds: list[str]
) -> None:
    opening = "".join(kinds[i % len(kinds)] for i in range(depth))
    text = (
        "".join('{"k":' if c == "{" else "[" for c in opening)
        + "0"
        + "".join("}" if c == "{" else "]" for c in reversed(opening))
    )
    if depth <= MAX_DEPTH:
        decode_json(text)
    else:
        with pytest.raises(PayloadError, match="nests deeper"):
            decode_json(text)


def test_a_dict_nested_too_deep_is_refused_with_the_path_and_the_record() -> None:
    body = {
        "candidate": {"first_name": "A", "last_name": "B", "remote_fields": nested(MAX_DEPTH + 10)}
    }
    problem = problem_of(parse_application, body, job_id=JOB, source="row 7")
    assert problem.path.startswith("candidate.remote_fields[0][0]")
    assert problem.source == "row 7"


def test_a_dict_that_contains_itself_is_refused() -> None:
    body: dict[str, Any] = {"content": "note"}
    body["self"] = body
    problem = problem_of(parse_activity, body, application_id="a0A000000000001")
    assert "nests deeper" in problem.message and problem.path.startswith("self.self")


# -- size ---------------------------------------------------------------------------------------


def test_a_file_over_the_cap_is_refused_without_being_read(tmp_path: Path) -> None:
    big = tmp_path / "huge.json"
    with big.open("wb") as handle:  # sparse: no disk space, and never read
        handle.truncate(MAX_PAYLOAD_BYTES + 1)
    problem = problem_of(parse_application, big, job_id=JOB)
    assert problem.source == "huge.json"
    assert "over the 100.0 MB of JSON one payload may hold" in problem.message
    assert "data_url / file_url" in problem.message


def test_json_text_over_the_cap_is_refused() -> None:
    limits = PayloadLimits(max_bytes=1_000)
    with pytest.raises(PayloadError, match=r"1,001 bytes of JSON, over the 1,000 bytes"):
        decode_json('"' + "x" * 999 + '"', "payload.json", limits)
    assert decode_json('"' + "x" * 998 + '"', "payload.json", limits) == "x" * 998


def test_a_large_inline_attachment_under_the_cap_is_accepted() -> None:
    body = load_fixture("kombo_application")
    body["attachments"][0]["data"] = "QUJD" * 2_500_000  # 10 MB of base64
    application = parse_application(json.dumps(body), job_id=JOB)
    assert len(application.attachments[0].data or b"") == 7_500_000


# -- text and values the JSON decoder lets through ---------------------------------------------


def test_an_unpaired_surrogate_is_refused_with_its_path() -> None:
    text = '{"candidate": {"first_name": "Ann\\ud800", "last_name": "B"}}'
    problem = problem_of(parse_application, text, job_id=JOB)
    assert problem.path == "candidate.first_name"
    assert "unpaired UTF-16 surrogate" in problem.message


def test_an_unpaired_surrogate_in_a_key_is_refused() -> None:
    problem = problem_of(parse_application, {"candidate": {"\udc00": 1}}, job_id=JOB)
    assert problem.path == "candidate" and "a key here" in problem.message


def test_a_number_too_long_to_convert_is_invalid_json_not_a_crash() -> None:
    problem = problem_of(parse_application, '{"candidate": ' + "9" * 5_000 + "}", job_id=JOB)
    assert problem.message.startswith("not valid JSON")


@pytest.mark.parametrize("value", [None, 42, 1.5, True, [], ["a"]])
def test_a_decoded_body_that_is_not_an_object_is_refused(value: Any) -> None:
    problem = problem_of(parse_application, value, job_id=JOB)
    assert "must be a JSON object" in problem.message


@pytest.mark.parametrize("value", [b"{}", object(), {1, 2}])
def test_something_that_is_no_payload_at_all_is_refused(value: Any) -> None:
    problem = problem_of(parse_application, value, job_id=JOB)
    assert "pass a dict, JSON text or the path of a JSON file" in problem.message


@pytest.mark.parametrize("path", ["bad\x00name.json", "x" * 5_000])
def test_an_impossible_path_is_refused(path: str) -> None:
    problem = problem_of(parse_application, path, job_id=JOB)
    assert problem.message.startswith(("cannot read the file", "no such file"))


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("", 'candidate[""]'),
        ("a.b", 'candidate["a.b"]'),
        (" pad", 'candidate[" pad"]'),
        ("tab\t", 'candidate["tab\\t"]'),
        ("plain key", "candidate.plain key"),
    ],
)
def test_keys_that_would_hide_in_a_path_are_quoted(key: str, path: str) -> None:
    body = {"candidate": {"first_name": "A", "last_name": "B", "email_address": "a@b.co", key: 1}}
    problem = problem_of(parse_application, body, job_id=JOB, dialect="kombo")
    assert problem.path == path and problem.message.startswith("unknown key")


# -- through the command line ---------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for name in (
        "SF_INSTANCE_URL",
        "SF_ACCESS_TOKEN",
        "SF_USERNAME",
        "SF_PASSWORD",
        "SF_CLIENT_ID",
        "SF_CLIENT_SECRET",
        "ASYMBL_SF_ORG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def assert_clean_failure(result: Any, *expected: str) -> None:
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: invalid input (1 problem)")
    assert len(lines) == 2 and all(text in lines[1] for text in expected), result.stderr


@pytest.mark.parametrize(
    "command", [["render", "-"], ["create-application", "-", "--org", "local:org"]]
)
def test_deep_json_on_standard_input_is_one_clear_error(
    runner: CliRunner, command: list[str]
) -> None:
    result = runner.invoke(app, [*command, "--job-id", JOB], input="[" * 200_000)
    assert_clean_failure(result, "standard input", f"nests deeper than {MAX_DEPTH} levels")


def test_standard_input_over_the_cap_is_one_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["render", "-"], input=" " * (MAX_PAYLOAD_BYTES + 1))
    assert_clean_failure(result, "standard input", "over the 100.0 MB")


def test_a_list_on_standard_input_is_one_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["render", "-", "--job-id", JOB], input="[1, 2]")
    assert_clean_failure(result, "must be a JSON object")


def test_a_huge_file_is_one_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "huge.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_PAYLOAD_BYTES + 1)
    result = runner.invoke(app, ["render", str(big), "--job-id", JOB])
    assert_clean_failure(result, "huge.json", "over the 100.0 MB")
