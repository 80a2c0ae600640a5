"""Move an application to another stage of its job.

Two API calls: one Composite that reads the applicant, its job, the job's stages and its Contact
(chained on the applicant's own lookups), and one Composite that updates the stage and
``bpats__Current_Stage_Date__c`` and reads the applicant back. Moving to the stage it is already on
writes nothing and says so.
"""

from __future__ import annotations

from datetime import date, timezone
from datetime import datetime as dt
from typing import Any

from asymbl_sf.errors import PayloadError, Problem, WriteError
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.schema.ids import to_18

from . import result as kombo
from .common import find_stage, require_id, rows
from .lookup import APPLICANT, APPLICANT_FIELDS, CONTACT_FIELDS, STAGE, STAGE_FIELDS

_APP = "@{app.records[0]"


class MoveStage:
    def __init__(self, api: SalesforceApi, instance_url: str) -> None:
        self.api = api
        self.instance_url = instance_url

    def run(self, application_id: str, stage: str, *, today: date | None = None) -> dict[str, Any]:
        app_id = require_id(application_id, "application_id", "a bpats__ATS_Applicant__c")
        if not stage or not stage.strip():
            raise PayloadError(Problem("stage_id", "required: a stage id or a stage name"))
        api = self.api
        answers = api.composite(
            [
                SubRequest(
                    "GET",
                    api.query_url(
                        format_soql(
                            f"SELECT {', '.join(APPLICANT_FIELDS)} FROM {APPLICANT} WHERE Id = {{}}",
                            app_id,
                        )
                    ),
                    "app",
                ),
                SubRequest(
                    "GET",
                    api.query_url(
                        f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE} "
                        f"WHERE bpats__Job__c = '{_APP}.bpats__Job__c}}' "
                        "ORDER BY bpats__Sequence__c ASC NULLS LAST, Name"
                    ),
                    "stages",
                ),
                SubRequest(
                    "GET",
                    api.query_url(
                        f"SELECT Id, Name FROM bpats__Job__c WHERE Id = '{_APP}.bpats__Job__c}}'"
                    ),
                    "job",
                ),
                SubRequest(
                    "GET",
                    api.query_url(
                        f"SELECT {', '.join(CONTACT_FIELDS)} FROM Contact "
                        f"WHERE Id = '{_APP}.bpats__ATS_Applicant__c}}'"
                    ),
                    "contact",
                ),
            ]
        )
        applicants = rows(answers.get("app"))
        if not applicants:
            raise PayloadError(
                Problem(
                    "application_id", f"no bpats__ATS_Applicant__c with Id {app_id} in this org"
                )
            )
        applicant = applicants[0]
        stages = rows(answers.get("stages"))
        unknown_job = {"Id": applicant.get("bpats__Job__c"), "Name": None}
        job = (rows(answers.get("job")) or [unknown_job])[0]
        contact = (rows(answers.get("contact")) or [{}])[0]
        target = find_stage(stages, stage)
        if target is None:
            listing = "; ".join(f"{s['Name']} ({s['Id']})" for s in stages) or "none"
            raise PayloadError(
                Problem(
                    "stage_id",
                    f"{stage!r} is not a stage of the application's job "
                    f"{job.get('Name')!r}; its stages are: {listing}",
                )
            )
        warnings: list[str] = []
        if to_18(target["Id"]) == to_18(
            applicant.get("bpats__Stage__c") or target["Id"]
        ) and applicant.get("bpats__Stage__c"):
            warnings.append(
                f"The application is already on stage {target['Name']!r}; nothing was changed"
            )
            data = kombo.application_data(applicant, contact, job, stages, self.instance_url)
            return kombo.success(data, warnings, actions={"stage": "unchanged"})
        entered = (today or dt.now(timezone.utc).date()).isoformat()
        update = {"bpats__Stage__c": target["Id"], "bpats__Current_Stage_Date__c": entered}
        written = api.composite(
            [
                SubRequest("PATCH", api.sobject_url(APPLICANT, app_id), "move", update),
                SubRequest(
                    "GET",
                    api.query_url(
                        format_soql(
                            f"SELECT {', '.join(APPLICANT_FIELDS)} FROM {APPLICANT} WHERE Id = {{}}",
                            app_id,
                        )
                    ),
                    "read",
                ),
            ],
            all_or_none=True,
        )
        move = written.get("move")
        if move is None or not move.ok:
            error = move.error() if move else WriteError([Problem("stage_id", "no answer")])
            raise WriteError([Problem("stage_id", f"Salesforce refused the move: {error}")])
        applicant = (rows(written.get("read")) or [{**applicant, **update}])[0]
        data = kombo.application_data(applicant, contact, job, stages, self.instance_url)
        return kombo.success(
            data,
            warnings,
            actions={
                "stage": "moved",
                "from_stage_id": applicants[0].get("bpats__Stage__c"),
                "to_stage_id": target["Id"],
            },
        )
