"""Uploading and downloading Salesforce Files (ContentVersion bodies).

A file travels as base64 inside a JSON body up to Salesforce's limit of 37.5 MB encoded; above
that it must go as a multipart request (``entity_content`` JSON part + binary ``VersionData``
part), which takes up to 2 GB and spares the 33 % base64 overhead.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from asymbl_sf.salesforce.api import SalesforceApi

#: Salesforce's limit for base64 ``VersionData`` in a JSON body.
MAX_JSON_BASE64_CHARS = 37_500_000


def base64_size(byte_count: int) -> int:
    return 4 * ((byte_count + 2) // 3)


def fits_json(data: bytes) -> bool:
    return fits_json_size(len(data))


def fits_json_size(byte_count: int) -> bool:
    """Whether a file of ``byte_count`` bytes may travel as base64 in a JSON body."""
    return base64_size(byte_count) <= MAX_JSON_BASE64_CHARS


def upload_version(api: SalesforceApi, fields: dict[str, Any], data: bytes) -> str:
    """Insert one ContentVersion with ``data`` as its body; returns its id (one API call)."""
    if fits_json(data):
        body = {**fields, "VersionData": base64.b64encode(data).decode("ascii")}
        answer = api.restful("sobjects/ContentVersion/", method="POST", json=body)
        return str(answer["id"])
    return _upload_multipart(api, fields, data)


def _upload_multipart(api: SalesforceApi, fields: dict[str, Any], data: bytes) -> str:
    file_name = str(fields.get("PathOnClient") or "file")
    parts: dict[str, tuple[str | None, bytes, str]] = {
        "entity_content": (None, json.dumps(fields).encode("utf-8"), "application/json"),
        "VersionData": (file_name, data, "application/octet-stream"),
    }
    # requests writes the multipart Content-Type (with its boundary) only when none is set.
    response = api.http(
        "POST",
        f"{api.sf.base_url}sobjects/ContentVersion/",
        kind="POST sobjects/ContentVersion (multipart)",
        headers={"Content-Type": None},
        files=parts,
    )
    return str(response.json()["id"])


def download_version(api: SalesforceApi, version_id: str) -> bytes:
    """The body of a ContentVersion (one API call; retried like any read)."""
    response = api.http(
        "GET",
        f"{api.sf.base_url}sobjects/ContentVersion/{version_id}/VersionData",
        kind="GET VersionData",
    )
    return response.content
