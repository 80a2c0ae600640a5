"""``Asymbl``: one method per action, over one Salesforce connection and one mapping."""

from __future__ import annotations

from collections.abc import Mapping as AnyMapping
from pathlib import Path
from typing import Any

from simple_salesforce import Salesforce

from asymbl_sf.fetch import FetchPolicy
from asymbl_sf.flows.add_attachment import AddAttachment
from asymbl_sf.flows.attachments import CandidateAttachments
from asymbl_sf.flows.create_activity import CreateActivity
from asymbl_sf.flows.create_application import CreateApplication
from asymbl_sf.flows.move_stage import MoveStage
from asymbl_sf.mapping import Mapping, load_mapping
from asymbl_sf.models import (
    parse_activity,
    parse_application,
    parse_attachment,
    parse_candidate,
    parse_stage_move,
)
from asymbl_sf.models.canonical import Activity, Attachment
from asymbl_sf.salesforce.api import ApiUsage, SalesforceApi

Payload = AnyMapping[str, Any] | str | Path


class Asymbl:
    """The asymbl-sf client. Wrap an existing ``simple_salesforce.Salesforce``, or use
    :func:`asymbl_sf.connect` to build one from settings.

    ``mapping`` is a loaded :class:`~asymbl_sf.mapping.Mapping`, a path to a YAML file, or None for
    the shipped default.
    """

    def __init__(self, sf: Salesforce, *, mapping: Mapping | str | Path | None = None,
                 description: str | None = None, fetch_policy: FetchPolicy | None = None) -> None:
        #: Limits for downloading attachments given by URL (size, time, private addresses).
        self.fetch_policy = fetch_policy
        self.api = SalesforceApi(sf)
        self.mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
        self.description = description or f"Salesforce org at {sf.sf_instance}"

    @property
    def sf(self) -> Salesforce:
        """The underlying simple-salesforce client (for anything asymbl-sf does not cover)."""
        return self.api.sf

    @property
    def usage(self) -> ApiUsage:
        """API calls this client spent, and the org's daily budget as last reported."""
        return self.api.usage

    @property
    def instance_url(self) -> str:
        return f"https://{self.sf.sf_instance}"

    def create_application(
        self, payload: Payload, job_id: str | None = None, dry_run: bool = False, *,
        dialect: str | None = None,
    ) -> dict[str, Any]:
        """Create (or find) the candidate's Contact and the application on the job.

        ``payload`` is a dict, a JSON string or a path to a JSON file, in any supported dialect.
        Returns Kombo's response shape; with ``dry_run`` nothing is written and the plan is
        returned instead.
        """
        application = parse_application(payload, job_id=job_id, dialect=dialect)
        flow = CreateApplication(self.api, self.mapping, self.instance_url, self.fetch_policy)
        return flow.run(application, dry_run=dry_run)

    def create_candidate(
        self, payload: Payload, dry_run: bool = False, *, job_id: str | None = None,
        dialect: str | None = None, on_existing: str = "reuse",
    ) -> dict[str, Any]:
        """Create or reuse the candidate's Contact; also the application when a job is given.

        Kombo's deprecated create candidate (``application.job_id`` in the body), Merge's and
        Truto's candidate. ``on_existing="fail"`` refuses an email that already has a Contact
        (what Merge documents); the default reuses it with a warning. Returns Kombo's candidate
        response shape (the candidate with its ``applications``).
        """
        if on_existing not in ("reuse", "fail"):
            raise ValueError("on_existing must be 'reuse' or 'fail'")
        application = parse_candidate(payload, job_id=job_id, dialect=dialect)
        flow = CreateApplication(self.api, self.mapping, self.instance_url, self.fetch_policy)
        return flow.run(application, dry_run=dry_run, require_job=False, on_existing=on_existing,
                        shape="candidate")

    def add_attachment(
        self, application_id: str | None, attachment: Payload | Attachment, *,
        candidate_id: str | None = None, dialect: str | None = None,
    ) -> dict[str, Any]:
        """Add a file to an application (it is stored on the candidate's Contact).

        ``attachment`` is Kombo's ``{name, type, content_type, data | data_url}``, Merge's
        ``{file_name, file_url, integration_params.path_with_extension, ...}`` or Truto's; a URL
        is downloaded safely first. The same bytes already on the Contact are not uploaded twice.
        """
        if not isinstance(attachment, Attachment):
            attachment = parse_attachment(attachment, application_id=application_id,
                                          candidate_id=candidate_id, dialect=dialect)
        elif application_id or candidate_id:
            attachment = attachment.model_copy(update={
                "application_id": application_id or attachment.application_id,
                "candidate_id": candidate_id or attachment.candidate_id})
        flow = AddAttachment(self.api, self.mapping, self.instance_url, self.fetch_policy)
        return flow.run(attachment)

    def move_application_stage(
        self, application_id: str | None, stage_id: str | None = None, *,
        payload: Payload | None = None, dialect: str | None = None,
    ) -> dict[str, Any]:
        """Move an application to another stage of its job, by stage id or stage name.

        Give ``stage_id`` directly, or a ``payload`` in Kombo (``{stage_id}``), Merge
        (``{job_interview_stage}``) or Truto (``{application_id, stage_id}``) shape. Sets
        ``bpats__Current_Stage_Date__c`` to today; moving to the current stage writes nothing and
        warns.
        """
        if payload is not None:
            move = parse_stage_move(payload, application_id=application_id, dialect=dialect)
            application_id, stage_id = move.application_id, move.stage_id
        if not application_id or not stage_id:
            from asymbl_sf.errors import PayloadError, Problem

            missing = "application_id" if not application_id else "stage_id"
            raise PayloadError(Problem(missing, "required"))
        return MoveStage(self.api, self.instance_url).run(application_id, stage_id)

    def get_candidate_attachments(
        self, candidate_id: str, download: str | Path | None = None
    ) -> list[dict[str, Any]]:
        """The candidate's files in Kombo's attachment shape; ``download`` saves them there."""
        reader = CandidateAttachments(self.api, self.instance_url)
        attachments = reader.list_for(candidate_id)
        if download is not None:
            reader.download(attachments, Path(download))
        return attachments

    def create_activity(
        self, payload: Payload | Activity, *, candidate_id: str | None = None,
        application_id: str | None = None, dialect: str | None = None,
    ) -> dict[str, Any]:
        """Log an email, note or other activity as a completed Task on the candidate's Contact.

        EMAIL becomes TaskSubtype ``Email``, NOTE and OTHER ``Task`` (see the mapping's Task
        object). Linked to the application (``WhatId``) when one is given; owned by the activity's
        user when that is a Salesforce User. The same activity twice creates one Task.
        """
        activity = payload if isinstance(payload, Activity) else parse_activity(
            payload, candidate_id=candidate_id, application_id=application_id, dialect=dialect)
        return CreateActivity(self.api, self.mapping, self.instance_url).run(activity)
