"""Truto flat bodies: validation, normalisation and the ``remote_data`` passthrough."""

from __future__ import annotations

from asymbl_sf.models import (
    parse_activity,
    parse_application,
    parse_attachment,
    parse_candidate,
    parse_stage_move,
)
from tests.models.helpers import JOB, PAYLOADS, load, problems

# --- candidate ------------------------------------------------------------------------------


def test_candidate_body_parses_with_types_in_upper_case() -> None:
    app = parse_candidate(PAYLOADS / "truto_candidate.json")
    assert app.dialect == "truto"
    assert app.job is None
    cand = app.candidate
    assert cand is not None
    assert (cand.first_name, cand.last_name, cand.company) == ("Maria", "Garcia", "Initech")
    assert cand.email_address == "maria.garcia@example.com"
    assert [e.type for e in cand.email_addresses] == ["PERSONAL", "WORK"]
    (phone,) = cand.phone_numbers
    assert (phone.phone_number, phone.extension, phone.type) == ("+1 415 555 0100", "12", "MOBILE")
    assert [(s.url, s.type) for s in cand.social_links] == [
        ("https://www.linkedin.com/in/maria-garcia", "LINKEDIN")
    ]
    assert cand.tags == ["Referral", "Python"]
    assert cand.location is not None and cand.location.city == "Austin"


def test_remote_data_passes_through_untouched() -> None:
    body = load("truto_candidate")
    body["remote_data"]["nested"] = {"Odd Key": [1, None, {"x": "y"}]}
    app = parse_candidate(body)
    assert app.remote_data == body["remote_data"]
    activity = parse_activity(PAYLOADS / "truto_activity.json")
    assert activity.remote_data == {
        "perform_as": "8d49b010-cc6a-4f40-ace5-e86061c677ed",
        "notifyFollowers": False,
    }


def test_missing_last_name_and_bad_email_are_reported_together() -> None:
    body = load("truto_candidate")
    del body["last_name"]
    body["emails"][1]["email"] = "nope"
    assert set(problems(parse_candidate, body)) == {"last_name", "emails[1].email"}


def test_a_tag_object_without_a_name_is_a_problem() -> None:
    body = load("truto_candidate")
    body["tags"] = [{"id": "t1"}]
    assert problems(parse_candidate, body) == {"tags[0]": "a tag object needs a name"}


def test_an_application_is_a_candidate_body_plus_the_job_id() -> None:
    app = parse_application(PAYLOADS / "truto_candidate.json", job_id=JOB)
    assert app.job is not None and app.job.value == JOB
    assert app.candidate is not None
    assert set(problems(parse_application, load("truto_candidate"))) == {"job_id"}


# --- activity -------------------------------------------------------------------------------


def test_activity_parses_with_lower_case_visibility() -> None:
    activity = parse_activity(PAYLOADS / "truto_activity.json")
    assert activity.dialect == "truto"
    assert (activity.type, activity.visibility) == ("NOTE", "PRIVATE")
    assert activity.candidate_id == "cand_8f2d1c"
    assert activity.subject is None  # derived from the body later, by the flow
    assert activity.created_at is not None and activity.created_at.hour == 15


def test_activity_requires_candidate_id_and_body() -> None:
    found = problems(parse_activity, {"visibility": "public"})
    assert set(found) == {"candidate_id", "body"}
    assert found["body"] == "required"


def test_activity_candidate_id_can_come_from_the_argument() -> None:
    activity = parse_activity({"body": "hi"}, candidate_id="cand_1")
    assert activity.candidate_id == "cand_1"


def test_activity_type_email_and_bad_visibility() -> None:
    activity = parse_activity({"candidate_id": "c", "body": "b", "activity_type": "email"})
    assert activity.type == "EMAIL"
    found = problems(parse_activity, {"candidate_id": "c", "body": "b", "visibility": "secret"})
    assert found == {"visibility": "must be one of private, public or admin_only (got 'secret')"}


def test_type_and_activity_type_must_agree() -> None:
    body = {"candidate_id": "c", "body": "b", "type": "note", "activity_type": "email"}
    assert set(problems(parse_activity, body)) == {"activity_type"}


# --- attachment -----------------------------------------------------------------------------


def test_attachment_resume_becomes_cv_and_the_name_gets_the_url_extension() -> None:
    att = parse_attachment(PAYLOADS / "truto_attachment.json")
    assert (att.type, att.name, att.dialect) == ("CV", "Maria Garcia CV.pdf", "truto")
    assert att.path_with_extension == "Maria Garcia CV.pdf"
    assert att.content_type == "application/pdf"
    assert att.candidate_id == "cand_8f2d1c"


def test_attachment_needs_a_file_url_and_an_owner() -> None:
    found = problems(parse_attachment, {"file_name": "cv.pdf"})
    assert set(found) == {"file_url", "candidate_id"}


def test_attachment_on_an_application_keeps_remote_data() -> None:
    att = parse_attachment(
        {
            "file_name": "letter.docx",
            "file_url": "https://files.example.com/x",
            "type": "cover_letter",
            "application_id": "app_1",
            "remote_data": {"k": "v"},
        }
    )
    assert (att.type, att.application_id, att.candidate_id) == ("COVER_LETTER", "app_1", None)
    assert att.remote_data == {"k": "v"}


# --- stage move -----------------------------------------------------------------------------


def test_stage_move_body_carries_the_application() -> None:
    move = parse_stage_move(PAYLOADS / "truto_stage_move.json")
    assert (move.application_id, move.stage_id, move.dialect) == (
        "app_51c9e0",
        "stage_onsite",
        "truto",
    )
    assert move.remote_data == {"reason": "passed phone screen"}


def test_stage_move_application_id_argument_must_match_the_body() -> None:
    found = problems(parse_stage_move, PAYLOADS / "truto_stage_move.json", application_id="other")
    assert found["application_id"].startswith("differs from the application_id given separately")
