"""Log an activity (email, note, other) as a completed Task on the candidate's Contact.

Two API calls: one Composite that checks the candidate (or finds it through the application),
resolves the activity's user to a Salesforce User, and reads the Contact's recent Tasks; and one
insert (two plain calls, insert and read, when the Task's text holds ``@{``, which Composite
would take for a reference and substitute). An activity already logged — the same source id,
or the same subject, body, day and kind on the same Contact — is not logged twice.
"""

from __future__ import annotations

from typing import Any

from asymbl_sf.errors import (
    AuthenticationError,
    PayloadError,
    Problem,
    RequestLimitError,
    SalesforceError,
    TransientError,
    WriteError,
)
from asymbl_sf.mapping import Mapping, RenderedPlan, render
from asymbl_sf.models.canonical import Activity
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.retry import write_once
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.salesforce.units import holds_reference
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.ids import to_18

from . import result as kombo
from .common import require_id, rows
from .lookup import APPLICANT, user_query
from .lost_answer import LOST_ANSWER_WARNING

#: How many of the Contact's latest Tasks are compared with a new activity.
RECENT_TASKS = 200
SUBJECT_FROM_BODY = 80
TASK_FIELDS = [
    "Id",
    "Subject",
    "Description",
    "ActivityDate",
    "TaskSubtype",
    "WhoId",
    "WhatId",
    "OwnerId",
    "CreatedDate",
    "LastModifiedDate",
]


def subject_for(activity: Activity) -> str:
    """Merge requires a subject; Truto notes have none: the body's first line stands in."""
    if activity.subject and activity.subject.strip():
        return activity.subject.strip()
    first_line = next(
        (line.strip() for line in (activity.body or "").splitlines() if line.strip()), ""
    )
    if first_line:
        return (
            first_line
            if len(first_line) <= SUBJECT_FROM_BODY
            else first_line[: SUBJECT_FROM_BODY - 1].rstrip() + "…"
        )
    return {"EMAIL": "Email", "NOTE": "Note"}.get(activity.type, "Activity")


class CreateActivity:
    def __init__(self, api: SalesforceApi, mapping: Mapping, instance_url: str) -> None:
        self.api = api
        self.mapping = mapping
        self.instance_url = instance_url

    def run(self, activity: Activity) -> dict[str, Any]:
        activity = activity.model_copy(update={"subject": subject_for(activity)})
        answers = self.api.composite(self._lookups(activity))
        described = answers.get("describe")
        if described is not None and described.ok:
            self.api.remember_describe(described.body)
        contact_id, application_id = self._who(activity, answers)
        plan = render(activity, self.mapping, self._schema())
        plan.raise_for_problems()
        task = plan.record("Task")
        if task is None:
            raise PayloadError(Problem("", "the mapping has no Task object for activities"))
        warnings = list(plan.warnings)
        owner = self._owner(activity, answers, warnings)
        resolved = {"Contact": contact_id, "application": application_id, "user": owner}
        fields = dict(task.fields)
        for field_name, ref in task.refs.items():
            if resolved.get(ref):
                fields[field_name] = resolved[ref]
        existing = _same_task(rows(answers.get("tasks")), fields, activity.remote_id)
        if existing is not None:
            warnings.append(
                f"This activity is already logged as Task {existing['Id']}; nothing new was created"
            )
            return kombo.success(
                self._data(existing, activity, contact_id, application_id),
                warnings,
                actions={"activity": "exists"},
            )
        record, recovered = write_once(
            self.api.retry,
            lambda: self._insert(plan, fields),
            # After a lost answer, the dedupe lookup finds the Task if it was made.
            lambda: _same_task(
                rows(self.api.composite(self._lookups(activity)).get("tasks")),
                fields,
                activity.remote_id,
            ),
        )
        if recovered:
            warnings.append(LOST_ANSWER_WARNING)
        return kombo.success(
            self._data(record, activity, contact_id, application_id),
            warnings,
            actions={"activity": "create"},
        )

    def _insert(self, plan: RenderedPlan, fields: dict[str, Any]) -> dict[str, Any]:
        """Insert the Task and read it back (one Composite with allOrNone)."""
        if holds_reference(fields):
            return self._insert_plainly(plan, fields)
        created = self.api.composite(
            [
                SubRequest("POST", self.api.sobject_url("Task"), "task", fields),
                SubRequest(
                    "GET",
                    self.api.query_url(
                        f"SELECT {', '.join(TASK_FIELDS)} FROM Task WHERE Id = '@{{task.id}}'"
                    ),
                    "read",
                ),
            ],
            all_or_none=True,
        )
        answer = created.get("task")
        if answer is None or not answer.ok:
            error = answer.error() if answer else None
            if isinstance(error, TransientError):  # a row lock: allOrNone made nothing
                raise TransientError(
                    error.message,
                    error_code=error.error_code,
                    status=error.status,
                    maybe_applied=False,
                )
            raise WriteError(_problems(plan, error))
        return dict((rows(created.get("read")) or [{**fields, "Id": answer.body["id"]}])[0])

    def _insert_plainly(self, plan: RenderedPlan, fields: dict[str, Any]) -> dict[str, Any]:
        """Insert the Task outside Composite, which would substitute the ``@{...}`` its text
        holds, then read it back: two calls instead of one."""
        try:
            answer = self.api.restful("sobjects/Task/", method="POST", json=fields)
        except (TransientError, RequestLimitError, AuthenticationError):
            raise
        except SalesforceError as exc:
            raise WriteError(_problems(plan, exc)) from None
        task_id = str(answer["id"])
        found = self.api.query(
            format_soql(f"SELECT {', '.join(TASK_FIELDS)} FROM Task WHERE Id = {{}}", task_id)
        )
        return dict((found or [{**fields, "Id": task_id}])[0])

    # -- lookups --------------------------------------------------------------------------------

    def _lookups(self, activity: Activity) -> list[SubRequest]:
        api = self.api
        subs: list[SubRequest] = []
        if activity.application_id:
            app_id = require_id(
                activity.application_id,
                "application_id",
                "an application (bpats__ATS_Applicant__c)",
            )
            subs.append(
                SubRequest(
                    "GET",
                    api.query_url(
                        format_soql(
                            f"SELECT Id, bpats__ATS_Applicant__c FROM {APPLICANT} WHERE Id = {{}}",
                            app_id,
                        )
                    ),
                    "app",
                )
            )
        if activity.candidate_id:
            contact_id = require_id(activity.candidate_id, "candidate_id", "a Contact")
            subs.append(
                SubRequest(
                    "GET",
                    api.query_url(format_soql("SELECT Id FROM Contact WHERE Id = {}", contact_id)),
                    "contact",
                )
            )
            who = format_soql("{}", contact_id)
        elif activity.application_id:
            who = "'@{app.records[0].bpats__ATS_Applicant__c}'"
        else:
            raise PayloadError(
                Problem(
                    "candidate_id", "required: the candidate (or application) the activity is about"
                )
            )
        subs.append(
            SubRequest(
                "GET",
                api.query_url(
                    f"SELECT {', '.join(TASK_FIELDS)} FROM Task WHERE WhoId = {who} "
                    f"ORDER BY CreatedDate DESC LIMIT {RECENT_TASKS}"
                ),
                "tasks",
            )
        )
        user = user_query(activity.user)
        if user is not None:
            subs.append(SubRequest("GET", api.query_url(user), "user"))
        if api.cached_describe("Task") is None:
            subs.append(SubRequest("GET", api.describe_url("Task"), "describe"))
        return subs

    def _who(self, activity: Activity, answers: dict[str, Any]) -> tuple[str, str | None]:
        application_id = None
        contact_id = None
        if activity.application_id:
            found = rows(answers.get("app"))
            if not found:
                raise PayloadError(Problem("application_id", "no application with that id"))
            application_id = found[0]["Id"]
            contact_id = found[0].get("bpats__ATS_Applicant__c")
        if activity.candidate_id:
            if not rows(answers.get("contact")):
                raise PayloadError(Problem("candidate_id", "no Contact with that id in this org"))
            candidate = to_18(activity.candidate_id.strip())
            if contact_id and contact_id != candidate:
                raise PayloadError(
                    Problem(
                        "candidate_id",
                        f"the application {application_id} belongs to another "
                        f"candidate ({contact_id})",
                    )
                )
            contact_id = candidate
        if not contact_id:
            raise PayloadError(Problem("application_id", "the application has no candidate"))
        return contact_id, application_id

    def _owner(
        self, activity: Activity, answers: dict[str, Any], warnings: list[str]
    ) -> str | None:
        if not activity.user:
            return None
        found = rows(answers.get("user"))
        if found:
            return str(found[0]["Id"])
        warnings.append(
            f"user {activity.user[:60]!r} is not an active Salesforce user; the Task "
            "is owned by the connected user"
        )
        return None

    def _schema(self) -> OrgSchema:
        schema = OrgSchema.packaged()
        cached = self.api.cached_describe("Task")
        if cached is not None:
            schema.add(cached)
        return schema

    def _data(
        self, task: dict[str, Any], activity: Activity, contact_id: str, application_id: str | None
    ) -> dict[str, Any]:
        return {
            "id": task.get("Id"),
            "remote_id": task.get("Id"),
            "candidate_id": contact_id,
            "application_id": application_id,
            "activity_type": activity.type,
            "subject": task.get("Subject"),
            "body": activity.body,
            "visibility": activity.visibility,
            "user_id": task.get("OwnerId"),
            "remote_created_at": kombo.iso(task.get("CreatedDate")),
            "remote_updated_at": kombo.iso(task.get("LastModifiedDate")),
        }


def _same_task(
    tasks: list[dict[str, Any]], fields: dict[str, Any], remote_id: str | None
) -> dict[str, Any] | None:
    """An existing Task for the same activity: its source id appears in it, or it has the same
    subject, description, day and kind."""
    for task in tasks:
        if remote_id and remote_id in (task.get("Description") or ""):
            return task
        same = all(
            (task.get(name) or None) == (fields.get(name) or None)
            for name in ("Subject", "Description", "ActivityDate", "TaskSubtype")
        )
        if same:
            return task
    return None


def _problems(plan: RenderedPlan, error: Any) -> list[Problem]:
    task = plan.record("Task")
    fields = list(getattr(error, "fields", ()) or [""])
    out = []
    for name in fields:
        path = task.source_path.get(name, "") if task and name else ""
        out.append(
            Problem(path or f"Task.{name}".rstrip("."), f"Salesforce refused the Task: {error}")
        )
    return out
