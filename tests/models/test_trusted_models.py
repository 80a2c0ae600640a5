"""Parsers build canonical models without validating them a second time
(``models/trusted.py``): what they build must be exactly what validation would build, for every
dialect and kind of the benchmark set and every seed payload."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel

from asymbl_sf.errors import PayloadError
from asymbl_sf.models import (
    canonical as c,
)
from asymbl_sf.models import (
    parse_activity,
    parse_application,
    parse_attachment,
    parse_candidate,
    parse_stage_move,
)
from asymbl_sf.models.trusted import trusted_constructor
from benchmarks.synthetic import SEEDED_JOBS, generate
from tests.models.helpers import JOB, PAYLOADS

CANONICAL = [
    c.EmailAddress,
    c.PhoneNumber,
    c.Location,
    c.SalaryExpectation,
    c.SocialLink,
    c.Attachment,
    c.Candidate,
    c.Source,
    c.ScreeningAnswer,
    c.GdprConsent,
    c.JobReference,
    c.Application,
    c.Activity,
    c.StageMove,
]


def revalidated(model: BaseModel) -> BaseModel:
    """``model`` validated again from its own values, as a model built without the trusted
    constructor would have been."""
    return type(model).model_validate(model.model_dump())


def test_every_application_of_the_benchmark_set_equals_its_own_validation() -> None:
    checked = 0
    for record in generate(3_000, seed=1, existing_contacts=300):
        payload = record.payload
        names_job = "model" in payload or "application" in payload  # else the job is given apart
        try:
            application = parse_application(payload, job_id=None if names_job else SEEDED_JOBS[0])
        except PayloadError:
            continue
        assert revalidated(application) == application, record.payload
        checked += 1
    assert checked > 2_500


@pytest.mark.parametrize(
    ("name", "parse", "ids"),
    [
        ("kombo_application", parse_application, {"job_id": JOB}),
        ("kombo_candidate", parse_candidate, {}),
        ("merge_application", parse_application, {}),
        ("merge_candidate", parse_candidate, {}),
        ("truto_candidate", parse_candidate, {"job_id": JOB}),
        ("merge_attachment", parse_attachment, {}),
        ("truto_attachment", parse_attachment, {}),
        ("merge_activity_note", parse_activity, {}),
        ("merge_activity_email", parse_activity, {}),
        ("truto_activity", parse_activity, {}),
        ("truto_stage_move", parse_stage_move, {}),
    ],
)
def test_every_seed_payload_parses_to_what_validation_would_build(
    name: str, parse: Any, ids: dict[str, str]
) -> None:
    payload = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    # The seeds name their jobs with the vendors' own ids; here, one of the org's.
    if name == "kombo_candidate":
        payload["application"]["job_id"] = JOB
    if name == "merge_application":
        payload["model"]["job"] = JOB
    parsed = parse(payload, **ids)
    assert revalidated(parsed) == parsed


def test_a_kombo_attachment_with_inline_bytes_is_built_as_validation_would_build_it() -> None:
    body = {"name": "cv.txt", "type": "CV", "content_type": "text/plain", "data": "aGk="}
    attachment = parse_attachment(body, candidate_id="003000000000001AAA")
    assert attachment.data == b"hi"
    assert revalidated(attachment) == attachment


@pytest.mark.parametrize("model", CANONICAL, ids=lambda m: m.__name__)
def test_the_trusted_constructor_builds_what_validation_builds(model: type[BaseModel]) -> None:
    build = trusted_constructor(model)
    required = {
        name: _sample(info.annotation)
        for name, info in model.model_fields.items()
        if info.is_required()
    }
    built, validated = build(**required), model.model_validate(required)
    assert built == validated
    assert repr(built) == repr(validated)  # same fields, in the same order
    assert built.model_dump() == validated.model_dump()
    assert built.model_fields_set >= set(required)
    with pytest.raises(TypeError):
        build(**required, no_such_field=1)
    with pytest.raises(Exception, match="frozen"):
        built.__setattr__(next(iter(model.model_fields)), None)


def test_a_factory_default_is_fresh_for_each_model() -> None:
    build = trusted_constructor(c.Candidate)
    first, second = build(), build()
    assert first.email_addresses == [] and first.email_addresses is not second.email_addresses
    assert first.remote_fields is not second.remote_fields


def test_a_trusted_model_copies_and_updates_as_a_validated_one() -> None:
    built = trusted_constructor(c.Application)(dialect="kombo")
    copied = built.model_copy(update={"stage_id": "S1"})
    assert copied.stage_id == "S1" and built.stage_id is None
    assert "stage_id" in copied.model_fields_set


def _sample(annotation: Any) -> Any:
    """A valid value for the required fields of the canonical models."""
    if annotation is Decimal:
        return Decimal("1.5")
    if get_origin(annotation) is Literal:
        return get_args(annotation)[0]
    return "x"
