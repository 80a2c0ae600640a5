"""Add a file to an application or a candidate: a Salesforce File on the candidate's Contact.

Asymbl keeps files on the candidate (Kombo: "attachments are linked to the candidate (Contact) in
Salesforce, not directly to the application"). Through the write core: one Composite call finds
the Contact (through the applicant when an application id is given) and any file with the same
MD5 already on it, and one call uploads it (inside Composite, or multipart alone above
Salesforce's 37.5 MB JSON limit). The same bytes already on the Contact are not uploaded again.
"""

from __future__ import annotations

from typing import Any

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models.canonical import Attachment
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.salesforce.units import ReadBack, reference
from asymbl_sf.schema.names import CONTENT_VERSION
from asymbl_sf.writes.decide import CHILD_CREATE, Decided
from asymbl_sf.writes.facts import Facts
from asymbl_sf.writes.plan import PlannedRow
from asymbl_sf.writes.present import Presenter
from asymbl_sf.writes.queries import Lookup, Ref, quote_values
from asymbl_sf.writes.records import WriteSet, child_write_key
from asymbl_sf.writes.single import Options, Outcome, WriteOne
from asymbl_sf.writes.state import FILE

from .attachments import VERSION_FIELDS, attachment_data
from .common import require_id

#: The lookup and read-back of the file's version, to answer with.
VERSION = "version"


class AttachmentAnswer:
    """Kombo's add-attachment answer: the attachment as Salesforce stored it."""

    def __init__(self, attachment: Attachment, instance_url: str, api_path: str) -> None:
        self.attachment = attachment
        self.instance_url = instance_url
        self.api_path = api_path

    def describes(self, row: PlannedRow) -> list[str]:
        return [CONTENT_VERSION]

    def lookups(
        self, presenter: Presenter, row: PlannedRow, contacts: tuple[str, str] | None
    ) -> list[Lookup]:
        """The version already on the Contact with the same bytes (to answer with it)."""
        if contacts is None or not row.files:
            return []
        key, field_name = contacts
        id_field = field_name or presenter.applications.contact_link
        checksum = row.files[0].checksum

        def build(found: dict[str, list[dict[str, Any]]] | None) -> list[str]:
            ids: list[str | Ref] = (
                [Ref(key, id_field)]
                if found is None
                else [str(r[id_field]) for r in found.get(key, []) if r.get(id_field)]
            )
            if not ids:
                return []
            return [
                f"SELECT {', '.join(VERSION_FIELDS)} FROM ContentVersion WHERE IsLatest = "
                + format_soql("true AND Checksum = {} ", checksum)
                + "AND ContentDocumentId IN (SELECT ContentDocumentId FROM "
                f"ContentDocumentLink WHERE LinkedEntityId IN {quote_values(ids)}) LIMIT 1"
            ]

        return [Lookup(VERSION, build, needs=(key,), foldable=True)]

    def check(self, decided: Decided, facts: Facts) -> None:
        decision = decided.decisions[0]
        contact_id = decided.contacts[decision.key].contact_id or ""
        if not contact_id.startswith("003"):
            raise PayloadError(Problem("application_id", "the application has no candidate"))

    def read_backs(
        self, presenter: Presenter, decided: Decided, writes: WriteSet
    ) -> list[ReadBack]:
        decision = decided.decisions[0]
        chosen = decision.files[0]
        key = child_write_key(FILE, decision.key, chosen.ident)
        if key not in writes.writes:
            return []
        return [
            ReadBack(
                VERSION,
                f"SELECT {', '.join(VERSION_FIELDS)} FROM ContentVersion "
                f"WHERE Id = '{reference(key)}'",
            )
        ]

    def present(
        self, presenter: Presenter, outcome: Outcome, warnings: list[str]
    ) -> dict[str, Any]:
        decided = outcome.decided
        decision = outcome.decision
        contact_id = str(decided.contacts[decision.key].contact_id)
        chosen = decision.files[0]
        planned = decision.row.files[0]
        application_id = decision.row.application_id
        if chosen.action != CHILD_CREATE:
            found = (outcome.facts.extra.get(VERSION) or [{"Id": chosen.existing_id}])[0]
            data = attachment_data(found, contact_id, self.instance_url, self.api_path)
            data["application_id"] = application_id
            return {
                "status": "success",
                "data": data,
                "warnings": [{"message": w} for w in warnings],
                "actions": {"attachment": "skip"},
            }
        state = decided.files.get((decision.key, chosen.ident))
        version_id = state.record_id if state else None
        key = child_write_key(FILE, decision.key, chosen.ident)
        if key in outcome.failed_files:
            raise PayloadError(Problem("data", f"upload failed: {outcome.failed_files[key]}"))
        data = {
            "id": version_id,
            "application_id": application_id,
            "candidate_id": contact_id,
            "type": self.attachment.type,
            "remote_id": None,
            "data_url": f"{self.instance_url}{self.api_path}/sobjects/ContentVersion/"
            f"{version_id}/VersionData",
            "file_name": planned.fields.get("PathOnClient") or planned.name,
            "content_type": self.attachment.content_type,
            "checksum": planned.checksum,
            "size": planned.size,
        }
        version = outcome.result.records.get(VERSION)
        if version is not None:
            stored = attachment_data(version, contact_id, self.instance_url, self.api_path)
            data.update(
                remote_id=stored["remote_id"],
                size=stored["size"],
                remote_created_at=stored["remote_created_at"],
                remote_updated_at=stored["remote_updated_at"],
            )
        return {
            "status": "success",
            "data": data,
            "warnings": [{"message": w} for w in warnings],
            "actions": {"attachment": "upload" if planned.fits_json else "upload_multipart"},
        }


def add_attachment(core: WriteOne, attachment: Attachment) -> dict[str, Any]:
    """Store ``attachment`` on its application's (or candidate's) Contact."""
    application_id = None
    if attachment.application_id:
        application_id = require_id(
            attachment.application_id, "application_id", "an application (bpats__ATS_Applicant__c)"
        )
        contact_key = f"app:{application_id}"
    elif attachment.candidate_id:
        contact_key = f"id:{require_id(attachment.candidate_id, 'candidate_id', 'a Contact')}"
    else:
        raise PayloadError(
            Problem("application_id", "required: the application (or candidate) to attach to")
        )
    if attachment.data is None and not attachment.data_url:
        raise PayloadError(Problem("data", "the attachment has neither data nor a URL"))
    attachment = core.planner().download(attachment)
    api = core.api
    return core.run(
        lambda strict: core.planner().attachment(
            attachment, contact_key, application_id, strict=strict
        ),
        AttachmentAnswer(attachment, core.instance_url, api.base_path),
        Options(),
    )
