"""Entry points: input forms (dict, JSON text, file), errors and dialect detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models import DIALECTS, JobReference, detect_dialect, parse_application
from asymbl_sf.models.parse import Kind
from tests.models.helpers import JOB, PAYLOADS, load


def test_a_dict_a_json_string_and_a_path_give_the_same_application() -> None:
    path = PAYLOADS / "kombo_application.json"
    text = path.read_text()
    from_dict = parse_application(json.loads(text), job_id=JOB)
    assert parse_application(text, job_id=JOB) == from_dict
    assert parse_application(path, job_id=JOB) == from_dict
    assert parse_application(str(path), job_id=JOB) == from_dict


def test_problems_of_a_file_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "app.json"
    body = load("kombo_application")
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


def test_unrecognised_shape_lists_every_dialect_and_why_it_did_not_fit() -> None:
    with pytest.raises(PayloadError) as info:
        detect_dialect({"applicant": {"first_name": "Frank"}})
    (problem,) = info.value.problems
    assert problem.message.startswith("cannot tell which dialect")
    assert "kombo: no 'candidate' object" in problem.message
    assert "merge: no 'model' object" in problem.message
    assert "truto: no top-level emails" in problem.message


def test_an_ambiguous_shape_names_all_three_dialects() -> None:
    with pytest.raises(PayloadError) as info:
        detect_dialect({"candidate": {"first_name": "Frank"}, "remote_data": {}})
    message = info.value.problems[0].message
    assert "it has the shape of kombo and of truto" in message
    assert "--dialect" in message
    assert "merge: no 'model' object" in message


def test_the_dialect_argument_settles_an_ambiguous_shape() -> None:
    body = {"candidate": {"first_name": "Frank"}, "remote_data": {}}
    with pytest.raises(PayloadError) as info:
        parse_application(body, job_id=JOB, dialect="truto")
    assert {p.path for p in info.value.problems} >= {"candidate", "last_name"}
    with pytest.raises(PayloadError) as info:
        parse_application(body, job_id=JOB, dialect="Kombo")
    assert "remote_data" in {p.path for p in info.value.problems}


def test_a_named_dialect_reports_its_own_problems_instead_of_a_shape_mismatch() -> None:
    with pytest.raises(PayloadError) as info:
        parse_application({"candidate": {}}, job_id=JOB, dialect="merge")
    assert {p.path for p in info.value.problems} == {"model", "candidate"}


def test_a_body_that_is_not_an_object_is_a_problem() -> None:
    with pytest.raises(PayloadError, match="the body must be a JSON object"):
        parse_application("[1, 2]", job_id=JOB)


@pytest.mark.parametrize(
    ("kind", "body", "dialect"),
    [
        ("application", {"candidate": {}}, "kombo"),
        ("application", {"model": {"candidate": "c", "job": "j"}}, "merge"),
        ("application", {"last_name": "Doe", "emails": []}, "truto"),
        ("candidate", {"candidate": {}, "application": {}}, "kombo"),
        ("candidate", {"model": {"last_name": "Doe"}}, "merge"),
        ("candidate", {"first_name": "Jo", "phones": []}, "truto"),
        ("attachment", {"name": "cv.pdf", "type": "CV", "data_url": "https://x"}, "kombo"),
        ("attachment", {"attachment": {}}, "kombo"),
        ("attachment", {"model": {"file_url": "https://x"}}, "merge"),
        ("attachment", {"file_name": "cv.pdf", "file_url": "https://x"}, "truto"),
        ("activity", {"content": "hi", "content_type": "PLAIN_TEXT"}, "kombo"),
        ("activity", {"model": {"subject": "hi"}}, "merge"),
        ("activity", {"candidate_id": "c", "body": "hi"}, "truto"),
        ("stage_move", {"stage_id": "s"}, "kombo"),
        ("stage_move", {"job_interview_stage": "s"}, "merge"),
        ("stage_move", {"model": {"job_interview_stage": "s"}}, "merge"),
        ("stage_move", {"application_id": "a", "stage_id": "s"}, "truto"),
    ],
)
def test_detection_picks_the_dialect_of_each_kind_of_body(
    kind: Kind, body: dict[str, object], dialect: str
) -> None:
    assert detect_dialect(body, kind) == dialect


def test_seed_fixtures_are_detected_without_a_dialect() -> None:
    assert detect_dialect(load("kombo_application")) == "kombo"
    assert detect_dialect(load("merge_candidate")) == "merge"
    truto = load("truto_candidate")
    assert detect_dialect(truto, "candidate") == "truto"


def test_every_dialect_is_registered() -> None:
    assert list(DIALECTS) == ["kombo", "merge", "truto"]


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
