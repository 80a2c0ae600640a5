"""Entry points: input forms (dict, JSON text, file), errors and dialect detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.ids import make_id
from asymbl_sf.models import JobReference, detect_dialect, parse_application

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "payloads"
JOB = make_id("a0J", 1)


def test_a_dict_a_json_string_and_a_path_give_the_same_application() -> None:
    path = PAYLOADS / "kombo_application.json"
    text = path.read_text()
    from_dict = parse_application(json.loads(text), job_id=JOB)
    assert parse_application(text, job_id=JOB) == from_dict
    assert parse_application(path, job_id=JOB) == from_dict
    assert parse_application(str(path), job_id=JOB) == from_dict


def test_problems_of_a_file_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "app.json"
    body = json.loads((PAYLOADS / "kombo_application.json").read_text())
    body["candidate"]["email_address"] = "nope"
    bad.write_text(json.dumps(body))
    with pytest.raises(PayloadError) as info:
        parse_application(bad, job_id=JOB)
    assert str(info.value).startswith("app.json: candidate.email_address: value is not a valid")


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{\n  "candidate": {\n    "first_name": "Frank",,\n  }\n}\n')
    with pytest.raises(PayloadError) as info:
        parse_application(bad, job_id=JOB)
    (problem,) = info.value.problems
    assert (problem.source, problem.line) == ("broken.json", 3)
    assert problem.message.startswith("not valid JSON")


def test_missing_file_is_a_payload_error(tmp_path: Path) -> None:
    with pytest.raises(PayloadError, match="no such file"):
        parse_application(tmp_path / "missing.json", job_id=JOB)


def test_unrecognised_shape_lists_the_dialects_tried() -> None:
    with pytest.raises(PayloadError) as info:
        detect_dialect({"model": {"first_name": "Frank"}})
    assert "kombo:" in str(info.value)


def test_kombo_body_is_detected() -> None:
    assert detect_dialect({"candidate": {}}) == "kombo"


def test_unknown_dialect_name_is_a_problem() -> None:
    with pytest.raises(PayloadError, match="unknown dialect 'workday'"):
        parse_application({"candidate": {}}, dialect="workday")


def test_job_reference_parse() -> None:
    assert JobReference.parse(JOB) == JobReference(kind="id", value=JOB)
    assert str(JobReference.parse("remote:Backend Engineer")) == "remote:Backend Engineer"
    with pytest.raises(PayloadError) as info:
        JobReference.parse("remote:")
    assert info.value.problems[0].path == "job_id"


def test_problem_str_includes_file_line_and_path() -> None:
    problem = Problem("objects.Contact", "unknown key", "custom.yaml", 12, 3)
    assert str(problem) == "custom.yaml:12:3: objects.Contact: unknown key"
    assert str(Problem("", "not valid JSON")) == "not valid JSON"
