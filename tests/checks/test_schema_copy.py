"""Copying a real org's describes (the library half of ``org load-schema``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.checks.schema_copy import (
    fetch_describes,
    objects_to_copy,
    overlay,
    read_directory,
    save_directory,
)
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import load_mapping
from asymbl_sf.schema import OrgSchema, SObjectDescribe
from tests.checks.helpers import mapping

REAL_URL = "https://acme.my.example-org.invalid"


def real_schema() -> OrgSchema:
    """A "real" org: its own applicant key prefix, a picklist value and a custom Contact field
    the packaged schema lacks, and no Account object."""
    out = OrgSchema()
    for describe in OrgSchema.packaged():
        if describe.name == "Account":
            continue
        body = describe.to_json()
        if describe.name == "bpats__ATS_Applicant__c":
            body["keyPrefix"] = "a5X"
            source = next(f for f in body["fields"] if f["name"] == "bpats__Source__c")
            source["picklistValues"].append(
                {"value": "Kombo", "label": "Kombo", "active": True, "defaultValue": False}
            )
        if describe.name == "Contact":
            body["fields"].append(
                {
                    "name": "Tshirt_Size__c",
                    "label": "T-shirt size",
                    "type": "picklist",
                    "custom": True,
                    "createable": True,
                    "updateable": True,
                    "nillable": True,
                    "restrictedPicklist": True,
                    "length": 255,
                    "picklistValues": [
                        {"value": v, "label": v, "active": True} for v in ("S", "M", "L")
                    ],
                }
            )
        out.add(SObjectDescribe.model_validate(body))
    return out


def test_objects_to_copy_are_the_asymbl_set_and_every_mapping_object() -> None:
    extra = mapping("""
        version: 1
        extends: default
        objects:
          Lead:
            from: candidate
            fields:
              LastName: last_name
        """)
    names = objects_to_copy([load_mapping(), extra])
    assert {
        "Contact",
        "bpats__Job__c",
        "bpats__ATS_Stage__c",
        "bpats__ATS_Applicant__c",
        "ContentVersion",
        "Task",
        "User",
        "RecordType",
        "Lead",
    } <= set(names)
    assert len(names) == len({n.lower() for n in names})


def test_fetch_reads_describes_in_composite_calls_and_lists_missing_objects() -> None:
    with LocalOrg(instance_url=REAL_URL, schema=real_schema(), seed_data=False) as real:
        client = Asymbl(real.salesforce())
        fetched = fetch_describes(client.api, objects_to_copy([load_mapping()]))
    assert fetched.missing == ["Account"]
    assert {b["name"] for b in fetched.bodies} >= {"Contact", "bpats__ATS_Applicant__c"}
    assert fetched.org_objects == len(real_schema().names())
    assert client.usage.calls == 1 and real.calls["POST composite"] == 1


def test_more_than_24_objects_take_several_composite_calls() -> None:
    with LocalOrg(instance_url=REAL_URL, seed_data=False) as real:
        client = Asymbl(real.salesforce())
        names = ["Contact"] * 30  # the same describe 30 times is still 30 subrequests
        fetched = fetch_describes(client.api, names)
    assert len(fetched.bodies) == 30
    assert real.calls["POST composite"] == 2


def test_overlay_replaces_copied_objects_and_keeps_local_key_prefixes() -> None:
    current = OrgSchema.packaged()
    bodies = [
        d.to_json() for d in real_schema() if d.name in ("Contact", "bpats__ATS_Applicant__c")
    ]
    result = overlay(current, bodies)
    assert result.copied == ["Contact", "bpats__ATS_Applicant__c"]
    assert result.kept_prefixes == {"bpats__ATS_Applicant__c": ("a5X", "a0A")}
    applicant = result.schema.get("bpats__ATS_Applicant__c")
    assert applicant is not None and applicant.keyPrefix == "a0A"
    assert "Kombo" in applicant.field("bpats__Source__c").active_picklist_values  # type: ignore[union-attr]
    contact = result.schema.get("Contact")
    assert contact is not None and contact.field("Tshirt_Size__c") is not None
    assert result.schema.get("Account") is not None  # not copied: kept as it was


def test_save_then_read_a_folder_round_trips(tmp_path: Path) -> None:
    bodies = [d.to_json() for d in real_schema()]
    written = save_directory(bodies, tmp_path / "saved")
    assert (tmp_path / "saved" / "Contact.json") in written
    again = read_directory(tmp_path / "saved")
    assert sorted(b["name"] for b in again.bodies) == sorted(b["name"] for b in bodies)


def test_a_folder_with_a_bad_file_names_it(tmp_path: Path) -> None:
    (tmp_path / "Contact.json").write_text("{not json")
    with pytest.raises(ConfigurationError, match=r"Contact\.json: not readable JSON"):
        read_directory(tmp_path)
    (tmp_path / "Contact.json").write_text(json.dumps({"name": "Contact"}))
    with pytest.raises(ConfigurationError, match=r"Contact\.json: not a describe"):
        read_directory(tmp_path)
    (tmp_path / "Contact.json").unlink()
    with pytest.raises(ConfigurationError, match=r"no \*\.json describe files"):
        read_directory(tmp_path)
    with pytest.raises(ConfigurationError, match="is not a folder"):
        read_directory(tmp_path / "nope")
