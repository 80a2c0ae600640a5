"""Reading a candidate's files back, in Kombo's attachment shape, and downloading them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.localorg import LocalOrg

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"


@pytest.fixture
def client(local_org: LocalOrg) -> Asymbl:
    return Asymbl(local_org.salesforce())


def test_files_on_the_contact_are_listed_in_kombo_shape(
    local_org: LocalOrg, client: Asymbl
) -> None:
    created = client.create_application(EXAMPLE, job_id="remote:Registered Nurse")["data"]
    contact = created["candidate_id"]
    sf = local_org.salesforce()
    sf.ContentVersion.create(
        {
            "PathOnClient": "cover.pdf",
            "Title": "cover",
            "VersionData": base64.b64encode(b"%PDF-1.4").decode(),
            "FirstPublishLocationId": contact,
        }
    )
    attachments = client.get_candidate_attachments(contact)
    assert [a["file_name"] for a in attachments] == ["Frank Doe CV.txt", "cover.pdf"]
    cv, cover = attachments
    assert set(cv) >= {
        "id",
        "application_id",
        "candidate_id",
        "type",
        "remote_id",
        "data_url",
        "file_name",
        "content_type",
        "remote_created_at",
        "remote_updated_at",
    }
    assert cv["type"] == "CV" and cover["type"] == "OTHER"
    assert cv["application_id"] is None and cv["candidate_id"] == contact
    assert cover["content_type"] == "application/pdf"
    assert cv["data_url"].endswith(f"/sobjects/ContentVersion/{cv['id']}/VersionData")


def test_download_saves_files_with_safe_unique_names(
    local_org: LocalOrg, client: Asymbl, tmp_path: Path
) -> None:
    sf = local_org.salesforce()
    contact = sf.Contact.create({"LastName": "X", "Email": "x@example.com"})["id"]
    for body in (b"one", b"two"):
        sf.ContentVersion.create(
            {
                "PathOnClient": "../../etc/passwd",
                "Title": "p",
                "VersionData": base64.b64encode(body).decode(),
                "FirstPublishLocationId": contact,
            }
        )
    attachments = client.get_candidate_attachments(contact, download=tmp_path / "out")
    saved = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(saved) == 2 and all("/" not in name and ".." not in name for name in saved)
    assert sorted(Path(a["saved_to"]).read_bytes() for a in attachments) == [b"one", b"two"]


def test_unknown_candidate_is_a_clear_error(local_org: LocalOrg, client: Asymbl) -> None:
    with pytest.raises(PayloadError) as caught:
        client.get_candidate_attachments("0038d0000000099AAA")
    assert caught.value.problems[0].path == "candidate_id"
