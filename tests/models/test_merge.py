"""Merge envelopes (the bodies of Merge's Asymbl guide): validation and normalisation."""

from __future__ import annotations

from typing import Any

import pytest

from asymbl_sf.errors import PayloadError
from asymbl_sf.models import (
    parse_activity,
    parse_application,
    parse_attachment,
    parse_candidate,
    parse_stage_move,
)
from tests.models.helpers import JOB, OTHER_JOB, PAYLOADS, load, problems


def attachment(**overrides: Any) -> dict[str, Any]:
    body = {
        "file_url": "https://files.example.com/cv.pdf",
        "file_name": "Jane CV",
        "attachment_type": "RESUME",
        "integration_params": {"path_with_extension": "jane_cv.pdf"},
    }
    body.update(overrides)
    return body


# --- candidate ------------------------------------------------------------------------------


def test_seed_candidate_body_parses_with_types_in_upper_case() -> None:
    app = parse_candidate(PAYLOADS / "merge_candidate.json")
    assert app.dialect == "merge"
    assert app.job is None  # Merge creates a candidate on its own
    cand = app.candidate
    assert cand is not None
    assert (cand.first_name, cand.last_name, cand.title) == ("John", "Doe", "Software Engineer")
    assert cand.can_email is False
    assert [p.type for p in cand.phone_numbers] == ["HOME", "MOBILE"]
    assert cand.phone_number == "+1234567890"
    assert [(e.email_address, e.type) for e in cand.email_addresses] == [
        ("john.doe@example.com", "WORK")
    ]
    assert cand.email_address == "john.doe@example.com"
    assert cand.location is not None
    assert (cand.location.city, cand.location.raw) == ("San Francisco", "San Francisco")


def test_only_the_first_location_is_used_as_the_city() -> None:
    body = load("merge_candidate")
    body["model"]["locations"] = ["", "Berlin", "Paris"]
    cand = parse_candidate(body).candidate
    assert cand is not None and cand.location is not None
    assert cand.location.city == "Berlin"


def test_the_first_email_is_primary_and_every_email_is_kept() -> None:
    body = load("merge_candidate")
    body["model"]["email_addresses"] = [
        {"value": "first@example.com", "email_address_type": "personal"},
        {"value": "second@example.com", "email_address_type": "OTHER"},
    ]
    cand = parse_candidate(body).candidate
    assert cand is not None
    assert cand.email_address == "first@example.com"
    assert [(e.email_address, e.type) for e in cand.email_addresses] == [
        ("first@example.com", "PERSONAL"),
        ("second@example.com", "OTHER"),
    ]


def test_urls_tags_and_integration_params_are_kept() -> None:
    body = load("merge_candidate")
    body["model"]["urls"] = [{"value": "https://github.com/jdoe", "url_type": "Portfolio"}]
    body["model"]["tags"] = ["referral"]
    body["model"]["integration_params"] = {"unique_key": "x"}
    cand = parse_candidate(body).candidate
    assert cand is not None
    assert [(s.url, s.type) for s in cand.social_links] == [
        ("https://github.com/jdoe", "PORTFOLIO")
    ]
    assert cand.tags == ["referral"]
    assert cand.remote_fields == {"unique_key": "x"}


def test_missing_last_name_is_a_problem_at_model_last_name() -> None:
    body = load("merge_candidate")
    del body["model"]["last_name"]
    assert problems(parse_candidate, body) == {"model.last_name": "required"}


def test_unknown_contact_types_list_the_allowed_ones() -> None:
    body = load("merge_candidate")
    body["model"]["phone_numbers"][0]["phone_number_type"] = "pager"
    found = problems(parse_candidate, body)
    assert found == {
        "model.phone_numbers[0].phone_number_type": (
            "must be one of HOME, WORK, MOBILE, SKYPE or OTHER (got 'PAGER')"
        )
    }


def test_every_candidate_problem_is_reported_at_once_with_model_paths() -> None:
    body = load("merge_candidate")
    del body["model"]["last_name"]
    body["model"]["email_addresses"][0]["value"] = "not-an-email"
    body["model"]["emial"] = "typo"
    body["model"]["attachments"] = [{"file_url": "https://x.example/cv.pdf"}]
    body["model"]["applications"] = ["15f63539-d036-42e5-ae96-b18634cd4560"]
    found = problems(parse_candidate, body)
    assert set(found) == {
        "model.last_name",
        "model.email_addresses[0].value",
        "model.emial",
        "model.attachments[0].integration_params.path_with_extension",
        "model.applications",
    }
    assert found["model.emial"].startswith("unknown key; ")


def test_long_values_are_cut_in_messages() -> None:
    body = load("merge_candidate")
    body["model"]["email_addresses"][0]["value"] = "x" * 500
    (message,) = problems(parse_candidate, body).values()
    assert "x" * 58 not in message and "..." in message


# --- application ----------------------------------------------------------------------------


def test_seed_application_with_an_existing_candidate_parses_with_a_salesforce_job() -> None:
    body = load("merge_application")
    body["model"]["job"] = JOB
    app = parse_application(body)
    assert app.dialect == "merge"
    assert app.candidate is None
    assert app.candidate_id == "15f63539-d036-42e5-ae96-b18634cd4560"
    assert app.job is not None and (app.job.kind, app.job.value) == ("id", JOB)
    assert app.source is not None and app.source.name == "Merge"


def test_a_merge_job_uuid_is_rejected_because_salesforce_cannot_resolve_it() -> None:
    with pytest.raises(PayloadError) as info:
        parse_application(PAYLOADS / "merge_application.json")
    (problem,) = info.value.problems
    assert problem.path == "model.job"
    assert problem.source == "merge_application.json"
    assert "must be a Salesforce id (15 or 18 characters) or remote:<value>" in problem.message


def test_job_can_be_a_remote_reference_or_come_from_the_job_id_argument() -> None:
    body = load("merge_application")
    body["model"]["job"] = "remote:Backend Engineer"
    job = parse_application(body).job
    assert job is not None and (job.kind, job.value) == ("remote", "Backend Engineer")
    del body["model"]["job"]
    job = parse_application(body, job_id=JOB).job
    assert job is not None and job.value == JOB


def test_missing_job_and_different_jobs_are_problems() -> None:
    body = load("merge_application")
    del body["model"]["job"]
    assert set(problems(parse_application, body)) == {"model.job"}
    body["model"]["job"] = JOB
    found = problems(parse_application, body, job_id=OTHER_JOB)
    assert found["model.job"].startswith("differs from the job id given separately")


def test_application_with_a_nested_candidate_carries_its_attachments() -> None:
    candidate = load("merge_candidate")["model"]
    candidate["attachments"] = [attachment()]
    body = {
        "model": {
            "candidate": candidate,
            "job": JOB,
            "current_stage": "stage-1",
            "source": "Merge",
            "applied_at": "2026-04-01T10:00:00Z",
            "credited_to": "user-7",
            "integration_params": {"foo": "bar"},
        },
        "remote_user_id": "user-1",
    }
    app = parse_application(body)
    assert app.candidate is not None and app.candidate.last_name == "Doe"
    assert app.candidate_id is None
    assert app.stage_id == "stage-1"
    assert app.sourced_by_user_id == "user-7"
    assert app.applied_at is not None and app.applied_at.year == 2026
    assert app.remote_fields == {"foo": "bar"}
    (att,) = app.attachments
    assert (att.name, att.type, att.path_with_extension) == ("Jane CV.pdf", "CV", "jane_cv.pdf")
    assert att.data_url == "https://files.example.com/cv.pdf"


def test_nested_candidate_problems_have_model_candidate_paths() -> None:
    candidate = load("merge_candidate")["model"]
    del candidate["last_name"]
    candidate["attachments"] = [attachment(integration_params={})]
    found = problems(parse_application, {"model": {"candidate": candidate, "job": JOB}})
    assert set(found) == {
        "model.candidate.last_name",
        "model.candidate.attachments[0].integration_params.path_with_extension",
    }


def test_candidate_must_be_an_id_or_an_object() -> None:
    found = problems(parse_application, {"model": {"candidate": 42, "job": JOB}})
    assert found == {"model.candidate": "must be a candidate id or a candidate object (got 42)"}
    assert problems(parse_application, {"model": {"job": JOB}}) == {"model.candidate": "required"}


def test_unknown_top_level_key_is_reported_next_to_the_envelope() -> None:
    found = problems(parse_application, {"model": {"candidate": "c1", "job": JOB}, "modle": {}})
    assert found == {
        "modle": "unknown key; did you mean 'model'? allowed keys: remote_user_id, model"
    }


# --- attachment -----------------------------------------------------------------------------


def test_seed_attachment_completes_the_file_name_from_path_with_extension() -> None:
    att = parse_attachment(PAYLOADS / "merge_attachment.json")
    assert att.dialect == "merge"
    assert att.name == "Fake Resume.pdf"
    assert att.path_with_extension == "fake_resume.pdf"
    assert att.content_type == "application/pdf"
    assert att.candidate_id == "{candidate_uuid}"
    assert att.data_url == "https://www.{placeholder}.com/fake-resume.pdf"
    assert att.type == "OTHER"


def test_resume_becomes_cv_in_any_case() -> None:
    for sent in ("RESUME", "Resume", "resume"):
        att = parse_attachment({"model": {**attachment(attachment_type=sent), "candidate": "c1"}})
        assert att.type == "CV"
    att = parse_attachment(
        {"model": {**attachment(attachment_type="OFFER_LETTER"), "candidate": "c"}}
    )
    assert att.type == "OFFER_LETTER"


def test_a_file_name_with_an_extension_is_kept_and_a_missing_one_is_the_path() -> None:
    named = parse_attachment({"model": {**attachment(file_name="cv.docx"), "candidate": "c1"}})
    assert named.name == "cv.docx"
    body = attachment()
    del body["file_name"]
    unnamed = parse_attachment({"model": {**body, "candidate": "c1"}})
    assert unnamed.name == "jane_cv.pdf"


def test_other_integration_params_are_kept_as_remote_fields() -> None:
    params = {"path_with_extension": "a.pdf", "folder": "cvs"}
    att = parse_attachment({"model": {**attachment(integration_params=params), "candidate": "c"}})
    assert att.remote_fields == {"folder": "cvs"}


def test_attachment_requires_file_url_path_with_extension_and_candidate() -> None:
    found = problems(parse_attachment, {"model": {"file_name": "cv"}})
    assert set(found) == {
        "model.file_url",
        "model.integration_params.path_with_extension",
        "model.candidate",
    }
    assert found["model.file_url"] == "required"
    assert (
        "extension tells Asymbl the file type"
        in (found["model.integration_params.path_with_extension"])
    )


def test_path_with_extension_needs_an_extension() -> None:
    body = {
        "model": {
            **attachment(integration_params={"path_with_extension": "resume"}),
            "candidate": "c",
        }
    }
    assert problems(parse_attachment, body) == {
        "model.integration_params.path_with_extension": (
            "must end with a file extension such as .pdf (got 'resume')"
        )
    }


def test_attachment_candidate_can_come_from_the_argument() -> None:
    att = parse_attachment({"model": attachment()}, candidate_id="003000000000001")
    assert att.candidate_id == "003000000000001"
    found = problems(
        parse_attachment, {"model": {**attachment(), "candidate": "a"}}, candidate_id="b"
    )
    assert found["model.candidate"].startswith("differs from the candidate_id given separately")


# --- activity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "subject"),
    [
        ("merge_activity_email", "EMAIL", "Candidate Email Outreach - Next Steps"),
        ("merge_activity_note", "NOTE", "Candidate Internal Note"),
    ],
)
def test_seed_activities_parse(name: str, kind: str, subject: str) -> None:
    activity = parse_activity(PAYLOADS / f"{name}.json")
    assert (activity.type, activity.subject, activity.dialect) == (kind, subject, "merge")
    assert activity.user == "{user_uuid}"
    assert activity.candidate_id == "{candidate_uuid}"


def test_activity_requires_subject_and_candidate() -> None:
    found = problems(parse_activity, {"model": {"body": "hello", "activity_type": "NOTE"}})
    assert set(found) == {"model.subject", "model.candidate"}
    assert found["model.subject"] == "required"


def test_activity_type_and_visibility_accept_any_case() -> None:
    body = load("merge_activity_note")
    body["model"].update(activity_type="email", visibility="Admin_Only")
    activity = parse_activity(body)
    assert (activity.type, activity.visibility) == ("EMAIL", "ADMIN_ONLY")
    body["model"]["activity_type"] = "CALL"
    assert problems(parse_activity, body) == {
        "model.activity_type": "must be one of EMAIL, NOTE or OTHER (got 'CALL')"
    }


def test_remote_user_id_is_optional_and_stands_in_for_a_missing_user() -> None:
    body = load("merge_activity_note")
    del body["model"]["user"]
    assert parse_activity(body).user is None
    body["remote_user_id"] = "user-42"
    assert parse_activity(body).user == "user-42"


# --- stage move -----------------------------------------------------------------------------


def test_stage_move_flat_or_enveloped_takes_the_application_from_the_argument() -> None:
    flat = parse_stage_move({"job_interview_stage": "stage-2"}, application_id="app-1")
    assert (flat.application_id, flat.stage_id, flat.dialect) == ("app-1", "stage-2", "merge")
    wrapped = parse_stage_move(
        {"model": {"job_interview_stage": "stage-2"}, "remote_user_id": "u1"},
        application_id="app-1",
    )
    assert (wrapped.stage_id, wrapped.user) == ("stage-2", "u1")


def test_stage_move_needs_a_stage_and_an_application() -> None:
    found = problems(parse_stage_move, {"model": {}})
    assert set(found) == {"model.job_interview_stage", "application_id"}
