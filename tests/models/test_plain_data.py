"""The input models' plain-dict validators (``models/plain_data.py``) accept, refuse and report
exactly as the models themselves: same values, the same problems at the same places."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from asymbl_sf.models import kombo
from asymbl_sf.models.plain_data import plain_validator
from asymbl_sf.models.problems import problems_from
from benchmarks.synthetic import generate
from tests.models.helpers import PAYLOADS


def _outcome(model: type[BaseModel], validate: Any, payload: Any) -> tuple[str, Any]:
    """The value, or the problems a parser reports (raw pydantic errors differ in one place:
    a non-object where a model is expected is ``model_type`` there and ``dict_type`` here,
    and both read "must be an object")."""
    try:
        return "valid", validate(payload)
    except ValidationError as exc:
        return "invalid", [str(p) for p in problems_from(exc, model)]


def _as_model(model: type[BaseModel], payload: Any) -> tuple[str, Any]:
    state, value = _outcome(model, model.model_validate, payload)
    return (state, value.model_dump()) if state == "valid" else (state, value)


def _damaged(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The body with one thing wrong at a time: a typo in a key at each level, a wrong type,
    a bad email, a blank name, a bad country, a bad base64, a missing required key."""
    edits = [
        lambda b: b.update(candiate=b.pop("candidate")),
        lambda b: b["candidate"].update(emial_address="x@example.com"),
        lambda b: b["candidate"].update(email_address="not an email"),
        lambda b: b["candidate"].update(first_name="   "),
        lambda b: b["candidate"].update(location={"country": "Germany", "citty": "Berlin"}),
        lambda b: b["candidate"].update(salary_expectations={"amount": "lots", "period": "DAY"}),
        lambda b: b["candidate"].pop("last_name"),
        lambda b: b.update(attachments=[{"name": "cv.pdf", "type": "CV", "data": "%%%"}]),
        lambda b: b.update(source=["not", "an", "object"]),
        lambda b: b.update(screening_question_answers=[{"answer": True}]),
        lambda b: b.update(gdpr_consent={"given": "perhaps"}),
    ]
    for edit in edits:
        damaged = copy.deepcopy(body)
        edit(damaged)
        yield damaged


def _kombo_bodies() -> Iterator[Any]:
    for name in ("kombo_application", "kombo_candidate"):
        seed = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
        yield seed
        yield from _damaged(seed)
    for record in generate(3_000, seed=1, existing_contacts=300):
        if record.dialect == "kombo":
            yield record.payload
    attachment = {"name": "cv.txt", "type": "CV", "content_type": "text/plain", "data": "aGk="}
    yield {"attachment": attachment, "remote_fields": {"a": 1}}
    yield from _damaged_attachments(attachment)
    yield from ([], "text", None, {"candidate": None})


def _damaged_attachments(attachment: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield {"attachment": {**attachment, "type": "PHOTO"}}
    yield {"attachment": {**attachment, "data": "%%%"}}
    yield {"attachment": {**attachment, "data_url": "ftp://x"}}
    yield {"attachment": {**attachment, "nme": "cv.txt"}}
    yield {"attachment": attachment, "application_id": "  "}


@pytest.mark.parametrize(
    "model",
    [kombo.KomboCreateApplication, kombo.KomboCreateCandidate, kombo.KomboAddAttachment],
    ids=lambda m: m.__name__,
)
def test_plain_validator_accepts_refuses_and_reports_as_the_model_does(
    model: type[BaseModel],
) -> None:
    plain = plain_validator(model)
    seen = {"valid": 0, "invalid": 0}
    for payload in _kombo_bodies():
        expected = _as_model(model, payload)
        assert _outcome(model, plain.validate_python, payload) == expected, payload
        seen[expected[0]] += 1
    assert seen["valid"] >= 1 and seen["invalid"] >= 10  # both sides are exercised


def test_a_model_with_a_model_validator_is_refused_rather_than_half_checked() -> None:
    from pydantic import model_validator

    class Checked(BaseModel):
        a: int

        @model_validator(mode="after")
        def positive(self) -> Checked:
            return self

    with pytest.raises(TypeError, match="model validator"):
        plain_validator(Checked)
