"""``template`` field sources: placeholders, empty values, load-time checks."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf.errors import MappingError
from asymbl_sf.mapping import parse_mapping, render
from asymbl_sf.mapping import template as tpl
from asymbl_sf.models import Activity, parse_application
from asymbl_sf.schema.ids import make_id

FIXTURES = Path(__file__).parent.parent / "fixtures"


def render_text(template: str, **values: Any) -> str | None:
    return tpl.parse(template).render(values.get)


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(MappingError) as info:
        parse_mapping(text, source="m.yaml")
    return [(p.line, p.path, p.message) for p in info.value.problems]


def task(description: str) -> str:
    return (
        "version: 1\nobjects:\n  Task:\n    for: activity\n    fields:\n"
        f"      Description: {description}\n"
    )


# --- the template language -------------------------------------------------------------------


def test_placeholders_are_filled() -> None:
    assert render_text("{a} and {b}", a="x", b=2) == "x and 2"
    assert tpl.parse("{a} and { b }").placeholders == ["a", "b"]


def test_a_missing_value_renders_as_empty() -> None:
    assert render_text("Re: {subject} ({type})", type="NOTE") == "Re:  (NOTE)"


def test_all_placeholders_empty_renders_as_null() -> None:
    assert render_text("Re: {subject} ({type})") is None
    assert render_text("{body}\n\nVisibility: {visibility}", body="  ") is None


def test_a_line_whose_placeholders_are_all_empty_is_left_out_with_its_gap() -> None:
    template = "{body}\n\nVisibility: {visibility}"
    assert render_text(template, body="Hi\nthere", visibility="PUBLIC") == (
        "Hi\nthere\n\nVisibility: PUBLIC"
    )
    assert render_text(template, body="Hi") == "Hi"
    assert render_text(template, visibility="PUBLIC") == "Visibility: PUBLIC"
    assert render_text("{a}\n\n{b}\n\n{c}", a="A", c="C") == "A\n\nC"
    # Lines without placeholders are kept.
    assert render_text("Note\n{a}\nend", a=None, b=1) is None
    assert render_text("Note\n{a}\n{b}", b="B") == "Note\nB"


def test_values_are_shown_as_text() -> None:
    when = datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc)
    assert render_text("{a}|{b}|{c}", a=True, b=when, c=["x", None, "y"]) == (
        "true|2024-01-02T03:04:00+00:00|x, y"
    )
    with pytest.raises(ValueError, match=r"\{a\} is an object"):
        render_text("{a}", a={"k": 1})


def test_double_braces_are_literal() -> None:
    assert render_text("{{x}} {a} }}", a="1") == "{x} 1 }"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{body", "a '{' without its '}'"),
        ("body}", "a '}' without its '{'"),
        ("{}", "an empty {} placeholder"),
        ("{a b}", "is not a path"),
        ("no placeholders", "needs at least one {placeholder}"),
    ],
)
def test_bad_templates_are_rejected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        tpl.parse(text)


# --- in a mapping ----------------------------------------------------------------------------


def test_template_syntax_is_checked_when_loading() -> None:
    ((line, path, message),) = problems_of(task('{template: "{body"}'))
    assert (line, path) == (6, "objects.Task.fields.Description")
    assert "without its '}'" in message


def test_template_placeholders_are_checked_against_the_kind() -> None:
    ((line, path, message),) = problems_of(task('{template: "{body} {candidate.last_name}"}'))
    assert (line, path) == (6, "objects.Task.fields.Description.template")
    assert message.startswith("{candidate.last_name}: Activity has no 'candidate'")


def test_a_placeholder_naming_an_object_is_a_problem() -> None:
    ((_, path, message),) = problems_of(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        '      Description: {template: "{location}"}\n'
    )
    assert path == "objects.Contact.fields.Description.template"
    assert message == "{location}: 'location' is an object; name one of its parts"


def test_template_is_one_of_the_exclusive_sources() -> None:
    ((_, path, message),) = problems_of(task('{template: "{body}", from: body}'))
    assert path == "objects.Task.fields.Description"
    assert message == (
        "give exactly one of from, value, ref, record_type, template (got from, template)"
    )


def test_an_empty_template_leaves_the_field_out_or_takes_the_default() -> None:
    mapping = parse_mapping(
        task('{template: "{body}"}\n      Subject: {template: "{subject}", default: Note}')
    )
    plan = render(Activity(dialect="kombo"), mapping)
    assert plan.ok
    assert plan.record("Task").fields == {"Subject": "Note"}  # type: ignore[union-attr]


def test_transforms_apply_to_the_rendered_text() -> None:
    mapping = parse_mapping(task('{template: "{type}: {subject}", transform: upper}'))
    plan = render(Activity(dialect="kombo", subject="hello"), mapping)
    assert plan.record("Task").fields["Description"] == "NOTE: HELLO"  # type: ignore[union-attr]


def test_templates_work_in_application_objects_with_relative_and_absolute_paths() -> None:
    body = json.loads((FIXTURES / "payloads" / "kombo_application.json").read_text())
    application = parse_application(body, job_id=make_id("a0J", 1))
    mapping = parse_mapping(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: last_name\n"
        '      Description: {template: "{first_name} {last_name} ({$.dialect})"}\n'
    )
    plan = render(application, mapping)
    assert plan.ok
    contact = plan.record("Contact")
    assert contact is not None
    assert contact.fields["Description"] == "Frank Doe (kombo)"
    assert contact.source_path["Description"] == "candidate.first_name"


def test_a_field_spec_lists_the_payload_paths_it_reads() -> None:
    mapping = parse_mapping(task('{template: "{body} {$.subject}"}\n      Subject: subject'))
    fields = mapping.objects["Task"].fields
    assert fields["Description"].payload_paths == ["body", "$.subject"]
    assert fields["Subject"].payload_paths == ["subject"]
