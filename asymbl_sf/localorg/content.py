"""Salesforce Files in the local org: ContentVersion, ContentDocument and ContentDocumentLink.

Inserting a ``ContentVersion`` with ``VersionData`` is one call; Salesforce then creates the
``ContentDocument`` and, when ``FirstPublishLocationId`` names a record, the
``ContentDocumentLink`` to it (plus one to the owner). ``Checksum`` is the MD5 of the bytes, which
is what lets asymbl-sf avoid uploading the same file twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING, Any

from asymbl_sf.schema import SObjectDescribe

from .errors import ApiError, RecordError, RecordRejected
from .store import Record

if TYPE_CHECKING:
    from .backend import OrgBackend
    from .soql import Query

#: Salesforce's FileType for common extensions (what the Files UI shows).
FILE_TYPES = {
    "pdf": "PDF",
    "txt": "TEXT",
    "csv": "CSV",
    "doc": "WORD",
    "docx": "WORD_X",
    "rtf": "RTF",
    "xls": "EXCEL",
    "xlsx": "EXCEL_X",
    "ppt": "POWER_POINT",
    "pptx": "POWER_POINT_X",
    "png": "PNG",
    "jpg": "JPG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "html": "HTML",
    "htm": "HTML",
    "xml": "XML",
    "zip": "ZIP",
    "json": "JSON",
    "odt": "ODT",
    "md": "TEXT",
}

#: Salesforce refuses to list links without a filter on a document or a linked record.
_LINK_FILTER_FIELDS = ("contentdocumentid", "linkedentityid")


def extension_of(path: str | None) -> str:
    if not path or "." not in path.rsplit("/", 1)[-1]:
        return ""
    return path.rsplit(".", 1)[-1].lower()


def version_data_url(backend: OrgBackend, version_id: str) -> str:
    return f"/services/data/v{backend.api_version}/sobjects/ContentVersion/{version_id}/VersionData"


def create_version(
    backend: OrgBackend, describe: SObjectDescribe, body: dict[str, Any], data: bytes | None
) -> Record:
    """Insert a ContentVersion and what Salesforce creates with it; returns the version.

    Several records are written (document, links, version, body): the caller runs this inside
    a transaction so a failure half-way leaves nothing behind, as one Salesforce insert would.
    """
    fields = {k: v for k, v in body.items() if k != "attributes"}
    encoded = fields.pop("VersionData", None)
    if data is None and encoded is not None:
        if not isinstance(encoded, str):
            raise ApiError.single(400, "JSON_PARSER_ERROR", "VersionData must be base64 text")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError.single(
                400,
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of base64 from VALUE_STRING value (not valid base64)",
            ) from None
    if data is None and not fields.get("ContentUrl"):
        raise RecordRejected(
            [
                RecordError(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [VersionData]",
                    ("VersionData",),
                )
            ]
        )
    path = fields.get("PathOnClient")
    if data is not None and not path:
        raise RecordRejected(
            [
                RecordError(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [PathOnClient]",
                    ("PathOnClient",),
                )
            ]
        )
    if not fields.get("Title") and isinstance(path, str):
        fields["Title"] = path.rsplit("/", 1)[-1].rsplit(".", 1)[0] or path
    document_id = fields.get("ContentDocumentId")
    record = backend.rules.prepare_create(describe, fields)
    payload = data or b""
    extension = extension_of(path if isinstance(path, str) else None)
    record.update(
        {
            "Checksum": hashlib.md5(payload).hexdigest(),  # Salesforce's own choice, not security
            "ContentSize": len(payload),
            "FileExtension": extension or None,
            "FileType": FILE_TYPES.get(extension, "UNKNOWN"),
            "IsLatest": True,
            "VersionData": version_data_url(backend, record["Id"]),
        }
    )
    store = backend.store
    if document_id:
        document = store.get("ContentDocument", record["ContentDocumentId"])
        if document is None:
            raise RecordRejected(
                [
                    RecordError(
                        "INVALID_CROSS_REFERENCE_KEY",
                        "invalid cross reference id",
                        ("ContentDocumentId",),
                    )
                ]
            )
        for older in store.lookup("ContentVersion", "ContentDocumentId", [document["Id"]]) or []:
            store.put("ContentVersion", {**older, "IsLatest": False})
        count = len(store.lookup("ContentVersion", "ContentDocumentId", [document["Id"]]) or [])
        record["VersionNumber"] = str(count + 1)
        store.put(
            "ContentDocument",
            {
                **document,
                "LatestPublishedVersionId": record["Id"],
                "ContentSize": len(payload),
                "FileExtension": record["FileExtension"],
                "FileType": record["FileType"],
                "SystemModstamp": record["SystemModstamp"],
                "LastModifiedDate": record["CreatedDate"],
            },
        )
    else:
        document = backend.rules.prepare_create(
            store.describe("ContentDocument"),  # type: ignore[arg-type]
            {"Title": record["Title"]},
        )
        document.update(
            {
                "FileExtension": record["FileExtension"],
                "FileType": record["FileType"],
                "ContentSize": len(payload),
                "LatestPublishedVersionId": record["Id"],
                "OwnerId": record.get("OwnerId"),
            }
        )
        store.put("ContentDocument", document)
        record["ContentDocumentId"] = document["Id"]
        record["VersionNumber"] = "1"
        _link(backend, document["Id"], record.get("OwnerId"), "I")
        if record.get("FirstPublishLocationId"):
            _link(backend, document["Id"], record["FirstPublishLocationId"], "V")
    store.put("ContentVersion", record)
    store.put_blob(record["Id"], payload)
    return record


def _link(backend: OrgBackend, document_id: str, entity_id: str | None, share_type: str) -> None:
    if not entity_id:
        return
    describe = backend.store.describe("ContentDocumentLink")
    assert describe is not None
    link = backend.rules.prepare_create(
        describe,
        {
            "ContentDocumentId": document_id,
            "LinkedEntityId": entity_id,
            "ShareType": share_type,
            "Visibility": "AllUsers",
        },
    )
    backend.store.put("ContentDocumentLink", link)


def version_bytes(backend: OrgBackend, version_id: str) -> bytes:
    record = backend.store.get("ContentVersion", version_id)
    if record is None or record.get("IsDeleted"):
        raise ApiError.single(404, "NOT_FOUND", "The requested resource does not exist")
    return backend.store.blobs.get(version_id, b"")


def check_link_query(query: Query) -> None:
    """Salesforce's implementation restriction on querying ContentDocumentLink."""
    from .soql import SoqlError

    if query.sobject.lower() != "contentdocumentlink":
        return
    if not any(name.lower() in _LINK_FILTER_FIELDS for name in query.filtered_fields()):
        raise SoqlError(
            "MALFORMED_QUERY",
            "Implementation restriction: ContentDocumentLink requires a filter by a single Id on "
            "ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using "
            "the IN operator.",
        )
