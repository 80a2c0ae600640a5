"""The speed-ups behind ``benchmarks/transform_bench.py`` change nothing a caller can see.

Each fast path (compiled mapping plans remembered per mapping and describe, the email regex,
shared job references, per-type caches) is checked against the slow path it short-cuts, or
against a change that would make a stale cache give a wrong answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asymbl_sf.errors import PayloadError
from asymbl_sf.mapping import load_mapping, paths, render
from asymbl_sf.mapping import parse_mapping as parse_mapping_text
from asymbl_sf.mapping.kinds import kind_of
from asymbl_sf.models import parse_application
from asymbl_sf.models.canonical import Application, JobReference
from asymbl_sf.models.checks import email_problem
from asymbl_sf.models.common import _email_problem
from asymbl_sf.schema import OrgSchema, SObjectDescribe
from asymbl_sf.schema.ids import make_id

PAYLOAD = Path(__file__).parent.parent / "fixtures" / "payloads" / "kombo_application.json"
JOB = make_id("a0J", 1)


def _application(**candidate: Any) -> Application:
    body = json.loads(PAYLOAD.read_text())
    body["candidate"].update(candidate)
    return parse_application(body, job_id=JOB)


def _schema_with(sobject: str, field: str, **changes: Any) -> OrgSchema:
    """The packaged schema with one field's describe changed (a new describe object)."""
    schema = OrgSchema.packaged()
    body = schema.get(sobject).to_json()  # type: ignore[union-attr]
    body["fields"] = [{**f, **changes} if f["name"] == field else f for f in body["fields"]]
    schema.add(SObjectDescribe.model_validate(body))
    return schema


# --- compiled mapping plans ----------------------------------------------------------------------


def test_the_same_mapping_rendered_against_two_orgs_follows_each_describe() -> None:
    mapping = load_mapping()
    application = _application(title="Head of Integrations")
    packaged = render(application, mapping)
    short = render(application, mapping, _schema_with("Contact", "Title", length=4))
    again = render(application, mapping)
    assert packaged.record("Contact").fields["Title"] == "Head of Integrations"  # type: ignore[union-attr]
    assert short.record("Contact").fields["Title"] == "Head"  # type: ignore[union-attr]
    assert any("truncated to 4" in w for w in short.warnings)
    assert again.record("Contact").fields == packaged.record("Contact").fields  # type: ignore[union-attr]


def test_a_field_the_org_cannot_write_is_a_problem_per_record_every_time() -> None:
    schema = _schema_with("Contact", "Title", createable=False)
    mapping = load_mapping()
    for _ in range(2):  # the second render uses the remembered plan
        plan = render(_application(), mapping, schema)
        assert [p.path for p in plan.problems] == ["Contact.Title"]
        assert "cannot be written" in plan.problems[0].message


def test_two_mappings_loaded_alike_but_different_never_share_a_plan() -> None:
    text = (
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: last_name\n      Title: {from: title, transform: %s}\n"
    )
    upper, lower = parse_mapping_text(text % "upper"), parse_mapping_text(text % "lower")
    application = _application(title="Head")
    for _ in range(2):
        assert render(application, upper).records[0].fields["Title"] == "HEAD"
        assert render(application, lower).records[0].fields["Title"] == "head"


def test_the_short_cut_for_plain_text_keeps_picklists_limits_and_empty_values() -> None:
    mapping = parse_mapping_text(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: last_name\n      Title: {from: title, max_length: 3}\n"
        "      Department: company\n"
        "  bpats__ATS_Applicant__c:\n    from: application\n    fields:\n"
        "      bpats__Source__c: {from: source.name, fallback_field: bpats__Internal_Source__c}\n"
    )
    body = json.loads(PAYLOAD.read_text())
    body["candidate"].update(title="Engineer", company="")
    body["source"] = {"name": "linkedin"}
    plan = render(parse_application(body, job_id=JOB), mapping)
    contact, applicant = plan.records
    assert contact.fields == {"LastName": "Doe", "Title": "Eng"}  # company "" is left out
    assert contact.source_path["Title"] == "candidate.title"
    # A restricted picklist is matched as the org spells it, never passed through as sent.
    assert applicant.fields == {"bpats__Source__c": "LinkedIn"}


# --- paths and kinds -----------------------------------------------------------------------------


def test_paths_read_models_dicts_and_lists_alike() -> None:
    application = _application()
    assert paths.parse("a.b[0].c") == ["a", "b", 0, "c"]
    assert paths.get(application, "candidate.location.city") == "New York"
    assert paths.get({"a": {"b": [1, {"c": 2}]}}, "a.b[1].c") == 2
    assert paths.get({"a": [1]}, "a[3]") is None
    assert paths.get({"a": "text"}, "a.b") is None
    assert (
        paths.get_parsed(application, paths.parsed("screening_question_answers[1].answer"))
        == application.screening_question_answers[1].answer
    )


def test_a_payload_of_no_kind_is_refused_every_time() -> None:
    assert kind_of(_application()) == "application"
    for _ in range(2):
        with pytest.raises(TypeError, match="cannot render a JobReference"):
            kind_of(JobReference(kind="remote", value="x"))


# --- parsing -------------------------------------------------------------------------------------

_EMAIL_CHARS = "aZ09.-_+!#'@ é\n"


@settings(max_examples=3000, deadline=None)
@given(
    st.text(alphabet=_EMAIL_CHARS, max_size=24)
    | st.builds(
        lambda a, b: f"{a}@{b}",
        st.text(alphabet="ab.-_", min_size=1, max_size=8),
        st.text(alphabet="ab1.-", min_size=1, max_size=10),
    )
)
def test_the_email_fast_path_decides_exactly_like_the_full_check(value: str) -> None:
    assert _email_problem(value) == email_problem(value)


@pytest.mark.parametrize(
    "value",
    [
        "a@b.c",
        "a" * 64 + "@b.co",
        "a" * 65 + "@b.co",
        "x@" + "a" * 250 + ".com",
        "a@b.12",
        "a@b.1a",
        "a\n@b.com",
        "a@b.com\n",
        "a@-b.com",
        "a@b-.com",
        "a..b@c.com",
        ".a@b.com",
        "é@b.com",
        "a@b",
        "a@@b.com",
    ],
)
def test_the_email_fast_path_on_the_edges(value: str) -> None:
    assert _email_problem(value) == email_problem(value)


def test_job_references_are_shared_and_still_checked() -> None:
    first = JobReference.parse(" remote:Senior Backend Engineer ")
    assert first is JobReference.parse(" remote:Senior Backend Engineer ")
    assert (first.kind, first.value) == ("remote", "Senior Backend Engineer")
    assert JobReference.parse(JOB).kind == "id"
    for _ in range(2):
        with pytest.raises(PayloadError) as caught:
            JobReference.parse("remote:  ", path="application.job_id")
        assert caught.value.problems[0].path == "application.job_id"
    long_text = "remote:" + "x" * 400  # too long to be remembered; parsed all the same
    assert JobReference.parse(long_text).value == "x" * 400
