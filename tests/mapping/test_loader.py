"""Loading mapping files: validation with file and line, extends, the shipped default."""

from __future__ import annotations

from pathlib import Path

import pytest

from asymbl_sf.errors import MappingError
from asymbl_sf.mapping import default_mapping_path, load_mapping, parse_mapping

MAPPINGS = Path(__file__).parent.parent / "fixtures" / "mappings"


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(MappingError) as info:
        parse_mapping(text, source="m.yaml")
    return [(p.line, p.path, p.message) for p in info.value.problems]


def test_the_shipped_default_loads() -> None:
    mapping = load_mapping()
    assert default_mapping_path().name == "asymbl.yaml"
    assert set(mapping.objects) == {"Contact", "bpats__ATS_Applicant__c", "ContentVersion", "Task"}
    assert set(mapping.objects_for("application")) == {
        "Contact",
        "bpats__ATS_Applicant__c",
        "ContentVersion",
    }
    assert set(mapping.objects_for("activity")) == {"Task"}
    contact = mapping.objects["Contact"]
    assert contact.match is not None and contact.match.on == ["Email"]
    assert contact.fields["Email"].steps == [("strip", None), ("lower", None)]


def test_every_problem_of_a_file_is_reported_with_its_line() -> None:
    with pytest.raises(MappingError) as info:
        load_mapping(MAPPINGS / "broken.yaml")
    found = {(p.line, p.path): p.message for p in info.value.problems}
    assert all(p.source and p.source.endswith("broken.yaml") for p in info.value.problems)
    assert found[(3, "settings.over_length")].startswith("must be one of truncate or reject")
    assert found[(7, "objects.Contact.matsh")].startswith("unknown key; did you mean 'match'?")
    assert found[(10, "objects.Contact.fields.Email.transform[1]")].startswith(
        "unknown transform 'lowercase'"
    )
    assert found[(12, "objects.Contact.fields.Title")].startswith("give exactly one of from")
    assert str(info.value).splitlines()[0].startswith(str(MAPPINGS / "broken.yaml") + ":3:")


def test_unknown_canonical_path_is_reported_with_its_line() -> None:
    problems = problems_of(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      FirstName: {from: frist_name}\n"
    )
    ((line, path, message),) = problems
    assert (line, path) == (6, "objects.Contact.fields.FirstName.from")
    assert "Candidate has no 'frist_name'" in message


def test_yaml_syntax_error_gives_line_and_column() -> None:
    with pytest.raises(MappingError) as info:
        parse_mapping("version: 1\nobjects:\n  Contact: {from: candidate\n", source="m.yaml")
    (problem,) = info.value.problems
    assert problem.line is not None and problem.column is not None
    assert problem.message.startswith("not valid YAML")


def test_duplicate_keys_are_a_problem() -> None:
    problems = problems_of(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: last_name\n      LastName: first_name\n"
    )
    assert problems == [(7, "objects.Contact.fields.LastName", "duplicate key")]


def test_version_is_required_and_must_be_1() -> None:
    problems = problems_of("version: 2\nobjects: {Contact: {from: candidate, fields: {A: b}}}\n")
    assert problems[0][:2] == (1, "version")


def test_transform_arguments_are_checked_when_loading() -> None:
    problems = problems_of(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: {from: last_name, transform: [{truncate: ten}, lower, {strip: 1}]}\n"
    )
    messages = {p: m for _, p, m in problems}
    assert "whole number" in messages["objects.Contact.fields.LastName.transform[0]"]
    assert "takes no argument" in messages["objects.Contact.fields.LastName.transform[2]"]


def test_unknown_ref_and_unmapped_match_field_are_problems() -> None:
    problems = problems_of(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n"
        "    match: {on: [Email]}\n    fields:\n      OwnerId: {ref: owner}\n"
    )
    paths = {p for _, p, _ in problems}
    assert paths == {"objects.Contact.fields.OwnerId.ref", "objects.Contact.match.on[0]"}


def test_yaml_on_off_yes_no_stay_text() -> None:
    mapping = parse_mapping(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    match: {on: [Email]}\n"
        "    fields:\n      Email: email_address\n"
        "      Title: {from: title, transform: {map: {no: No, yes: Yes}}}\n"
    )
    assert mapping.objects["Contact"].fields["Title"].steps == [("map", {"no": "No", "yes": "Yes"})]


def test_extends_overrides_adds_and_removes_fields() -> None:
    mapping = load_mapping(MAPPINGS / "custom_org.yaml")
    contact = mapping.objects["Contact"].fields
    assert "Phone" not in contact
    assert contact["MobilePhone"].from_ == "phone_number"
    assert contact["Title"].from_ == "company"
    assert contact["Email"].steps == [("strip", None), ("lower", None)]  # inherited
    source = mapping.objects["bpats__ATS_Applicant__c"].fields["bpats__Source__c"]
    assert source.fallback_field is None  # a field spec is replaced whole, not merged
    assert mapping.settings.over_length == "reject"
    assert mapping.settings.job_remote_key == "Name"
    assert mapping.files[0].endswith("custom_org.yaml")
    assert mapping.files[1] == "mappings/asymbl.yaml"


def test_problems_in_a_child_point_at_the_child_file(tmp_path: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(
        "version: 1\nextends: default\nobjects:\n  Contact:\n    fields:\n"
        "      Email: {from: email_address, transform: [lowr]}\n"
    )
    with pytest.raises(MappingError) as info:
        load_mapping(child)
    (problem,) = info.value.problems
    assert (problem.source, problem.line) == (str(child), 6)


def test_relative_extends_is_read_next_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: last_name\n"
    )
    (tmp_path / "child.yaml").write_text(
        "version: 1\nextends: base.yaml\nobjects:\n  Contact:\n    fields:\n"
        "      FirstName: first_name\n"
    )
    mapping = load_mapping(tmp_path / "child.yaml")
    assert set(mapping.objects["Contact"].fields) == {"LastName", "FirstName"}


def test_extends_cycle_is_detected() -> None:
    with pytest.raises(MappingError) as info:
        load_mapping(MAPPINGS / "cycle_a.yaml")
    (problem,) = info.value.problems
    assert problem.path == "extends"
    assert "cycle_a.yaml → cycle_b.yaml → cycle_a.yaml" in problem.message


def test_missing_file_is_a_mapping_error(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="no such mapping file"):
        load_mapping(tmp_path / "nope.yaml")


def test_position_of_a_key_is_kept_for_later_checks() -> None:
    mapping = load_mapping()
    position = mapping.position(("objects", "Contact", "fields", "Email"))
    assert position is not None
    file, line, _ = position
    lines = default_mapping_path().read_text().splitlines()
    assert file == "mappings/asymbl.yaml" and lines[line - 1].strip().startswith("Email:")


BAD_EXTENDS = "must be 'default' or a path to a mapping file"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- version: 1\n", "m.yaml:1: the file must be a mapping of keys (version, objects)"),
        ("version: 1\nextends: ''\n", f"m.yaml:2: extends: {BAD_EXTENDS}"),
        ("version: 1\nextends: [a]\n", f"m.yaml:2: extends: {BAD_EXTENDS}"),
    ],
)
def test_file_level_problems_are_worded_for_a_mapping(text: str, expected: str) -> None:
    with pytest.raises(MappingError) as info:
        parse_mapping(text, source="m.yaml")
    assert [str(p) for p in info.value.problems] == [expected]


def test_unreadable_file_and_too_deep_extends(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"version: 1\n# caf\xe9\n")
    with pytest.raises(MappingError, match=r"latin1\.yaml: cannot read the mapping file: 'utf-8'"):
        load_mapping(tmp_path / "latin1.yaml")
    for n in range(12):  # m0 extends m1 extends ... m11 extends m12
        (tmp_path / f"m{n}.yaml").write_text(f"version: 1\nextends: m{n + 1}.yaml\n")
    with pytest.raises(MappingError) as info:
        load_mapping(tmp_path / "m0.yaml")
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'm9.yaml'}:2: extends: more than 10 files deep"  # the 10th file
    ]
