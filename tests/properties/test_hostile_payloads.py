"""Any JSON value, in every dialect and payload kind, parses to a canonical model or fails with a
PayloadError whose problems say where; nothing else ever escapes (no traceback for a user)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asymbl_sf.errors import MappingError, PayloadError
from asymbl_sf.mapping import RenderedPlan, load_mapping, render
from asymbl_sf.models import Activity, Application, Attachment, StageMove
from tests.properties.payloads import CASES, Case
from tests.properties.strategies import json_values, mutated

RESULT_TYPES: dict[str, type] = {
    "application": Application,
    "candidate": Application,
    "attachment": Attachment,
    "activity": Activity,
    "stage_move": StageMove,
}
DEFAULT_MAPPING = load_mapping()
ids = [case.name for case in CASES]


def outcome(case: Case, body: Any, *, dialect: str | None) -> Any:
    """The parse's model, or None after checking the PayloadError is well formed."""
    try:
        model = case.parse(body, dialect=dialect)
    except PayloadError as error:
        assert error.problems, "a PayloadError must say what is wrong"
        for problem in error.problems:
            assert problem.message.strip()
            assert "Traceback" not in problem.message
        return None
    assert isinstance(model, RESULT_TYPES[case.kind])
    return model


def field_problems_have_paths(case: Case, body: dict[str, Any]) -> None:
    """With the dialect named and an object body, every problem says which field it is about:
    by its path, or (a rule spanning several top-level keys, such as Kombo's "data or
    data_url") by naming those keys in its message."""
    try:
        case.parse(body, dialect=case.dialect)
    except PayloadError as error:
        keys = set(case.body) | {str(key) for key in body}
        for problem in error.problems:
            named = [
                key for key in keys if key and re.search(rf"\b{re.escape(key)}\b", problem.message)
            ]
            assert problem.path or named, f"neither a path nor a field named: {problem}"


@pytest.mark.parametrize("case", CASES, ids=ids)
@given(value=json_values)
def test_any_json_value_gives_a_model_or_a_payload_error(case: Case, value: Any) -> None:
    outcome(case, value, dialect=None)
    outcome(case, value, dialect=case.dialect)
    outcome(case, json.dumps(value), dialect=case.dialect)


@pytest.mark.parametrize("case", CASES, ids=ids)
@given(data=st.data())
def test_mutated_payloads_give_a_model_or_errors_with_field_paths(
    case: Case, data: st.DataObject
) -> None:
    body = data.draw(mutated(case.body))
    outcome(case, body, dialect=None)
    outcome(case, json.dumps(body), dialect=None)
    if outcome(case, body, dialect=case.dialect) is None:
        field_problems_have_paths(case, body)


RENDERABLE = [case for case in CASES if case.kind in ("application", "candidate", "activity")]


@pytest.mark.parametrize("case", RENDERABLE, ids=[case.name for case in RENDERABLE])
@given(data=st.data())
def test_rendering_a_mutated_payload_gives_a_plan_or_a_clear_error(
    case: Case, data: st.DataObject
) -> None:
    body = data.draw(mutated(case.body))
    model = outcome(case, body, dialect=case.dialect)
    if model is None:
        return
    try:
        plan = render(model, DEFAULT_MAPPING)
    except (MappingError, PayloadError) as error:
        assert error.problems
        return
    assert isinstance(plan, RenderedPlan)
    for problem in plan.problems:
        assert problem.message.strip()
