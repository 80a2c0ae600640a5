"""Kombo's attachment, note and stage-change bodies."""

from __future__ import annotations

from asymbl_sf.models import parse_activity, parse_attachment, parse_stage_move
from tests.models.helpers import problems

CV = {
    "name": "Frank Doe CV.txt",
    "type": "CV",
    "content_type": "text/plain",
    "data": "SGkgdGhlcmUsIEtvbWJv",
}


def test_flat_attachment_parses_with_decoded_data() -> None:
    att = parse_attachment(CV, candidate_id="cand-1")
    assert (att.name, att.type, att.dialect, att.candidate_id) == (
        "Frank Doe CV.txt",
        "CV",
        "kombo",
        "cand-1",
    )
    assert att.data == b"Hi there, Kombo"
    assert att.path_with_extension == "Frank Doe CV.txt"


def test_wrapped_attachment_keeps_remote_fields() -> None:
    att = parse_attachment({"attachment": CV, "remote_fields": {"x": 1}}, application_id="app-1")
    assert (att.application_id, att.remote_fields) == ("app-1", {"x": 1})


def test_attachment_problems_have_paths_and_need_an_owner() -> None:
    found = problems(parse_attachment, {"attachment": {"name": "cv.pdf", "type": "RESUME"}})
    assert set(found) == {"attachment.type", "attachment", "candidate_id"}
    assert found["attachment"] == "needs data (base64) or data_url; give exactly one"


def test_application_note_is_a_note_whose_body_is_the_content() -> None:
    note = parse_activity(
        {"content": "Great call", "content_type": "PLAIN_TEXT"}, application_id="a"
    )
    assert (note.type, note.body, note.application_id, note.dialect) == (
        "NOTE",
        "Great call",
        "a",
        "kombo",
    )


def test_note_content_type_must_be_plain_text() -> None:
    found = problems(parse_activity, {"content": "x", "content_type": "HTML"}, application_id="a")
    assert found == {"content_type": "must be one of PLAIN_TEXT (got 'HTML')"}


def test_stage_change_takes_the_application_from_the_argument() -> None:
    move = parse_stage_move({"stage_id": "s-2"}, application_id="app-1")
    assert (move.application_id, move.stage_id, move.dialect) == ("app-1", "s-2", "kombo")
    assert set(problems(parse_stage_move, {"stage_id": "s-2"})) == {"application_id"}
