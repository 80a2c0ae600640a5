"""Salesforce Files: ContentVersion from JSON base64 or multipart, its document and links."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from asymbl_sf.localorg import LocalOrg

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF"


def _upload_multipart(sf: Any, entity: dict[str, Any], data: bytes, filename: str) -> Any:
    headers = {k: v for k, v in sf.headers.items() if k.lower() != "content-type"}
    return sf.session.post(
        f"{sf.base_url}sobjects/ContentVersion/",
        headers=headers,
        files={
            "entity_content": (None, json.dumps(entity), "application/json"),
            "VersionData": (filename, data, "application/octet-stream"),
        },
    )


def _download(sf: Any, version_id: str) -> bytes:
    response = sf.session.get(
        f"{sf.base_url}sobjects/ContentVersion/{version_id}/VersionData", headers=sf.headers
    )
    assert response.status_code == 200
    return bytes(response.content)


@pytest.fixture
def contact(local_sf: Any) -> str:
    return str(local_sf.Contact.create({"LastName": "Doe"})["id"])


def test_json_base64_upload_creates_document_and_link(
    local_org: LocalOrg, local_sf: Any, contact: str
) -> None:
    created = local_sf.ContentVersion.create(
        {
            "Title": "Resume",
            "PathOnClient": "resume.pdf",
            "FirstPublishLocationId": contact,
            "VersionData": base64.b64encode(PDF).decode(),
        }
    )
    version = local_sf.query(
        "SELECT Id, Checksum, ContentDocumentId, FileExtension, FileType, ContentSize, "
        f"IsLatest FROM ContentVersion WHERE Id = '{created['id']}'"
    )["records"][0]
    assert version["Checksum"] == hashlib.md5(PDF).hexdigest()
    assert (version["FileExtension"], version["FileType"]) == ("pdf", "PDF")
    assert version["ContentSize"] == len(PDF) and version["IsLatest"] is True
    document = version["ContentDocumentId"]
    assert document.startswith("069")
    links = local_sf.query(
        "SELECT Id, LinkedEntityId, ShareType FROM ContentDocumentLink "
        f"WHERE ContentDocumentId = '{document}'"
    )["records"]
    assert contact in {link["LinkedEntityId"] for link in links}
    by_entity = local_sf.query(
        f"SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '{contact}'"
    )["records"]
    assert [r["ContentDocumentId"] for r in by_entity] == [document]
    assert _download(local_sf, created["id"]) == PDF
    assert local_org.file_bytes(created["id"]) == PDF


def test_multipart_upload_stores_the_binary_part(
    local_org: LocalOrg, local_sf: Any, contact: str
) -> None:
    response = _upload_multipart(
        local_sf, {"PathOnClient": "cv.docx", "FirstPublishLocationId": contact}, PDF, "cv.docx"
    )
    assert response.status_code == 201, response.text
    version_id = response.json()["id"]
    record = local_org.get(version_id)
    assert record is not None
    assert record["Checksum"] == hashlib.md5(PDF).hexdigest()
    assert record["Title"] == "cv"  # from PathOnClient when no Title is given
    assert record["FileType"] == "WORD_X"
    assert _download(local_sf, version_id) == PDF
    links = local_sf.query(
        f"SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '{contact}'"
    )["records"]
    assert len(links) == 1


def test_same_bytes_give_the_same_checksum(local_sf: Any, contact: str) -> None:
    body = {"PathOnClient": "a.txt", "VersionData": base64.b64encode(b"hello").decode()}
    first = local_sf.ContentVersion.create(body)["id"]
    second = local_sf.ContentVersion.create(body | {"PathOnClient": "b.txt"})["id"]
    rows = local_sf.query(
        f"SELECT Checksum FROM ContentVersion WHERE Id IN ('{first}', '{second}')"
    )["records"]
    assert {r["Checksum"] for r in rows} == {hashlib.md5(b"hello").hexdigest()}


def test_new_version_of_a_document_becomes_the_latest(local_sf: Any) -> None:
    first = local_sf.ContentVersion.create(
        {"PathOnClient": "a.txt", "VersionData": base64.b64encode(b"v1").decode()}
    )["id"]
    document = local_sf.ContentVersion.get(first)["ContentDocumentId"]
    second = local_sf.ContentVersion.create(
        {
            "PathOnClient": "a.txt",
            "ContentDocumentId": document,
            "VersionData": base64.b64encode(b"v2").decode(),
        }
    )["id"]
    rows = local_sf.query(
        "SELECT Id, IsLatest, VersionNumber FROM ContentVersion "
        f"WHERE ContentDocumentId = '{document}' ORDER BY VersionNumber"
    )
    assert [(r["Id"], r["IsLatest"], r["VersionNumber"]) for r in rows["records"]] == [
        (first, False, "1"),
        (second, True, "2"),
    ]
    assert local_sf.ContentDocument.get(document)["LatestPublishedVersionId"] == second


def test_upload_without_bytes_or_path_is_refused(local_org: LocalOrg, local_sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.ContentVersion.create({"Title": "nothing", "PathOnClient": "x.txt"})
    assert caught.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.ContentVersion.create({"VersionData": base64.b64encode(b"x").decode()})
    assert caught.value.content[0]["fields"] == ["PathOnClient"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.ContentVersion.create({"PathOnClient": "x.txt", "VersionData": "***"})
    assert caught.value.content[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert local_org.count("ContentDocument") == 0


def test_bad_first_publish_location_leaves_nothing_behind(
    local_org: LocalOrg, local_sf: Any
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.ContentVersion.create(
            {
                "PathOnClient": "x.txt",
                "FirstPublishLocationId": "0038d000000ZZZZAA4",
                "VersionData": base64.b64encode(b"x").decode(),
            }
        )
    assert caught.value.content[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    for sobject in ("ContentVersion", "ContentDocument"):
        assert local_org.count(sobject) == 0


def test_file_in_a_rolled_back_collection_leaves_no_document_or_bytes(
    local_org: LocalOrg, local_sf: Any, contact: str
) -> None:
    results = local_sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [
                {
                    "attributes": {"type": "ContentVersion"},
                    "PathOnClient": "a.txt",
                    "FirstPublishLocationId": contact,
                    "VersionData": base64.b64encode(b"a").decode(),
                },
                {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
            ],
        },
    )
    assert [r["success"] for r in results] == [False, False]
    for sobject in ("ContentVersion", "ContentDocument"):
        assert local_org.count(sobject) == 0
    links = local_sf.query(
        f"SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '{contact}'"
    )["records"]
    assert links == []
    assert local_org.backend.store.blobs == {}


def test_links_cannot_be_listed_without_a_filter(local_sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.query("SELECT Id FROM ContentDocumentLink")
    assert caught.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_download_of_an_unknown_version_is_not_found(local_sf: Any) -> None:
    response = local_sf.session.get(
        f"{local_sf.base_url}sobjects/ContentVersion/0688d000000ZZZZAA4/VersionData",
        headers=local_sf.headers,
    )
    assert response.status_code == 404
