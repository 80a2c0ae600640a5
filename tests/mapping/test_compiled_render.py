"""The code generated for each mapping object (``asymbl_sf/mapping/codegen.py``) renders exactly
what the renderer's exact rules render, field by field and in order, and a hostile mapping stays
data: nothing in it is ever run.

The reference here is ``_Renderer.render_record``: the exact rules alone, field by field, which
the generated code calls for anything outside its common cases."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf.errors import PayloadError
from asymbl_sf.mapping import Mapping, load_mapping, parse_mapping, paths, program, render
from asymbl_sf.mapping import compiled as cp
from asymbl_sf.mapping.render import RenderedPlan, _Renderer, _utc_date
from asymbl_sf.models import parse_application
from asymbl_sf.models.canonical import Application, Candidate
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.ids import make_id
from benchmarks.synthetic import SEEDED_JOBS, generate

PAYLOAD = Path(__file__).parent.parent / "fixtures" / "payloads" / "kombo_application.json"
JOB = make_id("a0J", 1)
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)


def _application(**candidate: Any) -> Application:
    body = json.loads(PAYLOAD.read_text())
    body["candidate"].update(candidate)
    return parse_application(body, job_id=JOB)


def _exact(payload: Any, mapping: Mapping, schema: OrgSchema) -> RenderedPlan:
    """``render`` by the exact rules alone (no generated code)."""
    kind, slots = program.objects_for(mapping, payload)
    renderer = _Renderer(kind, payload, mapping, NOW)
    for slot in slots:
        describe = schema.get(slot.key)
        assert describe is not None
        compiled, obj = cp.compiled(slot.spec, describe), slot.spec
        if obj.is_root:
            items = [(obj.from_, payload)]
        else:
            value = paths.get(payload, obj.from_)
            if value is None:
                items = []
            elif isinstance(value, list):
                items = [(f"{obj.from_}[{i}]", v) for i, v in enumerate(value)]
            else:
                items = [(obj.from_, value)]
        for item_path, item in items:
            key = slot.key if item_path == obj.from_ else f"{slot.key}{item_path[len(obj.from_) :]}"
            renderer.render_record(compiled, obj, key, item_path, item)
    return renderer.plan


def _shape(plan: RenderedPlan) -> list[Any]:
    """Everything a caller sees, with the order of every dict."""
    return [
        [
            (
                r.sobject,
                r.key,
                list(r.fields.items()),
                list(r.refs.items()),
                r.record_type,
                list(r.source_path.items()),
                r.match,
                r.item_path,
                r.item is not None,
            )
            for r in plan.records
        ],
        list(plan.warnings),
        [str(p) for p in plan.problems],
        plan.kind,
    ]


def _same(payload: Any, mapping: Mapping, schema: OrgSchema | None = None) -> RenderedPlan:
    """Render twice (the second time from every memo) and compare both with the exact rules."""
    schema = schema or OrgSchema.packaged()
    first = render(payload, mapping, schema, now=NOW)
    second = render(payload, mapping, schema, now=NOW)
    expected = _shape(_exact(payload, mapping, schema))
    assert _shape(first) == expected
    assert _shape(second) == expected
    return first


def test_the_benchmark_set_renders_as_the_exact_rules_do_dict_order_included() -> None:
    mapping, schema = load_mapping(), OrgSchema.packaged()
    for record in generate(600, seed=3, existing_contacts=60):
        try:
            application = parse_application(record.payload, job_id=SEEDED_JOBS[0])
        except PayloadError:
            continue
        _same(application, mapping, schema)


_FIELDS = (
    "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
    "      LastName: last_name\n{fields}"
    "  bpats__ATS_Applicant__c:\n    from: application\n    fields:\n"
    "      bpats__Source__c: {{from: source.name, fallback_field: bpats__Internal_Source__c}}\n"
    "      bpats__Applicant_Status__c: {{from: source.name}}\n"
)


def _mapping(fields: str = "") -> Mapping:
    return parse_mapping(_FIELDS.format(fields=fields))


@pytest.mark.parametrize(
    ("title", "fields"),
    [
        ("Head\x01of Integrations", "      Title: title\n"),  # a control character
        ("Head\nof\tIntegrations", "      Title: title\n"),  # allowed, but not printable
        ("x" * 300, "      Title: title\n"),  # longer than the field: truncated, warned
        ("x" * 300, "      Title: {from: title, on_over_length: reject}\n"),
        ("Engineer", "      Title: {from: title, max_length: 3}\n"),
        ("  ", "      Title: {from: title, transform: strip}\n"),  # empty once stripped
        ("", "      Title: {from: title, default: None given}\n"),
        ("Engineer", "      Title: {from: availability_date}\n"),  # a date into text
        ("Engineer", "      Title: {from: salary_expectations}\n"),  # an object: a problem
        ("Engineer", "      Title: {from: location.city, transform: upper}\n"),
        ("Engineer", "      Title: {from: title, transform: {map: {values: {}, strict: true}}}\n"),
        ("Engineer", "      Title: {from: $.source.name, transform: lower}\n"),
        ("Engineer", "      Title: {from: remote_fields.shirt}\n"),
        ("Engineer", "      Title: {from: 'email_addresses[0].email_address'}\n"),
        ("Engineer", "      Birthdate: {from: title}\n"),  # text that is no date: a problem
        ("Engineer", "      Birthdate: {from: availability_date, default: today}\n"),
        ("Engineer", "      Title: {value: now}\n      Department: {value: today}\n"),
        ("Engineer", "      Title: {value: 12}\n      HasOptedOutOfEmail: {value: 'yes'}\n"),
        ("Engineer", "      NoSuchField__c: title\n"),
    ],
)
def test_each_case_of_a_field_renders_as_the_exact_rules_do(title: str, fields: str) -> None:
    application = _application(title=title)
    candidate = application.candidate
    assert candidate is not None
    candidate = candidate.model_copy(update={"remote_fields": {"shirt": 42}})
    _same(application.model_copy(update={"candidate": candidate}), _mapping(fields))


@pytest.mark.parametrize("source", ["linkedin", "Stack Overflow Jobs", "", None, "Active"])
def test_restricted_picklists_and_their_fallback_render_alike_every_time(source: Any) -> None:
    body = json.loads(PAYLOAD.read_text())
    body["source"] = {"name": source}
    plan = _same(parse_application(body, job_id=JOB), _mapping())
    applicant = plan.record("bpats__ATS_Applicant__c")
    assert applicant is not None
    if source == "Stack Overflow Jobs":
        # Written to the fallback field, with its warning, on the memo's path too.
        assert applicant.fields["bpats__Internal_Source__c"] == "Stack Overflow Jobs"
        assert len(plan.warnings) == 1


def test_a_hostile_mapping_is_data_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    attack = f"');__import__('os').system('touch {marker}')#\n\"\"\"{{}}\\"
    mapping = parse_mapping(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        f"      LastName: {{value: {json.dumps(attack)}}}\n"
        f"      Title: {{from: title, default: {json.dumps(attack)}}}\n"
        f"      {json.dumps(attack)}: {{value: x}}\n"
        f"      Description: {{from: title, transform: {{map: {{Head: {json.dumps(attack)}}}}}}}\n"
    )
    application = _application(title="Head")
    plan = _same(application, mapping)
    contact = plan.records[0]
    assert contact.fields["LastName"] == attack[:80]  # cut to the field's 80 characters
    assert contact.fields["Description"] == attack
    assert any(attack in p.message for p in plan.problems)  # the org has no such field
    assert not marker.exists()
    slot = program.objects_for(mapping, application)[1][0]
    source = slot.last[1].source  # type: ignore[attr-defined]
    assert "__import__" not in source and "touch" not in source


def test_an_item_of_another_class_than_the_models_say_takes_the_exact_rules() -> None:
    class Other(Candidate):
        pass

    application = _application()
    odd = application.model_copy(
        update={"candidate": Other(**application.candidate.model_dump())}  # type: ignore[union-attr]
    )
    plan = _same(odd, load_mapping())
    assert plan.record("Contact").fields["LastName"] == "Doe"  # type: ignore[union-attr]


def test_a_schema_changed_after_rendering_is_followed() -> None:
    mapping, schema = load_mapping(), OrgSchema.packaged()
    application = _application(title="Head of Integrations")
    assert render(application, mapping, schema).record("Contact").fields["Title"] == (  # type: ignore[union-attr]
        "Head of Integrations"
    )
    body = schema.get("Contact").to_json()  # type: ignore[union-attr]
    body["fields"] = [{**f, "length": 4} if f["name"] == "Title" else f for f in body["fields"]]
    schema.add(type(schema.get("Contact")).model_validate(body))  # type: ignore[arg-type]
    assert render(application, mapping, schema).record("Contact").fields["Title"] == "Head"  # type: ignore[union-attr]


def test_today_and_now_come_from_one_reading_of_the_clock() -> None:
    mapping = parse_mapping(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: {value: today}\n      Title: {value: now}\n"
    )
    before = datetime.now(timezone.utc)
    contact = render(_application(), mapping).records[0]
    after = datetime.now(timezone.utc)
    moment = datetime.strptime(contact.fields["Title"], "%Y-%m-%dT%H:%M:%S.000+0000")
    assert before.replace(microsecond=0, tzinfo=None) <= moment <= after.replace(tzinfo=None)
    assert contact.fields["LastName"] == moment.date().isoformat()


@pytest.mark.parametrize("offset", [-1.0, -1e-6, -4e-7, 0.0, 4e-7, 1.0])
def test_the_remembered_date_is_the_clocks_own_around_midnight(offset: float) -> None:
    midnight = datetime(2027, 3, 1, tzinfo=timezone.utc).timestamp()
    for clock in (midnight - 3600, midnight + offset, midnight + 7200):
        expected = datetime.fromtimestamp(clock, timezone.utc).date().isoformat()
        assert _utc_date(clock) == expected
    assert _utc_date(midnight - timedelta(days=3).total_seconds()) == "2027-02-26"
