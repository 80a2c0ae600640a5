"""Log an activity (email, note, other) as a completed Task on the candidate's Contact.

Through the write core: one Composite call finds the candidate (or it through the application),
resolves the activity's user to a Salesforce User and reads the Contact's recent Tasks; one call
inserts the Task and reads it back (two plain calls, insert and read, when the Task's text holds
``@{``, which Composite would take for a reference). An activity already logged — the same source
id, or the same subject, body, day and kind on the same Contact — is not logged twice.
"""

from __future__ import annotations

from typing import Any

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models.canonical import Activity
from asymbl_sf.reading.convert import iso
from asymbl_sf.salesforce.units import ReadBack, reference
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import TASK
from asymbl_sf.writes.decide import CHILD_CREATE, Decided
from asymbl_sf.writes.facts import TASK_FIELDS, Facts
from asymbl_sf.writes.plan import PlannedRow
from asymbl_sf.writes.present import Presenter
from asymbl_sf.writes.queries import Lookup
from asymbl_sf.writes.records import WriteSet, child_write_key
from asymbl_sf.writes.single import Options, Outcome, WriteOne
from asymbl_sf.writes.state import TASK as TASK_KIND

from .common import require_id

#: The read-back of the new Task.
NEW_TASK = "task"


class ActivityAnswer:
    """The activity as logged: Kombo-like fields of the Task."""

    def __init__(self, activity: Activity, candidate_id: str | None) -> None:
        self.activity = activity
        self.candidate_id = candidate_id

    def describes(self, row: PlannedRow) -> list[str]:
        return [TASK]

    def lookups(
        self, presenter: Presenter, row: PlannedRow, contacts: tuple[str, str] | None
    ) -> list[Lookup]:
        return []

    def check(self, decided: Decided, facts: Facts) -> None:
        decision = decided.decisions[0]
        contact_id = decided.contacts[decision.key].contact_id
        if self.candidate_id and decision.row.via_application and contact_id != self.candidate_id:
            raise PayloadError(
                Problem(
                    "candidate_id",
                    f"the application {decision.row.application_id} belongs to "
                    f"another candidate ({contact_id})",
                )
            )

    def read_backs(
        self, presenter: Presenter, decided: Decided, writes: WriteSet
    ) -> list[ReadBack]:
        decision = decided.decisions[0]
        key = child_write_key(TASK_KIND, decision.key, decision.tasks[0].ident)
        if key not in writes.writes:
            return []
        return [
            ReadBack(
                NEW_TASK, f"SELECT {', '.join(TASK_FIELDS)} FROM Task WHERE Id = '{reference(key)}'"
            )
        ]

    def present(
        self, presenter: Presenter, outcome: Outcome, warnings: list[str]
    ) -> dict[str, Any]:
        decided = outcome.decided
        decision = outcome.decision
        contact_id = str(decided.contacts[decision.key].contact_id)
        chosen = decision.tasks[0]
        state = decided.tasks.get((decision.key, chosen.ident))
        task_id = (
            chosen.existing_id
            if chosen.action != CHILD_CREATE
            else (state.record_id if state else None)
        )
        task = outcome.result.records.get(NEW_TASK) or next(
            (t for t in outcome.facts.tasks.get(contact_id, []) if to_18(str(t["Id"])) == task_id),
            {"Id": task_id, **decision.row.tasks[0].fields},
        )
        data = {
            "id": task.get("Id"),
            "remote_id": task.get("Id"),
            "candidate_id": contact_id,
            "application_id": decision.row.application_id,
            "activity_type": self.activity.type,
            "subject": task.get("Subject"),
            "body": self.activity.body,
            "visibility": self.activity.visibility,
            "user_id": task.get("OwnerId"),
            "remote_created_at": iso(task.get("CreatedDate")),
            "remote_updated_at": iso(task.get("LastModifiedDate")),
        }
        return {
            "status": "success",
            "data": data,
            "warnings": [{"message": w} for w in warnings],
            "actions": {"activity": "create" if chosen.action == CHILD_CREATE else "exists"},
        }


def create_activity(core: WriteOne, activity: Activity) -> dict[str, Any]:
    """Log ``activity`` on its candidate's Contact (linked to its application, if any)."""
    application_id = candidate_id = None
    if activity.application_id:
        application_id = require_id(
            activity.application_id, "application_id", "an application (bpats__ATS_Applicant__c)"
        )
    if activity.candidate_id:
        candidate_id = require_id(activity.candidate_id, "candidate_id", "a Contact")
    if application_id:
        contact_key = f"app:{application_id}"
    elif candidate_id:
        contact_key = f"id:{candidate_id}"
    else:
        raise PayloadError(
            Problem(
                "candidate_id", "required: the candidate (or application) the activity is about"
            )
        )
    return core.run(
        lambda strict: core.planner().activity(
            activity, contact_key, application_id, strict=strict
        ),
        ActivityAnswer(activity, candidate_id),
        Options(),
    )
