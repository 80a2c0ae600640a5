"""The read mapping: the shipped default, extends, conversions, and errors with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from asymbl_sf import Asymbl, MappingError
from asymbl_sf.reading import MODELS, load_read_mapping, parse_read_mapping
from asymbl_sf.reading.loader import default_read_mapping_path
from tests.reading.helpers import Pipeline


def problems(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "org.yaml"
    path.write_text(text)
    with pytest.raises(MappingError) as caught:
        load_read_mapping(path)
    return [str(p).replace(str(tmp_path) + "/", "") for p in caught.value.problems]


def test_the_default_mapping_has_every_model() -> None:
    mapping = load_read_mapping()
    assert set(mapping.models) == set(MODELS)
    assert mapping.files == ["mappings/read.yaml"]
    assert default_read_mapping_path().name == "read.yaml"
    assert mapping.settings.overlap_seconds == 300


def test_problems_name_file_line_and_key_all_at_once(tmp_path: Path) -> None:
    # The unknown model (a catalog problem, see the next test) waits until the file is valid.
    text = """\
extends: default
models:
  jobs:
    fields:
      status: {field: bpats__Status__c, map: {Open: OPEN}, convert: text}
      salary_amount: {field: "bpats__Salary__c; DELETE", convert: number}
      opened_at: {field: bpats__Posted_Date__c, convert: timestamp}
  applications:
    outcome:
      - {when: {bpats__Applicant_Status__c: Rejected}, then: LOST}
  placements:
    sobject: bpats__Placement__c
"""
    assert problems(text, tmp_path) == [
        "org.yaml:5:7: models.jobs.fields.status: give map or convert, not both",
        "org.yaml:6:7: models.jobs.fields.salary_amount: 'bpats__Salary__c; DELETE' is not a "
        "Salesforce field name (letters, digits and _, optionally behind relationship names: "
        "Owner.Email)",
        "org.yaml:7:49: models.jobs.fields.opened_at.convert: must be one of text, datetime, "
        "date, bool, number or integer (got 'timestamp')",
        "org.yaml:10:56: models.applications.outcome[0].then: must be one of PENDING, HIRED, "
        "DECLINED or REJECTED (got 'LOST')",
    ]


def test_catalog_problems_with_hints(tmp_path: Path) -> None:
    text = """\
extends: default
models:
  jobs:
    fields:
      nmae: Name
    outcome:
      - {then: HIRED}
  candidates:
    fields:
      phone_numbers: Phone
      title: [{field: Title}]
  applications:
    fields:
      job_id: bpats__Job__r.Id
  placements:
    sobject: bpats__Placement__c
"""
    assert problems(text, tmp_path) == [
        "org.yaml:15:3: models.placements: unknown model; known: users, jobs, candidates, "
        "application_stages, applications, job_stages, hiring_team",
        "org.yaml:5:7: models.jobs.fields.nmae: jobs has no key 'nmae' to fill; did you mean "
        "'name'? fillable: name, job_code, description, confidential, weekly_hours, "
        "employment_type, status, visibility, category, department, post_url, "
        "experience_level, remote_work_status, salary_amount, salary_amount_from, "
        "salary_amount_to, salary_currency, salary_period, location.city, location.country, "
        "location.raw, location.state, location.street_1, location.street_2, "
        "location.zip_code, opened_at, closed_at, contact_id",
        "org.yaml:6:5: models.jobs.outcome: only for applications",
        "org.yaml:11:7: models.candidates.fields.title: 'title' is a single value: give field, "
        "value or join",
        "org.yaml:10:7: models.candidates.fields.phone_numbers: 'phone_numbers' is a list: "
        "give entries like - {field: Phone, type: MOBILE}",
        "org.yaml:14:7: models.applications.fields.job_id: must be a plain lookup field of "
        "bpats__ATS_Applicant__c (no path, map or convert)",
    ]


def test_an_sobject_and_a_team_lookup_are_single_names_not_paths(tmp_path: Path) -> None:
    text = """\
extends: default
models:
  jobs:
    sobject: bpats__Job__c.Owner
  hiring_team:
    members:
      - {field: Owner.Manager, label: Recruiter}
"""
    assert problems(text, tmp_path) == [
        "org.yaml:4:5: models.jobs.sobject: an sObject API name (bpats__Job__c), not a path",
        "org.yaml:7:10: models.hiring_team.members[0].field: a lookup field of the job itself "
        "(no relationship path)",
    ]


def test_a_file_without_extends_needs_every_model(tmp_path: Path) -> None:
    text = "version: 1\nmodels:\n  users:\n    sobject: User\n"
    assert problems(text, tmp_path) == [
        "org.yaml:2:1: models: missing model(s): jobs, candidates, application_stages, "
        "applications, job_stages, hiring_team; every model needs its sObject (extends: "
        "default brings them all)"
    ]


def test_yaml_syntax_and_duplicate_keys(tmp_path: Path) -> None:
    assert problems("version: 1\nmodels: [a\n", tmp_path) == [
        "org.yaml:3:1: not valid YAML: expected ',' or ']', but got '<stream end>'"
    ]
    assert problems(
        "extends: default\nsettings: {overlap_seconds: 1}\nsettings: {}\n", tmp_path
    ) == ["org.yaml:3:1: settings: duplicate key"]
    assert problems("", tmp_path) == ["org.yaml:1: the file is empty; it starts with 'version: 1'"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- version: 1\n",
            "org.yaml:1: a read mapping is a mapping of keys (version, settings, models)",
        ),
        (
            "version: 1\nextends: ''\n",
            "org.yaml:2: extends: must be 'default' or a path to a read mapping",
        ),
        (
            "version: 1\nextends: org.yaml\n",
            "org.yaml:2: extends: extends loops back on itself: org.yaml → org.yaml",
        ),
        ("version: 1\nextends: gone.yaml\n", "gone.yaml: no such read mapping file"),
    ],
)
def test_file_level_problems_are_worded_for_a_read_mapping(
    text: str, expected: str, tmp_path: Path
) -> None:
    assert problems(text, tmp_path) == [expected]


def test_an_unreadable_read_mapping(tmp_path: Path) -> None:
    (tmp_path / "org.yaml").write_bytes(b"version: 1\n# caf\xe9\n")
    with pytest.raises(MappingError, match=r"org\.yaml: cannot read the read mapping: 'utf-8'"):
        load_read_mapping(tmp_path / "org.yaml")


def test_extends_overrides_field_by_field(tmp_path: Path) -> None:
    (tmp_path / "org.yaml").write_text("""\
extends: default
settings:
  overlap_seconds: 60
models:
  jobs:
    fields:
      status: {field: bpats__Status__c, map: {Open: OPEN}, otherwise: "null"}
      salary_currency: {value: EUR}
      opened_at: null
    custom_fields: {openings: bpats__Number_of_Openings__c}
""")
    mapping = load_read_mapping(tmp_path / "org.yaml")
    jobs = mapping.model("jobs")
    assert mapping.settings.overlap_seconds == 60
    assert "opened_at" not in jobs.fields and jobs.fields["name"].field == "Name"
    assert jobs.custom_fields == {"openings": "bpats__Number_of_Openings__c"}
    assert mapping.files == [str(tmp_path / "org.yaml"), "mappings/read.yaml"]
    assert mapping.position(("models", "jobs", "fields", "salary_currency")) == (
        str(tmp_path / "org.yaml"),
        8,
        7,
    )


def test_conversions_maps_constants_and_joins(client: Asymbl, pipeline: Pipeline) -> None:
    mapping = parse_read_mapping(
        """\
extends: default
models:
  jobs:
    fields:
      status: {field: bpats__Status__c, map: {Filled: CLOSED}, otherwise: "null"}
      salary_currency: {value: EUR}
      weekly_hours: {field: bpats__Number_of_Openings__c, convert: integer}
      opened_at: {field: bpats__Posted_Date__c, convert: date}
      confidential: {field: bpats__Post_Externally__c, map: {true: false, false: true}}
      location.raw: {join: [bpats__Location__c, bpats__Job_Title__c], separator: " / "}
      category: {field: bpats__Salary__c, convert: text}
    custom_fields: {openings: bpats__Number_of_Openings__c, owner_email: Owner.Email}
""",
        base_dir=".",
    )
    job = next(
        r
        for r in client.read("jobs", read_mapping=mapping)
        if r["name"] == "Senior Backend Engineer"
    )
    assert {
        k: job[k]
        for k in (
            "status",
            "salary_currency",
            "weekly_hours",
            "opened_at",
            "confidential",
            "category",
        )
    } == {
        "status": None,
        "salary_currency": "EUR",
        "weekly_hours": 2,
        "opened_at": "2026-01-05",
        "confidential": False,
        "category": "85000",
    }
    assert job["location"]["raw"] == "Berlin, DE / Senior Backend Engineer"
    assert job["custom_fields"] == {"openings": 2, "owner_email": "riley.recruiter@example.com"}


def test_a_field_the_org_lacks_points_at_its_line(client: Asymbl, tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(
        "extends: default\nmodels:\n  users:\n    fields:\n      email: Email_Address__c\n"
    )
    with pytest.raises(MappingError) as caught:
        list(client.read("users", read_mapping=path))
    (problem,) = caught.value.problems
    assert (problem.source, problem.line, problem.path) == (
        str(path),
        5,
        "models.users.fields.email",
    )
    assert problem.message == (
        "Salesforce does not know 'Email_Address__c' (No such column 'Email_Address__c' on "
        "entity 'User'.); fix the name, or remove it if this org does not have it"
    )


def test_an_unknown_object_points_at_its_line(client: Asymbl, tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("extends: default\nmodels:\n  users:\n    sobject: Person__c\n")
    with pytest.raises(MappingError) as caught:
        list(client.read("users", read_mapping=path))
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (4, "models.users.sobject")
