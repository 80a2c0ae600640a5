"""Another org's describes can be loaded into the local org (to rehearse against its schema)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.schema import OrgSchema

METADATA = Path(__file__).resolve().parents[2] / "asymbl_sf" / "schema" / "describes"


def org_schema_with_source_value(tmp_path: Path, value: str) -> OrgSchema:
    for source in METADATA.glob("*.json"):
        body = json.loads(source.read_text())
        if body["name"] == "bpats__ATS_Applicant__c":
            field = next(f for f in body["fields"] if f["name"] == "bpats__Source__c")
            field["picklistValues"].append(
                {"value": value, "label": value, "active": True, "defaultValue": False}
            )
        (tmp_path / source.name).write_text(json.dumps(body))
    return OrgSchema.from_directory(tmp_path)


def test_a_loaded_schema_changes_what_the_org_accepts(tmp_path: Path) -> None:
    schema = org_schema_with_source_value(tmp_path, "Kombo")
    with LocalOrg(schema=schema) as org:
        sf = org.salesforce()
        values = [
            p["value"]
            for f in sf.bpats__ATS_Applicant__c.describe()["fields"]
            if f["name"] == "bpats__Source__c"
            for p in f["picklistValues"]
        ]
        assert "Kombo" in values


def test_load_schema_persists_with_a_folder_org(tmp_path: Path) -> None:
    (tmp_path / "describes").mkdir()
    schema = org_schema_with_source_value(tmp_path / "describes", "Kombo")
    LocalOrg(tmp_path / "org").load_schema(schema)
    with LocalOrg(tmp_path / "org") as again:
        job = again.records("bpats__Job__c")[0]["Id"]
        stage = next(
            s["Id"] for s in again.records("bpats__ATS_Stage__c") if s["bpats__Job__c"] == job
        )
        sf = again.salesforce()
        contact = sf.Contact.create({"LastName": "X"})["id"]
        sf.bpats__ATS_Applicant__c.create(
            {
                "bpats__ATS_Applicant__c": contact,
                "bpats__Job__c": job,
                "bpats__Stage__c": stage,
                "bpats__Source__c": "Kombo",
            }
        )
        with pytest.raises(SalesforceMalformedRequest):
            sf.bpats__ATS_Applicant__c.create(
                {
                    "bpats__ATS_Applicant__c": contact,
                    "bpats__Job__c": job,
                    "bpats__Stage__c": stage,
                    "bpats__Source__c": "Nope",
                }
            )
