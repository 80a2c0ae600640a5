"""Read a candidate's files, in Kombo's "get candidate attachments" shape, and download them.

Asymbl keeps files on the candidate's Contact, so an attachment's ``application_id`` is null.
One API call lists them (the latest version of every document linked to the Contact); each
download is one more.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from asymbl_sf.attachments.files import download_version
from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.reading.convert import iso
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.soql import format_soql

from .common import require_id, rows

VERSION_FIELDS = [
    "Id",
    "Title",
    "PathOnClient",
    "FileExtension",
    "ContentDocumentId",
    "Checksum",
    "ContentSize",
    "bpats__Is_Primary__c",
    "CreatedDate",
    "LastModifiedDate",
]


def attachment_data(
    version: dict[str, Any], candidate_id: str, instance_url: str, api_path: str
) -> dict[str, Any]:
    name = version.get("PathOnClient") or version.get("Title") or version["Id"]
    if version.get("FileExtension") and "." not in str(name):
        name = f"{name}.{version['FileExtension']}"
    content_type = mimetypes.guess_type(str(name))[0]
    return {
        "id": version["Id"],
        "application_id": None,
        "candidate_id": candidate_id,
        "type": "CV" if version.get("bpats__Is_Primary__c") else "OTHER",
        "remote_id": version.get("ContentDocumentId"),
        "data_url": f"{instance_url}{api_path}/sobjects/ContentVersion/{version['Id']}/VersionData",
        "file_name": name,
        "content_type": content_type,
        "checksum": version.get("Checksum"),
        "size": version.get("ContentSize"),
        "remote_created_at": iso(version.get("CreatedDate")),
        "remote_updated_at": iso(version.get("LastModifiedDate")),
    }


class CandidateAttachments:
    def __init__(self, api: SalesforceApi, instance_url: str) -> None:
        self.api = api
        self.instance_url = instance_url

    def list_for(self, candidate_id: str) -> list[dict[str, Any]]:
        contact_id = require_id(candidate_id, "candidate_id", "a Contact")
        api = self.api
        answers = api.composite(
            [
                SubRequest(
                    "GET",
                    api.query_url(format_soql("SELECT Id FROM Contact WHERE Id = {}", contact_id)),
                    "contact",
                ),
                SubRequest(
                    "GET",
                    api.query_url(
                        format_soql(
                            f"SELECT {', '.join(VERSION_FIELDS)} FROM ContentVersion WHERE IsLatest = true "
                            "AND ContentDocumentId IN (SELECT ContentDocumentId FROM ContentDocumentLink "
                            "WHERE LinkedEntityId = {}) ORDER BY CreatedDate ASC, Id ASC",
                            contact_id,
                        )
                    ),
                    "files",
                ),
            ]
        )
        if not rows(answers.get("contact")):
            raise PayloadError(
                Problem("candidate_id", f"no Contact with Id {contact_id} in this org")
            )
        files = answers.get("files")
        if files is not None and not files.ok:
            raise files.error()
        return [
            attachment_data(v, contact_id, self.instance_url, api.base_path) for v in rows(files)
        ]

    def download(self, attachments: list[dict[str, Any]], folder: Path) -> list[Path]:
        """Save each attachment in ``folder`` under a safe, unique name; returns the paths."""
        from asymbl_sf.attachments.fetch import safe_file_name

        folder.mkdir(parents=True, exist_ok=True)
        saved: list[Path] = []
        for attachment in attachments:
            data = download_version(self.api, attachment["id"])
            target = _unique(folder / safe_file_name(str(attachment["file_name"])))
            target.write_bytes(data)
            attachment["saved_to"] = str(target)
            saved.append(target)
        return saved


def _unique(path: Path) -> Path:
    if not path.exists():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)
