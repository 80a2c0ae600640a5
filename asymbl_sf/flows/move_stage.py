"""Move an application to another stage of its job.

Two API calls: one Composite that reads the applicant (as ``read`` does) and its job's stages
(chained on the applicant's own job), and one Composite that updates the stage and
``bpats__Current_Stage_Date__c`` and reads the applicant back. Moving to the stage it is already
on writes nothing and says so. The answer is ``read("applications")`` of the applicant.
"""

from __future__ import annotations

from datetime import date, timezone
from datetime import datetime as dt
from typing import Any

from asymbl_sf.errors import PayloadError, Problem, WriteError
from asymbl_sf.reading import ReadMapping
from asymbl_sf.reading.soql import query
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.composite_unit import write_unit
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.salesforce.units import PendingWrite, ReadBack
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import (
    APPLICANT,
    APPLICANT_STAGE,
    APPLICANT_STAGE_DATE,
    STAGE,
    STAGE_FIELDS,
    STAGE_JOB,
    STAGE_ORDER,
)
from asymbl_sf.state.journal import Entry, Journal
from asymbl_sf.writes.jobs import find_stage
from asymbl_sf.writes.present import APPLICATION, Presenter

from .common import require_id, rows


class MoveStage:
    def __init__(
        self, api: SalesforceApi, read_mapping: ReadMapping, instance_url: str, journal: Journal
    ) -> None:
        self.api = api
        self.presenter = Presenter(api, read_mapping, instance_url)
        #: Where the move is written down first (a move is a fix: ``undo`` puts it back).
        self.journal = journal

    def run(
        self,
        application_id: str,
        stage: str,
        *,
        candidate_id: str | None = None,
        user: str | None = None,
        today: date | None = None,
    ) -> dict[str, Any]:
        """Move the application to ``stage``. ``candidate_id`` (Truto sends it) must be the
        application's candidate; ``user`` (the mover, Truto's ``user_id``) is not recorded:
        Salesforce records the connected user as the one who changed the record."""
        app_id = require_id(application_id, "application_id", "a bpats__ATS_Applicant__c")
        candidate = require_id(candidate_id, "candidate_id", "a Contact") if candidate_id else None
        warnings = []
        if user:
            warnings.append(
                f"user_id {user[:60]!r} is not recorded: Salesforce records the "
                "connected user as the one who moved the application"
            )
        if not stage or not stage.strip():
            raise PayloadError(Problem("stage_id", "required: a stage id or a stage name"))
        api, presenter = self.api, self.presenter
        job_link = presenter.applications.job_link
        answers = api.composite(
            [
                SubRequest(
                    "GET",
                    api.query_url(
                        query(
                            APPLICANT,
                            presenter.applications.select(),
                            [format_soql("Id = {}", app_id)],
                            (),
                        )
                    ),
                    "app",
                ),
                SubRequest(
                    "GET",
                    api.query_url(
                        f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE} "
                        f"WHERE {STAGE_JOB} = '@{{app.records[0].{job_link}}}' ORDER BY {STAGE_ORDER}"
                    ),
                    "stages",
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
        owner = applicant.get(presenter.applications.contact_link)
        if candidate and (not owner or to_18(str(owner)) != candidate):
            raise PayloadError(
                Problem(
                    "candidate_id",
                    f"the application {app_id} belongs to candidate {owner}, not {candidate}",
                )
            )
        stages = rows(answers.get("stages"))
        presenter.learn_stages(stages)
        target = find_stage(stages, stage)
        if target is None:
            job_name = (applicant.get(job_link.replace("__c", "__r")) or {}).get("Name")
            listing = "; ".join(f"{s['Name']} ({s['Id']})" for s in stages) or "none"
            raise PayloadError(
                Problem(
                    "stage_id",
                    f"{stage!r} is not a stage of the application's job {job_name!r}; "
                    f"its stages are: {listing}",
                )
            )
        current = applicant.get(APPLICANT_STAGE)
        if current and to_18(target["Id"]) == to_18(current):
            return {
                "status": "success",
                "data": presenter.application(applicant),
                "warnings": [
                    *({"message": w} for w in warnings),
                    {
                        "message": f"The application is already on stage "
                        f"{target['Name']!r}; nothing was changed"
                    },
                ],
                "actions": {"stage": "unchanged"},
            }
        entered = (today or dt.now(timezone.utc).date()).isoformat()
        update = PendingWrite(
            "move",
            APPLICANT,
            {APPLICANT_STAGE: target["Id"], APPLICANT_STAGE_DATE: entered},
            record_id=app_id,
        )
        self.journal.write(
            [
                Entry(
                    "update",
                    APPLICANT,
                    app_id,
                    before={
                        APPLICANT_STAGE: current,
                        APPLICANT_STAGE_DATE: applicant.get(APPLICANT_STAGE_DATE),
                    },
                    after=dict(update.fields),
                )
            ]
        )
        written = write_unit(
            api,
            [update],
            [
                ReadBack(
                    APPLICATION,
                    query(
                        APPLICANT,
                        presenter.applications.select(),
                        [format_soql("Id = {}", app_id)],
                        (),
                    ),
                )
            ],
        )
        if written.errors:
            error = next(iter(written.errors.values()))
            raise WriteError([Problem("stage_id", f"Salesforce refused the move: {error}")])
        moved = written.records.get(APPLICATION) or {**applicant, APPLICANT_STAGE: target["Id"]}
        return {
            "status": "success",
            "data": presenter.application(moved),
            "warnings": [{"message": w} for w in warnings],
            "actions": {"stage": "moved", "from_stage_id": current, "to_stage_id": target["Id"]},
            "journal": str(self.journal.path),
        }
