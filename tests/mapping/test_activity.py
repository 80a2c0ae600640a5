"""Objects made for activities (``for: activity``): load-time checks per kind, the default Task."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf.errors import MappingError
from asymbl_sf.mapping import load_mapping, parse_mapping, render
from asymbl_sf.mapping.kinds import KINDS, ROOT_MODELS, kind_of
from asymbl_sf.models import Activity, Application
from asymbl_sf.schema import OrgSchema

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def activity(**values: Any) -> Activity:
    base: dict[str, Any] = {
        "type": "EMAIL",
        "subject": "Next steps",
        "body": "Please email this candidate about next steps",
        "visibility": "PUBLIC",
        "user": "recruiter@example.com",
        "candidate_id": "cand-1",
        "application_id": "app-1",
        "created_at": datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc),
        "remote_id": "act-1",
        "dialect": "merge",
    }
    return Activity(**{**base, **values})


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(MappingError) as info:
        parse_mapping(text, source="m.yaml")
    return [(p.line, p.path, p.message) for p in info.value.problems]


def task_only(fields: str, head: str = "    for: activity\n") -> str:
    return f"version: 1\nobjects:\n  Task:\n{head}    fields:\n" + "".join(
        f"      {line}\n" for line in fields.strip().splitlines()
    )


# --- the registry ----------------------------------------------------------------------------


def test_kinds_map_to_their_root_models() -> None:
    assert {"application": Application, "activity": Activity} == ROOT_MODELS
    assert kind_of(activity()) == "activity"
    assert kind_of(Application(dialect="kombo")) == "application"
    with pytest.raises(TypeError, match="Application, Activity"):
        kind_of(object())


# --- loading ---------------------------------------------------------------------------------


def test_for_activity_needs_no_from_and_defaults_to_the_activity() -> None:
    mapping = parse_mapping(task_only("Subject: subject"))
    task = mapping.objects["Task"]
    assert (task.for_, task.from_, task.is_root) == ("activity", "activity", True)


def test_objects_without_for_are_application_objects_and_still_need_from() -> None:
    mapping = parse_mapping(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: last_name\n"
    )
    assert mapping.objects["Contact"].for_ == "application"
    problems = problems_of("version: 1\nobjects:\n  Contact:\n    fields:\n      A: last_name\n")
    assert problems == [(3, "objects.Contact.from", "required")]


def test_an_application_path_in_an_activity_object_is_a_problem_with_its_line() -> None:
    problems = problems_of(task_only("Subject: subject\nDescription: {from: candidate.first_name}"))
    ((line, path, message),) = problems
    assert (line, path) == (7, "objects.Task.fields.Description.from")
    assert message.startswith("Activity has no 'candidate'; it has: type, subject, body")


def test_an_activity_path_in_an_application_object_is_a_problem() -> None:
    problems = problems_of(
        "version: 1\nobjects:\n  Task:\n    from: application\n    fields:\n"
        "      Subject: subject\n"
    )
    assert problems == [
        (6, "objects.Task.fields.Subject.from", problems[0][2]),
    ]
    assert "Application has no 'subject'" in problems[0][2]


def test_from_activity_without_for_hints_at_for() -> None:
    ((line, path, message),) = problems_of(
        "version: 1\nobjects:\n  Task:\n    from: activity\n    fields:\n      Subject: subject\n"
    )
    assert (line, path) == (4, "objects.Task.from")
    assert message.startswith("not a part of an application: Application has no 'activity'")
    assert message.endswith("(an activity object needs 'for: activity')")


def test_unknown_kind_is_a_problem() -> None:
    ((line, path, message),) = problems_of(task_only("Subject: subject", "    for: candidate\n"))
    assert (line, path) == (4, "objects.Task.for")
    assert message == "unknown kind 'candidate'; known: application, activity"


def test_absolute_paths_start_at_the_activity() -> None:
    mapping = parse_mapping(task_only("Subject: {from: $.subject}"))
    plan = render(activity(), mapping, now=NOW)
    assert plan.record("Task").fields == {"Subject": "Next steps"}  # type: ignore[union-attr]
    assert problems_of(task_only("Subject: {from: $.candidate.last_name}"))[0][1] == (
        "objects.Task.fields.Subject.from"
    )


def test_refs_are_checked_per_kind() -> None:
    mapping = parse_mapping(
        task_only("WhoId: {ref: Contact}\nWhatId: {ref: application}\nOwnerId: {ref: user}")
    )
    assert set(mapping.objects["Task"].fields) == {"WhoId", "WhatId", "OwnerId"}
    problems = problems_of(task_only("Subject: subject\nWhatId: {ref: job}"))
    ((line, path, message),) = problems
    assert (line, path) == (7, "objects.Task.fields.WhatId.ref")
    assert message == (
        "unknown ref 'job' for an activity object; known: Contact, application, user"
    )
    # An application object cannot point at an activity object, nor the other way round.
    problems = problems_of(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: last_name\n"
        "  Task:\n    for: activity\n    fields:\n      WhatId: {ref: bpats__X__c}\n"
        "  bpats__X__c:\n    from: application\n    fields:\n      Name: {ref: Task}\n"
    )
    assert {p for _, p, _ in problems} == {
        "objects.Task.fields.WhatId.ref",
        "objects.bpats__X__c.fields.Name.ref",
    }


# --- rendering -------------------------------------------------------------------------------


def test_an_activity_renders_only_the_default_task() -> None:
    plan = render(activity(), load_mapping(), OrgSchema.packaged(), now=NOW)
    assert plan.ok and plan.warnings == [] and plan.kind == "activity"
    assert [r.key for r in plan.records] == ["Task"]
    task = plan.records[0]
    assert task.sobject == "Task" and task.item_path == "activity"
    assert task.refs == {"WhoId": "Contact", "WhatId": "application", "OwnerId": "user"}
    assert task.fields == {
        "Subject": "Next steps",
        "Description": (
            "Please email this candidate about next steps\n\n"
            "Visibility in the source system: PUBLIC\n\n"
            "Source activity id: act-1"
        ),
        "TaskSubtype": "Email",
        "Type": "Email",
        "Status": "Completed",
        "ActivityDate": "2024-03-01",
        "Priority": "Normal",
    }
    assert task.source_path["Subject"] == "subject"
    assert task.source_path["Description"] == "body"
    assert "Status" not in task.source_path


@pytest.mark.parametrize(
    ("kind", "subtype", "type_"), [("NOTE", "Task", "Other"), ("OTHER", "Task", "Other")]
)
def test_notes_and_other_activities_are_plain_tasks(kind: str, subtype: str, type_: str) -> None:
    plan = render(activity(type=kind), load_mapping(), now=NOW)
    assert plan.ok
    fields = plan.record("Task").fields  # type: ignore[union-attr]
    assert (fields["TaskSubtype"], fields["Type"]) == (subtype, type_)


def test_a_bare_activity_still_makes_a_valid_task() -> None:
    plan = render(Activity(dialect="kombo"), load_mapping(), now=NOW)
    assert plan.ok and plan.warnings == []
    assert plan.record("Task").fields == {  # type: ignore[union-attr]
        "TaskSubtype": "Task",
        "Type": "Other",
        "Status": "Completed",
        "ActivityDate": "2024-05-06",
        "Priority": "Normal",
    }


def test_description_without_visibility_or_source_id_is_only_the_body() -> None:
    plan = render(activity(visibility=None, remote_id=None), load_mapping(), now=NOW)
    fields = plan.record("Task").fields  # type: ignore[union-attr]
    assert fields["Description"] == "Please email this candidate about next steps"


def test_a_long_subject_is_truncated_to_255_with_a_warning() -> None:
    plan = render(activity(subject="S" * 300), load_mapping(), now=NOW)
    assert plan.ok
    assert plan.record("Task").fields["Subject"] == "S" * 255  # type: ignore[union-attr]
    assert plan.warnings == ["Task.Subject: value of 300 characters truncated to 255"]


def test_an_application_renders_no_task() -> None:
    plan = render(Application(candidate_id="003000000000001AAA", dialect="kombo"), load_mapping())
    assert plan.kind == "application"
    assert [r.key for r in plan.records] == ["bpats__ATS_Applicant__c"]


def test_a_mapping_without_activity_objects_says_so() -> None:
    mapping = parse_mapping(
        "version: 1\nobjects:\n  Contact:\n    from: candidate\n    fields:\n"
        "      LastName: last_name\n"
    )
    plan = render(activity(), mapping)
    assert plan.records == []
    ((problem),) = plan.problems
    assert problem.path == "objects"
    assert "no object for an activity" in problem.message


def test_extends_can_override_the_task(tmp_path: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(
        "version: 1\nextends: default\nobjects:\n  Task:\n    fields:\n"
        "      Priority: {from: type, transform: {map: {EMAIL: High, NOTE: Low, OTHER: Low}}}\n"
        '      Description: {template: "[{visibility}] {body}"}\n'
        "      OwnerId: null\n"
    )
    mapping = load_mapping(child)
    task = mapping.objects["Task"]
    assert task.for_ == "activity"  # inherited
    plan = render(activity(), mapping, now=NOW)
    assert plan.ok
    record = plan.record("Task")
    assert record is not None
    assert record.fields["Priority"] == "High"
    assert record.fields["Description"] == "[PUBLIC] Please email this candidate about next steps"
    assert record.fields["Status"] == "Completed"  # inherited
    assert record.refs == {"WhoId": "Contact", "WhatId": "application"}


def test_problems_in_an_extending_task_point_at_the_child(tmp_path: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(
        "version: 1\nextends: default\nobjects:\n  Task:\n    fields:\n"
        "      Subject: {from: candidate.first_name}\n"
    )
    with pytest.raises(MappingError) as info:
        load_mapping(child)
    (problem,) = info.value.problems
    assert (problem.source, problem.line, problem.path) == (
        str(child),
        6,
        "objects.Task.fields.Subject.from",
    )


def test_every_kind_has_its_refs() -> None:
    assert KINDS["activity"].refs == ("Contact", "application", "user")
    assert KINDS["application"].refs == ("job", "stage", "user")
