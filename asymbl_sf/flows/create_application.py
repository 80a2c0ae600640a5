"""Create an application: resolve job and stage, dedupe the candidate, write, report.

API calls for one new application: one Composite call for every lookup (plus the describes of the
mapped objects, the first time a client sees them) and one Composite call that writes the Contact,
the applicant and its files with ``allOrNone`` and reads back what it made. Two calls in all; a
dry run spends only the first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.attachments.fetch import Fetched, FetchError, FetchPolicy, fetch
from asymbl_sf.attachments.files import fits_json, upload_version
from asymbl_sf.dedupe import choose_match, normalize_email, updates_for
from asymbl_sf.errors import AsymblError, PayloadError, Problem, TransientError, WriteError
from asymbl_sf.mapping import Mapping, PlannedRecord, RenderedPlan, render
from asymbl_sf.models.canonical import Application, Attachment
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.retry import write_once
from asymbl_sf.salesforce.stepwise import left_behind_message, partial_write_error
from asymbl_sf.salesforce.writer import BatchWriter, PendingWrite, ReadBack, UnitResult
from asymbl_sf.schema import OrgSchema

from . import result as kombo
from .common import find_stage, require_id
from .lookup import APPLICANT, APPLICANT_FIELDS, CONTACT_FIELDS, LookupRequest, OrgFacts, look_up
from .lost_answer import LOST_ANSWER_WARNING, find_written
from .passthrough import unmapped_passthrough


@dataclass
class Decisions:
    """What the flow decided, record by record: the plan a dry run shows."""

    contact_action: str = "create"  # create | reuse | update
    contact_id: str | None = None
    contact_updates: dict[str, Any] = field(default_factory=dict)
    application_action: str = "create"  # create | exists
    application_id: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Refs resolved from the org beyond Contact, job and stage (``user``).
    resolved: dict[str, str] = field(default_factory=dict)


class CreateApplication:
    """One run of the create-application flow against one org."""

    def __init__(
        self,
        api: SalesforceApi,
        mapping: Mapping,
        instance_url: str,
        fetch_policy: FetchPolicy | None = None,
    ) -> None:
        self.api = api
        self.mapping = mapping
        self.instance_url = instance_url
        self.fetch_policy = fetch_policy

    def run(
        self,
        application: Application,
        *,
        dry_run: bool = False,
        require_job: bool = True,
        on_existing: str = "reuse",
        shape: str = "application",
    ) -> dict[str, Any]:
        """Create or reuse the Contact, and the applicant when the payload names a job.

        ``on_existing="fail"`` refuses a candidate whose email already has a Contact (Merge's
        documented behaviour); ``shape`` picks Kombo's application or candidate response.
        """
        if application.job is None and require_job:
            raise PayloadError(Problem("job_id", "required (pass --job-id or application.job_id)"))
        application = download_attachments(application, self.fetch_policy)
        offline = render(application, self.mapping, self._known_schema())
        contact_plan = offline.record("Contact")
        request = self._lookup_request(application, offline, contact_plan)
        facts = look_up(self.api, request)
        job, stage = self._job_and_stage(application, facts) if application.job else ({}, {})
        plan = render(application, self.mapping, self._schema_for_render(facts))
        if not job:
            plan.records = [r for r in plan.records if r.sobject != APPLICANT]
            plan.problems = [p for p in plan.problems if not p.path.startswith(APPLICANT)]
        plan.raise_for_problems()
        decisions = self._decide(plan, facts, application.candidate_id)
        if not job:
            decisions.application_action = "none"
        if on_existing == "fail" and decisions.contact_id:
            raise PayloadError(
                Problem(
                    "candidate.email_address",
                    f"a Contact with this email already exists ({decisions.contact_id}); "
                    "use on_existing='reuse' (--on-existing reuse) to apply to it instead",
                )
            )
        warnings = [
            *plan.warnings,
            *decisions.warnings,
            *unmapped_passthrough(application, self.mapping),
        ]
        if application.sourced_by_user_id and not facts.user_id:
            warnings.append(
                f"sourced_by / credited_to {application.sourced_by_user_id[:60]!r} is "
                "not an active Salesforce user; the recruiter was left empty"
            )
        if facts.user_id:
            decisions.resolved["user"] = facts.user_id
        if dry_run:
            return self._plan_result(plan, decisions, facts, job, stage, warnings)
        return self._write(
            plan, decisions, facts, job, stage, warnings, shape=shape, request=request
        )

    # -- what to ask the org --------------------------------------------------------------------

    def _known_schema(self) -> OrgSchema:
        packaged = OrgSchema.packaged()
        cached = [self.api.cached_describe(d.name) for d in packaged]
        return OrgSchema(c if c is not None else d for c, d in zip(cached, packaged, strict=True))

    def _lookup_request(
        self, application: Application, offline: RenderedPlan, contact: PlannedRecord | None
    ) -> LookupRequest:
        match: dict[str, Any] = {}
        newest_first = False
        if contact is not None and contact.match is not None:
            values = {name: contact.fields.get(name) for name in contact.match.on}
            if all(v not in (None, "") for v in values.values()):
                match = {
                    k: normalize_email(v) if k.lower() == "email" else v for k, v in values.items()
                }
            newest_first = contact.match.when_many == "newest"
        if application.candidate is None and application.candidate_id:
            # An application for an existing candidate (Merge's candidate id): that Contact.
            match = {"Id": require_id(application.candidate_id, "candidate_id", "a Contact")}
        needed = {r.sobject for r in offline.records} | {"Contact", APPLICANT}
        return LookupRequest(
            job=application.job,
            job_remote_key=self.mapping.settings.job_remote_key,
            contact_match=match,
            newest_first=newest_first,
            contact_fields=list(contact.fields) if contact else [],
            checksums=[_md5(a.data) for a in application.attachments if a.data is not None],
            describe=sorted(n for n in needed if self.api.cached_describe(n) is None),
            user=application.sourced_by_user_id,
        )

    def _schema_for_render(self, facts: OrgFacts) -> OrgSchema:
        schema = self._known_schema()
        for describe in facts.schema:
            schema.add(describe)
        return schema

    # -- job and stage --------------------------------------------------------------------------

    def _job_and_stage(
        self, application: Application, facts: OrgFacts
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        job_ref = application.job
        assert job_ref is not None
        if facts.job is None:
            how = "Id" if job_ref.kind == "id" else self.mapping.settings.job_remote_key
            raise PayloadError(
                Problem(
                    "job_id",
                    f"no bpats__Job__c with {how} = {job_ref.value!r} in this org; "
                    "check the id, or the mapping's settings.job_remote_key for remote: ids",
                )
            )
        if facts.jobs_found > 1:
            raise PayloadError(
                Problem(
                    "job_id",
                    f"several jobs have {self.mapping.settings.job_remote_key} = "
                    f"{job_ref.value!r}; use the job's Salesforce id instead",
                )
            )
        job = facts.job
        if not facts.stages:
            raise PayloadError(
                Problem(
                    "job_id",
                    f"job {job['Name']!r} ({job['Id']}) has no stages; Asymbl needs a stage "
                    "on every applicant: add stages to the job (e.g. from an ATS template)",
                )
            )
        wanted = application.stage_id
        if wanted is None:
            return job, facts.stages[0]
        stage = find_stage(facts.stages, wanted)
        if stage is None:
            listing = "; ".join(f"{s['Name']} ({s['Id']})" for s in facts.stages)
            raise PayloadError(
                Problem(
                    "stage_id",
                    f"{wanted!r} is not a stage of job {job['Name']!r}; its stages are: {listing}",
                )
            )
        return job, stage

    # -- decisions ------------------------------------------------------------------------------

    def _decide(
        self, plan: RenderedPlan, facts: OrgFacts, candidate_id: str | None = None
    ) -> Decisions:
        decisions = Decisions()
        contact_plan = plan.record("Contact")
        if contact_plan is None and candidate_id and not facts.contacts:
            raise PayloadError(
                Problem("candidate_id", f"no Contact with Id {candidate_id} in this org")
            )
        match = contact_plan.match if contact_plan else None
        newest = match is not None and match.when_many == "newest"
        contacts = list(reversed(facts.contacts)) if newest else facts.contacts
        try:
            chosen, warning = choose_match(contacts, match.when_many if match else "oldest")
        except ValueError as exc:
            raise PayloadError(Problem("candidate.email_address", str(exc))) from None
        if warning:
            decisions.warnings.append(warning)
        if chosen is not None and (contact_plan is None or match is None):
            decisions.contact_id = str(chosen["Id"])
            decisions.contact_action = "existing"
        elif chosen is not None:
            assert contact_plan is not None and match is not None
            decisions.contact_id = str(chosen["Id"])
            updates = updates_for(match.when_found, chosen, _without_record_type(contact_plan))
            decisions.contact_updates = updates
            decisions.contact_action = "update" if updates else "reuse"
            if match.when_found == "reuse":
                decisions.warnings.append(
                    f"Reused the existing Contact {chosen['Id']} with the same email; it was not "
                    "updated (mapping: when_found: reuse)"
                )
            else:
                changed = ", ".join(sorted(updates)) or "nothing"
                decisions.warnings.append(
                    f"Reused the existing Contact {chosen['Id']} with the same email; "
                    f"{match.when_found} wrote: {changed}"
                )
        if facts.applicant is not None:
            decisions.application_action = "exists"
            decisions.application_id = str(facts.applicant["Id"])
            decisions.warnings.append(
                "An application for this candidate on this job already exists "
                f"({facts.applicant['Id']}, {facts.applicant.get('Name')}); "
                "nothing new was created"
            )
        existing = {f.get("Checksum"): f for f in facts.files}
        for planned in plan.records_for("ContentVersion"):
            attachment: Attachment = planned.item
            checksum = _md5(attachment.data or b"")
            same = existing.get(checksum)
            action = (
                "skip"
                if same
                else ("upload" if fits_json(attachment.data or b"") else "upload_multipart")
            )
            entry = {
                "key": planned.key,
                "file_name": attachment.name,
                "checksum": checksum,
                "action": action,
                "existing_id": same.get("Id") if same else None,
            }
            decisions.files.append(entry)
            if same:
                decisions.warnings.append(
                    f"{planned.item_path}: the same file is already on the Contact "
                    f"({same.get('Id')}); not uploaded again"
                )
        return decisions

    # -- writing --------------------------------------------------------------------------------

    def _unit(
        self, plan: RenderedPlan, decisions: Decisions, job: dict[str, Any], stage: dict[str, Any]
    ) -> list[PendingWrite]:
        resolved = {"job": job["Id"], "stage": stage["Id"]} if job else {}
        resolved.update(decisions.resolved)
        if decisions.contact_id:
            resolved["Contact"] = decisions.contact_id
        unit: list[PendingWrite] = []
        contact_plan = plan.record("Contact")
        if contact_plan is not None and decisions.contact_id is None:
            unit.append(PendingWrite("Contact", "Contact", dict(contact_plan.fields)))
        elif decisions.contact_updates:
            unit.append(
                PendingWrite(
                    "Contact", "Contact", decisions.contact_updates, record_id=decisions.contact_id
                )
            )
        if decisions.application_action == "create" and job:
            unit.append(self._pending(plan.record(APPLICANT), resolved))
        not_here = {f["key"] for f in decisions.files if f["action"] != "upload"}
        for planned in plan.records_for("ContentVersion"):
            if planned.key in not_here:
                continue
            write = self._pending(planned, resolved)
            write.fields["VersionData"] = _base64(planned.item.data or b"")
            unit.append(write)
        return unit

    @staticmethod
    def _pending(planned: PlannedRecord | None, resolved: dict[str, str]) -> PendingWrite:
        assert planned is not None
        fields = dict(planned.fields)
        refs: dict[str, str] = {}
        for field_name, ref in planned.refs.items():
            if ref in resolved:
                fields[field_name] = resolved[ref]
            elif ref == "Contact":
                refs[field_name] = "Contact"
        return PendingWrite(planned.key, planned.sobject, fields, refs)

    def _write(
        self,
        plan: RenderedPlan,
        decisions: Decisions,
        facts: OrgFacts,
        job: dict[str, Any],
        stage: dict[str, Any],
        warnings: list[str],
        *,
        shape: str = "application",
        request: LookupRequest,
    ) -> dict[str, Any]:
        unit = self._unit(plan, decisions, job, stage)
        contact = dict(facts.contacts[0]) if decisions.contact_id and facts.contacts else {}
        if decisions.contact_id:
            contact = next((c for c in facts.contacts if c["Id"] == decisions.contact_id), contact)
        applicant = dict(facts.applicant or {})
        if unit:
            read_back = [
                ReadBack("Contact", "Contact", CONTACT_FIELDS),
                ReadBack(APPLICANT, APPLICANT, APPLICANT_FIELDS),
            ]
            outcome, recovered = write_once(
                self.api.retry,
                lambda: _write_unit(self.api, plan, unit, read_back),
                lambda: find_written(self.api, request, unit, decisions),
            )
            if recovered:
                warnings.append(LOST_ANSWER_WARNING)
            contact = outcome.records.get("Contact", contact)
            if decisions.contact_updates:
                contact = {**contact, **decisions.contact_updates}
            applicant = outcome.records.get(APPLICANT, applicant)
            decisions.contact_id = decisions.contact_id or outcome.ids.get("Contact")
            decisions.application_id = decisions.application_id or outcome.ids.get(APPLICANT)
            for entry in decisions.files:
                if entry["key"] in outcome.ids:
                    entry["id"] = outcome.ids[entry["key"]]
        warnings.extend(self._upload_large_files(plan, decisions))
        actions = _actions(decisions)
        if shape == "candidate":
            data = kombo.candidate_data(contact, self.instance_url)
            data["applications"] = (
                [kombo.application_summary(applicant, job, facts.stages)] if applicant else []
            )
            return kombo.success(data, warnings, actions=actions)
        data = kombo.application_data(applicant, contact, job, facts.stages, self.instance_url)
        return kombo.success(data, warnings, actions=actions)

    def _upload_large_files(self, plan: RenderedPlan, decisions: Decisions) -> list[str]:
        """Files above the JSON limit go one by one as multipart, after the Contact exists.

        They cannot ride in the Composite write, so a failure here leaves the application in
        place; it is reported per file (action ``failed``) and the CLI exits non-zero.
        """
        warnings = []
        for entry in decisions.files:
            if entry["action"] != "upload_multipart":
                continue
            planned = plan.record(entry["key"])
            assert planned is not None and decisions.contact_id is not None
            fields = {k: v for k, v in planned.fields.items() if k != "VersionData"}
            for field_name, ref in planned.refs.items():
                if ref == "Contact":
                    fields[field_name] = decisions.contact_id
            try:
                entry["id"] = upload_version(self.api, fields, planned.item.data or b"")
            except AsymblError as exc:
                entry["action"] = "failed"
                entry["error"] = str(exc)
                warnings.append(
                    f"{planned.item_path}: upload of {entry['file_name']} failed: {exc}"
                )
        return warnings

    def _plan_result(
        self,
        plan: RenderedPlan,
        decisions: Decisions,
        facts: OrgFacts,
        job: dict[str, Any],
        stage: dict[str, Any],
        warnings: list[str],
    ) -> dict[str, Any]:
        unit = self._unit(plan, decisions, job, stage)
        records = []
        for write in unit:
            fields = {
                k: (f"<base64, {len(v)} characters>" if k == "VersionData" else v)
                for k, v in write.fields.items()
            }
            for field_name, target in write.refs.items():
                fields[field_name] = f"<id of the new {target}>"
            records.append(
                {
                    "sobject": write.sobject,
                    "operation": "update" if write.record_id else "create",
                    "id": write.record_id,
                    "fields": fields,
                }
            )
        return {
            "status": "dry_run",
            "plan": {
                "job": {"id": job["Id"], "name": job["Name"]} if job else None,
                "stage": {"id": stage["Id"], "name": stage["Name"]} if stage else None,
                "actions": _actions(decisions),
                "records": records,
            },
            "warnings": [{"message": w} for w in warnings],
        }


def _actions(decisions: Decisions) -> dict[str, Any]:
    return {
        "candidate": {
            "action": decisions.contact_action,
            "id": decisions.contact_id,
            "updated_fields": sorted(decisions.contact_updates),
        },
        "application": {"action": decisions.application_action, "id": decisions.application_id},
        "attachments": [{k: v for k, v in f.items() if k != "key"} for f in decisions.files],
    }


def _without_record_type(planned: PlannedRecord) -> dict[str, Any]:
    # A record type is chosen when a Contact is created; an existing one keeps its own.
    return {k: v for k, v in planned.fields.items() if k != "RecordTypeId"}


def _write_unit(
    api: SalesforceApi, plan: RenderedPlan, unit: list[PendingWrite], read_back: list[ReadBack]
) -> UnitResult:
    """One allOrNone write. Refused records are a WriteError; a row lock on any of them rolled
    the whole unit back, so it is a TransientError that is safe to send again. A unit written
    step by step (see salesforce/stepwise.py) whose undo failed names the records that stayed."""
    outcome = BatchWriter(api).write([unit], read_back)[0]
    if outcome.errors:
        if outcome.left_behind:  # undoing the earlier records failed: say what stayed
            refusals = _write_problems(plan, outcome.errors)
            raise partial_write_error(
                [
                    left_behind_message(
                        key, record_id, "; ".join(map(str, refusals)), outcome.undo_error
                    )
                    for key, record_id in outcome.left_behind.items()
                ]
            )
        if all(isinstance(e, TransientError) for e in outcome.errors.values()):
            first = next(iter(outcome.errors.values()))
            raise TransientError(
                str(first.message),
                error_code=first.error_code,
                status=first.status,
                maybe_applied=False,
            )
        raise WriteError(_write_problems(plan, outcome.errors))
    return outcome


def _write_problems(plan: RenderedPlan, errors: dict[str, Any]) -> list[Problem]:
    problems = []
    for key, error in errors.items():
        planned = plan.record(key)
        fields = list(error.fields) or [""]
        for name in fields:
            path = planned.source_path.get(name, "") if planned and name else ""
            where = f"{key}.{name}" if name else key
            problems.append(
                Problem(
                    path or where,
                    f"Salesforce refused {where}: {error.error_code}: {error.message}",
                )
            )
    return problems


def _md5(data: bytes | None) -> str:
    return hashlib.md5(data or b"").hexdigest()


def _base64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def download_attachments(
    application: Application, policy: FetchPolicy | None = None
) -> Application:
    """The application with every ``data_url`` attachment downloaded (safely: see fetch.py).

    Downloads happen before anything is written, so a failed one stops the request with a
    problem naming that attachment and nothing is half-written.
    """
    if all(a.data is not None or not a.data_url for a in application.attachments):
        return application
    problems: list[Problem] = []
    attachments = []
    for index, attachment in enumerate(application.attachments):
        if attachment.data is not None or not attachment.data_url:
            attachments.append(attachment)
            continue
        try:
            attachments.append(with_download(attachment, fetch(attachment.data_url, policy=policy)))
        except FetchError as exc:
            problems.append(
                Problem(f"attachments[{index}].data_url", f"download failed: {exc.reason}")
            )
    if problems:
        raise PayloadError(problems)
    return application.model_copy(update={"attachments": attachments})


def with_download(attachment: Attachment, fetched: Fetched) -> Attachment:
    """``attachment`` with the fetched bytes; the response fills a missing type or extension."""
    extension = ""
    if fetched.file_name and "." in fetched.file_name:
        extension = fetched.file_name.rsplit(".", 1)[1]

    def completed(name: str | None) -> str | None:
        if name and "." not in name and extension:
            return f"{name}.{extension}"
        return name

    name = completed(attachment.name) or attachment.name
    return attachment.model_copy(
        update={
            "data": fetched.data,
            "name": name,
            "content_type": attachment.content_type or fetched.content_type,
            "path_with_extension": completed(attachment.path_with_extension)
            or (name if "." in name else None),
        }
    )
