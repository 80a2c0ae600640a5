"""Control characters in values written to the org, decided once: Salesforce stores them in a
text field and refuses them in an email (``INVALID_EMAIL_ADDRESS``), and the local org does the
same; asymbl-sf refuses both before writing, at the payload's field, because a stored C0
control character breaks every XML reader of the org (SOAP integrations, Data Loader)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.localorg import LocalOrg

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"
JOB = "remote:Registered Nurse"


def payload(**candidate: str) -> dict[str, Any]:
    body = json.loads(EXAMPLE.read_text())
    body["candidate"].update(candidate)
    return body


@pytest.mark.parametrize("char", ["\x00", "\x1b"])
def test_the_local_org_stores_them_in_text_and_refuses_them_in_an_email(
    local_sf: Any, local_org: LocalOrg, char: str
) -> None:
    made = local_sf.Contact.create({"LastName": f"Lee{char}", "Email": "lee@example.com"})
    assert local_sf.Contact.get(made["id"])["LastName"] == f"Lee{char}"
    with pytest.raises(SalesforceMalformedRequest) as refused:
        local_sf.Contact.create({"LastName": "Lee", "Email": f"lee{char}@example.com"})
    assert refused.value.content[0]["errorCode"] == "INVALID_EMAIL_ADDRESS"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x08", "\ufffe"])
def test_the_client_refuses_them_in_a_name_at_its_field_before_writing(
    local_org: LocalOrg, char: str
) -> None:
    client = Asymbl(local_org.salesforce())
    contacts = len(local_org.records("Contact"))
    with pytest.raises(PayloadError) as refused:
        client.create_application(payload(first_name=f"Ann{char}"), job_id=JOB)
    (problem,) = refused.value.problems
    assert problem.path == "candidate.first_name"
    assert "control character" in problem.message and "Data Loader" in problem.message
    assert len(local_org.records("Contact")) == contacts


def test_tabs_and_line_breaks_stay_welcome(local_org: LocalOrg) -> None:
    client = Asymbl(local_org.salesforce())
    result = client.create_application(payload(first_name="Ann\tMarie\r\nJo"), job_id=JOB)
    contact = next(
        c for c in local_org.records("Contact") if c["Id"] == result["data"]["candidate_id"]
    )
    assert contact["FirstName"] == "Ann\tMarie\r\nJo"
