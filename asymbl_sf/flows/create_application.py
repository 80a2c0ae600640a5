"""create-application and create-candidate: plan one payload, write it, answer like Kombo.

The write core does the work (:class:`~asymbl_sf.writes.single.WriteOne`); this module says what
the answer is: Kombo's application (``read("applications")`` of the applicant) or Kombo's
candidate with its applications (``read("candidates")`` of the Contact), read back in the same
Composite call as the write, or from the lookups when nothing was written.
"""

from __future__ import annotations

from typing import Any

from asymbl_sf.salesforce.units import ReadBack
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import CONTENT_VERSION
from asymbl_sf.writes.decide import APP_NONE, Decided
from asymbl_sf.writes.facts import Facts
from asymbl_sf.writes.plan import PlannedRow, RowInput
from asymbl_sf.writes.present import (
    APPLICATION,
    CANDIDATE,
    CANDIDATE_APPLICATIONS,
    CANDIDATE_STAGES,
    Presenter,
)
from asymbl_sf.writes.queries import Lookup
from asymbl_sf.writes.records import WriteSet, applicant_write_key, contact_write_key
from asymbl_sf.writes.single import Options, Outcome, WriteOne, plan_actions


class ApplicationAnswer:
    """Kombo's create-application answer (``candidate``: Kombo's candidate answer)."""

    def __init__(self, *, candidate: bool = False) -> None:
        self.candidate = candidate

    def describes(self, row: PlannedRow) -> list[str]:
        return [CONTENT_VERSION] if row.files else []

    def lookups(
        self, presenter: Presenter, row: PlannedRow, contacts: tuple[str, str] | None
    ) -> list[Lookup]:
        if self.candidate and contacts is not None:
            return [presenter.stages_lookup(*contacts)]
        return []

    def check(self, decided: Decided, facts: Facts) -> None:
        """Nothing beyond the core's decisions."""

    def read_backs(
        self, presenter: Presenter, decided: Decided, writes: WriteSet
    ) -> list[ReadBack]:
        decision = decided.decisions[0]
        contact_key = contact_write_key(decision.key)
        contact_written = contact_key in writes.writes and not writes.writes[contact_key].record_id
        applicant: str | None = None
        applicant_written = False
        if decision.application != APP_NONE:
            key = applicant_write_key(decision.key, decision.job_id)
            applicant_written = key in writes.writes
            state = decided.applicants.get(decision.pair)
            applicant = key if applicant_written else (state.applicant_id if state else None)
        contact = contact_key if contact_written else str(decided.contacts[decision.key].contact_id)
        return presenter.read_backs(
            contact=contact,
            applicant=applicant,
            candidate=self.candidate,
            contact_written=contact_written,
            applicant_written=applicant_written,
        )

    def present(
        self, presenter: Presenter, outcome: Outcome, warnings: list[str]
    ) -> dict[str, Any]:
        decided, facts, result = outcome.decided, outcome.facts, outcome.result
        decision = outcome.decision
        contact_id = str(decided.contacts[decision.key].contact_id)
        job = outcome.job()
        if job is not None:
            presenter.learn_stages(job.stages)
        presenter.learn_stages(facts.extra.get(CANDIDATE_STAGES, []))
        presenter.learn_stages(result.rows.get(CANDIDATE_STAGES, []))
        if self.candidate:
            contact_row = (
                result.records.get(CANDIDATE)
                or _contact_row(facts, decision.row.contact_key, contact_id)
                or decision.contact_row
                or {}
            )
            applications = result.rows.get(CANDIDATE_APPLICATIONS)
            if applications is None:
                applications = facts.applicants.get(contact_id, [])
            data = presenter.candidate({**contact_row, "Id": contact_id}, applications)
        else:
            state = decided.applicants.get(decision.pair)
            applicant_row = result.records.get(APPLICATION) or (
                facts.applicant(contact_id, decision.job_id, presenter.applications.job_link)
                if state is not None and state.applicant_id
                else None
            )
            data = presenter.application(
                applicant_row or {"Id": state.applicant_id if state else None}
            )
        return {
            "status": "success",
            "data": data,
            "warnings": [{"message": w} for w in warnings],
            "actions": plan_actions(decided, outcome.failed_files),
        }


def _contact_row(facts: Facts, contact_key: str, contact_id: str) -> dict[str, Any] | None:
    return next(
        (c for c in facts.contacts.get(contact_key, []) if to_18(str(c["Id"])) == contact_id), None
    )


def create_application(
    core: WriteOne,
    source: RowInput,
    *,
    candidate: bool = False,
    dry_run: bool = False,
    on_existing: str = "reuse",
) -> dict[str, Any]:
    """Create (or find) the candidate's Contact, and the application when there is a job."""
    application = core.planner().prepare(source, candidate=candidate)
    return core.run(
        lambda strict: core.planner().render_row(application, source, strict=strict),
        ApplicationAnswer(candidate=candidate),
        Options(dry_run=dry_run, on_existing=on_existing),
    )
