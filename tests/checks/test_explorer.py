"""The custom field explorer: an object's fields as the org describes them."""

from __future__ import annotations

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.errors import ConfigurationError, SalesforceError
from asymbl_sf.localorg import LocalOrg
from tests.checks.helpers import mapping


def test_rows_say_type_length_required_picklist_values_and_mapping_use(
    local_org: LocalOrg,
) -> None:
    rows = {r["name"]: r for r in Asymbl(local_org.salesforce()).fields("bpats__ATS_Applicant__c")}
    source = rows["bpats__Source__c"]
    assert source == {
        "name": "bpats__Source__c",
        "label": source["label"],
        "type": "picklist",
        "length": source["length"],
        "required": False,
        "createable": True,
        "updateable": True,
        "custom": True,
        "picklist_values": ["LinkedIn", "Glassdoor", "Indeed", "Website"],
        "restricted_picklist": True,
        "reference_to": [],
        "used_by_mapping": True,
    }
    assert rows["bpats__Stage__c"]["required"] is True
    assert rows["bpats__Stage__c"]["reference_to"] == ["bpats__ATS_Stage__c"]
    # A fallback field counts as used; a field the mapping never names does not.
    assert rows["bpats__Internal_Source__c"]["used_by_mapping"] is True
    assert rows["bpats__Asymbl_Rejection_Reason__c"]["used_by_mapping"] is False
    assert rows["Name"]["createable"] is False


def test_custom_only_lists_only_custom_fields(local_org: LocalOrg) -> None:
    rows = Asymbl(local_org.salesforce()).fields("Contact", custom_only=True)
    assert rows and all(r["name"].endswith("__c") and r["custom"] for r in rows)
    assert {r["name"] for r in rows if r["used_by_mapping"]} == {
        "bpats__Earliest_Available_Date__c",
        "bpats__Desired_Salary__c",
    }


def test_the_job_key_counts_as_used_on_jobs(local_org: LocalOrg) -> None:
    custom = mapping("""
        version: 1
        extends: default
        settings: {job_remote_key: bpats__Job_Number__c}
        """)
    rows = Asymbl(local_org.salesforce(), mapping=custom).fields("bpats__Job__c")
    assert [r["name"] for r in rows if r["used_by_mapping"]] == ["bpats__Job_Number__c"]


def test_an_unknown_object_names_the_closest(local_org: LocalOrg) -> None:
    client = Asymbl(local_org.salesforce())
    with pytest.raises(SalesforceError) as info:
        client.fields("bpats__ATS_Aplicant__c")
    assert str(info.value) == (
        "NOT_FOUND: no object `bpats__ATS_Aplicant__c` in this org; did "
        "you mean `bpats__ATS_Applicant__c`?"
    )
    assert client.usage.calls == 2  # the describe, then the object list for the suggestion


def test_a_name_that_is_not_an_object_name_is_refused_before_any_call(
    local_org: LocalOrg,
) -> None:
    client = Asymbl(local_org.salesforce())
    with pytest.raises(ConfigurationError):
        client.fields("../limits")
    assert client.usage.calls == 0
