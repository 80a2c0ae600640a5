"""Add a file to an application or a candidate: a Salesforce File on the candidate's Contact.

Asymbl keeps files on the candidate (Kombo: "attachments are linked to the candidate (Contact) in
Salesforce, not directly to the application"). Two API calls: one Composite that finds the Contact
(through the applicant when an application id is given) and any file with the same MD5 already on
it, and one upload (base64 JSON, or multipart above Salesforce's 37.5 MB JSON limit). The same
bytes already on the Contact are not uploaded again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from asymbl_sf.attachments.fetch import FetchError, FetchPolicy, fetch
from asymbl_sf.attachments.files import fits_json, upload_version
from asymbl_sf.errors import PayloadError, Problem, TransientError
from asymbl_sf.mapping import Mapping, render
from asymbl_sf.models.canonical import Application, Attachment
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.retry import write_once
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.schema import OrgSchema
from asymbl_sf.schema.ids import key_prefix, to_18

from . import result as kombo
from .attachments import VERSION_FIELDS, attachment_data
from .common import require_id, rows
from .create_application import with_download
from .lookup import APPLICANT
from .lost_answer import LOST_ANSWER_WARNING

_CONTACT = "@{contact.records[0].Id}"


class AddAttachment:
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

    def run(self, attachment: Attachment) -> dict[str, Any]:
        attachment = self._with_bytes(attachment)
        data = attachment.data or b""
        checksum = hashlib.md5(data).hexdigest()  # Salesforce's Checksum is MD5
        contact_id, application_id, existing = self._look_up(attachment, checksum)
        warnings: list[str] = []
        if existing:
            warnings.append(
                f"the same file is already on the candidate's Contact "
                f"({existing['Id']}); not uploaded again"
            )
            out = attachment_data(existing, contact_id, self.instance_url, self.api.base_path)
            out["application_id"] = application_id
            return kombo.success(out, warnings, actions={"attachment": "skip"})
        fields = self._fields(attachment, contact_id)
        version_id, recovered = write_once(
            self.api.retry,
            lambda: _upload(self.api, fields, data),
            lambda: (self._look_up(attachment, checksum)[2] or {}).get("Id"),
        )
        if recovered:
            warnings.append(LOST_ANSWER_WARNING)
        out = {
            "id": version_id,
            "application_id": application_id,
            "candidate_id": contact_id,
            "type": attachment.type,
            "remote_id": None,
            "data_url": f"{self.instance_url}{self.api.base_path}/sobjects/ContentVersion/"
            f"{version_id}/VersionData",
            "file_name": fields.get("PathOnClient") or attachment.name,
            "content_type": attachment.content_type,
            "checksum": checksum,
            "size": len(data),
        }
        return kombo.success(
            out,
            warnings,
            actions={"attachment": "upload" if fits_json(data) else "upload_multipart"},
        )

    def _with_bytes(self, attachment: Attachment) -> Attachment:
        if attachment.data is not None:
            return attachment
        if not attachment.data_url:
            raise PayloadError(Problem("data", "the attachment has neither data nor a URL"))
        try:
            return with_download(attachment, fetch(attachment.data_url, policy=self.fetch_policy))
        except FetchError as exc:
            raise PayloadError(Problem("data_url", f"download failed: {exc.reason}")) from None

    def _look_up(
        self, attachment: Attachment, checksum: str
    ) -> tuple[str, str | None, dict[str, Any] | None]:
        api = self.api
        application_id = None
        if attachment.application_id:
            application_id = require_id(
                attachment.application_id,
                "application_id",
                "an application (bpats__ATS_Applicant__c)",
            )
            contact_query = format_soql(
                f"SELECT Id, bpats__ATS_Applicant__c FROM {APPLICANT} WHERE Id = {{}}",
                application_id,
            )
            reference = "@{contact.records[0].bpats__ATS_Applicant__c}"
        elif attachment.candidate_id:
            contact_id = require_id(attachment.candidate_id, "candidate_id", "a Contact")
            contact_query = format_soql("SELECT Id FROM Contact WHERE Id = {}", contact_id)
            reference = _CONTACT
        else:
            raise PayloadError(
                Problem("application_id", "required: the application (or candidate) to attach to")
            )
        subs = [
            SubRequest("GET", api.query_url(contact_query), "contact"),
            SubRequest(
                "GET",
                api.query_url(
                    f"SELECT {', '.join(VERSION_FIELDS)} FROM ContentVersion WHERE IsLatest = true "
                    + format_soql("AND Checksum = {} ", checksum)
                    + "AND ContentDocumentId IN (SELECT ContentDocumentId FROM ContentDocumentLink "
                    f"WHERE LinkedEntityId = '{reference}') LIMIT 1"
                ),
                "files",
            ),
        ]
        if api.cached_describe("ContentVersion") is None:
            subs.append(SubRequest("GET", api.describe_url("ContentVersion"), "describe"))
        answers = api.composite(subs)
        described = answers.get("describe")
        if described is not None and described.ok:
            api.remember_describe(described.body)
        found = rows(answers.get("contact"))
        if not found:
            what = "application" if application_id else "candidate"
            raise PayloadError(Problem(f"{what}_id", f"no {what} with that id in this org"))
        contact_id = (
            str(found[0].get("bpats__ATS_Applicant__c") or found[0]["Id"])
            if application_id
            else str(found[0]["Id"])
        )
        if key_prefix(to_18(contact_id)) != "003":
            raise PayloadError(Problem("application_id", "the application has no candidate"))
        existing = rows(answers.get("files"))
        return contact_id, application_id, existing[0] if existing else None

    def _fields(self, attachment: Attachment, contact_id: str) -> dict[str, Any]:
        """The ContentVersion fields the mapping gives this attachment, linked to the Contact."""
        schema = OrgSchema.packaged()
        cached = self.api.cached_describe("ContentVersion")
        if cached is not None:
            schema.add(cached)
        wrapper = Application(attachments=[attachment], dialect=attachment.dialect or "kombo")
        plan = render(wrapper, self.mapping, schema)
        versions = plan.records_for("ContentVersion")
        problems = [
            p for p in plan.problems if p.path.startswith(("attachments", "ContentVersion"))
        ]
        if problems:
            raise PayloadError(problems)
        if not versions:
            raise PayloadError(Problem("", "the mapping has no ContentVersion object for files"))
        planned = versions[0]
        fields = dict(planned.fields)
        for field_name, ref in planned.refs.items():
            if ref == "Contact":
                fields[field_name] = contact_id
        fields.setdefault("FirstPublishLocationId", contact_id)
        return fields


def _upload(api: SalesforceApi, fields: dict[str, Any], data: bytes) -> str:
    """Upload the file; any transient failure counts as possibly applied, so it is looked up by
    checksum (one cheap query) before the upload is repeated, whatever the failure was."""
    try:
        return upload_version(api, fields, data)
    except TransientError as exc:
        exc.maybe_applied = True
        raise
