"""Kombo create-application / create-candidate bodies: validation and normalisation."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from asymbl_sf.errors import PayloadError
from asymbl_sf.models import Application, parse_application, parse_candidate
from tests.models.helpers import JOB, OTHER_JOB, PAYLOADS, load, problems


def seed() -> dict[str, Any]:
    return load("kombo_application")


def problems_of(payload: Any, **kwargs: Any) -> dict[str, str]:
    kwargs.setdefault("job_id", JOB)
    return problems(parse_application, payload, **kwargs)


def test_seed_application_body_parses_into_canonical_models() -> None:
    app = parse_application(seed(), job_id=JOB)
    assert isinstance(app, Application)
    assert app.dialect == "kombo"
    assert app.job is not None and app.job.kind == "id" and app.job.value == JOB
    assert app.stage_id == "8x3YKRDcuRnwShdh96ShBNn1"
    cand = app.candidate
    assert cand is not None
    assert (cand.first_name, cand.last_name) == ("Frank", "Doe")
    assert cand.email_address == "frank.doe@example.com"
    assert [e.email_address for e in cand.email_addresses] == ["frank.doe@example.com"]
    assert cand.location is not None and cand.location.country == "US"
    assert str(cand.availability_date) == "2021-01-01"
    assert cand.salary_expectations is not None
    assert cand.salary_expectations.amount == 100000
    assert cand.salary_expectations.period == "YEAR"
    assert app.attachments[0].data is not None
    assert app.attachments[0].data.startswith(b"Hi there, Kombo")
    assert app.attachments[0].path_with_extension == "Frank Doe CV.txt"
    assert app.screening_question_answers[1].answer[0] == "GUzE666zfyjeoCJX6A8n7wh6"


def test_seed_candidate_body_parses_with_a_salesforce_job_id() -> None:
    body = json.loads((PAYLOADS / "kombo_candidate.json").read_text())
    body["application"]["job_id"] = JOB
    app = parse_candidate(body)
    assert app.job is not None and app.job.value == JOB
    assert app.stage_id == "8x3YKRDcuRnwShdh96ShBNn1"
    assert app.candidate is not None
    assert app.candidate.social_links[0].url.startswith("https://www.linkedin")


def test_a_kombo_job_id_is_rejected_because_salesforce_cannot_resolve_it() -> None:
    with pytest.raises(PayloadError) as info:
        parse_candidate(PAYLOADS / "kombo_candidate.json")
    (problem,) = info.value.problems
    assert problem.path == "application.job_id"
    assert problem.source == "kombo_candidate.json"
    assert "must be a Salesforce id (15 or 18 characters) or remote:<value>" in problem.message


def test_missing_email_is_a_problem() -> None:
    body = seed()
    del body["candidate"]["email_address"]
    assert problems_of(body) == {"candidate.email_address": "required"}


@pytest.mark.parametrize(
    "email",
    [
        "frank",
        "frank@",
        "@example.com",
        "frank@example",
        "fr ank@example.com",
        "a@b@c.com",
        "frank@exa_mple.com",
        "frank..doe@example.com",
        "frank@example.123",
    ],
)
def test_invalid_email_is_a_problem(email: str) -> None:
    body = seed()
    body["candidate"]["email_address"] = email
    problems = problems_of(body)
    assert problems["candidate.email_address"].startswith("value is not a valid email address")


@pytest.mark.parametrize(
    "email", ["frank.doe@example.com", "f+tag@mail.example.co.uk", "o'neil@x.io"]
)
def test_ordinary_emails_are_accepted(email: str) -> None:
    body = seed()
    body["candidate"]["email_address"] = email
    assert parse_application(body, job_id=JOB).candidate.email_address == email  # type: ignore[union-attr]


def test_country_name_instead_of_iso_code_is_a_problem() -> None:
    body = seed()
    body["candidate"]["location"]["country"] = "Germany"
    message = problems_of(body)["candidate.location.country"]
    assert message.startswith("must be an ISO 3166-1 alpha-2 code such as DE")


def test_location_without_country_is_a_problem() -> None:
    body = seed()
    body["candidate"]["location"] = {"city": "Berlin"}
    assert problems_of(body) == {"candidate.location.country": "required"}


def test_bad_base64_is_a_problem_at_the_attachment_data() -> None:
    body = seed()
    body["attachments"][0]["data"] = "not base64!"
    assert problems_of(body)["attachments[0].data"].startswith("must be valid base64")


def test_both_data_and_data_url_is_a_problem() -> None:
    body = seed()
    body["attachments"][0]["data_url"] = "https://example.com/cv.txt"
    assert "has both data and data_url" in problems_of(body)["attachments[0]"]


def test_data_without_content_type_is_a_problem() -> None:
    body = seed()
    del body["attachments"][0]["content_type"]
    assert problems_of(body) == {"attachments[0].content_type": "required when data is given"}


def test_content_type_must_look_like_type_slash_subtype() -> None:
    body = seed()
    body["attachments"][0]["content_type"] = "pdf"
    assert "type/subtype" in problems_of(body)["attachments[0].content_type"]


def test_unknown_top_level_key_is_a_problem_with_its_path() -> None:
    body = seed()
    body["candidat"] = {}
    assert problems_of(body)["candidat"].startswith("unknown key")


def test_unknown_nested_key_is_a_problem_with_its_path() -> None:
    body = seed()
    body["candidate"]["location"]["county"] = "Kings"
    message = problems_of(body)["candidate.location.county"]
    assert message.startswith("unknown key; did you mean 'country'?")


def test_enums_are_checked() -> None:
    body = seed()
    body["candidate"]["gender"] = "male"
    body["candidate"]["salary_expectations"]["period"] = "WEEK"
    body["attachments"][0]["type"] = "RESUME"
    problems = problems_of(body)
    assert problems["candidate.gender"].startswith("must be one of MALE, FEMALE or OTHER")
    assert problems["candidate.salary_expectations.period"].startswith("must be one of MONTH")
    assert problems["attachments[0].type"].startswith("must be one of CV, COVER_LETTER")


def test_availability_date_accepts_date_time_and_rejects_other_text() -> None:
    body = seed()
    body["candidate"]["availability_date"] = "2021-03-04T10:00:00Z"
    app = parse_application(body, job_id=JOB)
    assert str(app.candidate.availability_date) == "2021-03-04"  # type: ignore[union-attr]
    body["candidate"]["availability_date"] = "next week"
    assert "candidate.availability_date" in problems_of(body)


def test_every_problem_is_reported_at_once() -> None:
    body = seed()
    del body["candidate"]["email_address"]
    body["candidate"]["location"]["country"] = "Germany"
    body["attachments"][0]["data"] = "%%%"
    body["attachments"].append({"name": "x.pdf", "type": "CV", "data": "aGk="})
    body["extra"] = 1
    problems = problems_of(body, job_id="nope")
    assert set(problems) == {
        "candidate.email_address",
        "candidate.location.country",
        "attachments[0].data",
        "attachments[1].content_type",
        "extra",
        "job_id",
    }


def test_job_id_is_required_from_the_argument_or_the_body() -> None:
    problems = problems_of(seed(), job_id=None)
    assert problems == {"job_id": "required (pass --job-id or application.job_id)"}


def test_job_id_must_be_a_salesforce_id_or_remote() -> None:
    assert "job_id" in problems_of(seed(), job_id="BDpgnpZ148nrGh4mYHNxJBgx")
    app = parse_application(seed(), job_id="remote:32")
    assert app.job is not None and (app.job.kind, app.job.value) == ("remote", "32")
    app = parse_application(seed(), job_id=JOB[:15])
    assert app.job is not None and app.job.kind == "id"


def test_job_ids_in_argument_and_body_must_agree() -> None:
    body = json.loads((PAYLOADS / "kombo_candidate.json").read_text())
    body["application"]["job_id"] = JOB
    assert parse_candidate(body, job_id=JOB[:15]).job is not None  # same job, 15-char form
    with pytest.raises(PayloadError) as info:
        parse_candidate(body, job_id=OTHER_JOB)
    assert [p.path for p in info.value.problems] == ["application.job_id"]
    assert "differs" in info.value.problems[0].message


def test_long_offending_values_are_not_echoed_in_full() -> None:
    body = seed()
    body["candidate"]["email_address"] = "x" * 500
    message = problems_of(body)["candidate.email_address"]
    assert len(message) < 140 and "x" * 61 not in message


def test_parsing_does_not_change_the_input() -> None:
    body = seed()
    before = copy.deepcopy(body)
    parse_application(body, job_id=JOB)
    assert body == before
