"""Record ids: 18 characters with the object's key prefix and Salesforce's checksum; 15 accepted."""

from __future__ import annotations

from typing import Any

import pytest

from asymbl_sf.localorg import LocalOrg

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _checksum(id15: str) -> str:
    """Salesforce's published algorithm, written out again so the test does not trust the code
    under test: per group of five, bit i is set when character i is an uppercase letter."""
    out = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if ch.isupper())
        out += _ALPHABET[bits]
    return out


def test_checksum_reference_matches_salesforce_examples() -> None:
    assert "003e0000003GuNX" + _checksum("003e0000003GuNX") == "003e0000003GuNXAA0"
    assert "001R00000033I6A" + _checksum("001R00000033I6A") == "001R00000033I6AIAU"


@pytest.mark.parametrize(
    ("sobject", "body", "prefix"),
    [
        ("Contact", {"LastName": "Doe"}, "003"),
        ("Account", {"Name": "Acme"}, "001"),
        ("User", {"Username": "u@x.local", "LastName": "U", "Email": "u@x.com"}, "005"),
        ("Task", {"Subject": "Call"}, "00T"),
    ],
)
def test_new_ids_have_18_characters_the_key_prefix_and_a_valid_checksum(
    local_sf: Any, sobject: str, body: dict[str, Any], prefix: str
) -> None:
    ids = [
        getattr(local_sf, sobject).create(
            body | ({"Username": f"u{n}@x.local"} if sobject == "User" else {})
        )["id"]
        for n in range(3)
    ]
    for record_id in ids:
        assert len(record_id) == 18
        assert record_id[:3] == prefix
        assert record_id[15:] == _checksum(record_id[:15])
    assert len(set(ids)) == 3


def test_custom_object_ids_use_the_describe_key_prefix(local_sf: Any) -> None:
    prefix = local_sf.bpats__Job__c.describe()["keyPrefix"]
    job = local_sf.bpats__Job__c.create({"Name": "Chef"})["id"]
    assert job.startswith(prefix) and job[15:] == _checksum(job[:15])


def test_ids_with_uppercase_letters_get_nontrivial_checksums(local_sf: Any) -> None:
    ids = [local_sf.Contact.create({"LastName": f"n{n}"})["id"] for n in range(12)]
    # The 10th record's serial is written "A" in base 62: its checksum is not "AAA".
    assert any(i[15:] != "AAA" for i in ids)
    assert all(i[15:] == _checksum(i[:15]) for i in ids)


def test_15_character_ids_are_accepted_on_input_and_answered_as_18(local_sf: Any) -> None:
    account = local_sf.Account.create({"Name": "Acme"})["id"]
    contact = local_sf.Contact.create({"LastName": "Doe", "AccountId": account[:15]})["id"]
    assert local_sf.Contact.get(contact[:15])["Id"] == contact
    assert local_sf.Contact.get(contact)["AccountId"] == account
    assert local_sf.Contact.update(contact[:15], {"Title": "Chef"}) == 204
    rows = local_sf.query(f"SELECT Id FROM Contact WHERE Id = '{contact[:15]}'")["records"]
    assert [r["Id"] for r in rows] == [contact]
    rows = local_sf.query(f"SELECT Id FROM Contact WHERE AccountId = '{account[:15]}'")["records"]
    assert [r["Id"] for r in rows] == [contact]
    assert local_sf.Contact.delete(contact[:15]) == 204


def test_id_of_another_object_in_the_url_is_refused(local_sf: Any) -> None:
    from simple_salesforce.exceptions import SalesforceMalformedRequest

    account = local_sf.Account.create({"Name": "Acme"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        local_sf.Contact.update(account, {"Title": "x"})
    assert caught.value.content[0]["errorCode"] == "MALFORMED_ID"


def test_seed_is_deterministic() -> None:
    def seeded_ids(org: LocalOrg) -> list[tuple[str, str]]:
        out = []
        for sobject in ("User", "RecordType", "Account", "bpats__Job__c", "bpats__ATS_Stage__c"):
            out += [(sobject, r["Id"]) for r in org.records(sobject)]
        return out

    first, second = LocalOrg(), LocalOrg()
    assert seeded_ids(first) == seeded_ids(second)
    assert [r["CreatedDate"] for r in first.records("bpats__Job__c")] == [
        r["CreatedDate"] for r in second.records("bpats__Job__c")
    ]


def test_seed_has_two_open_jobs_with_five_ordered_stages_each(local_sf: Any) -> None:
    jobs = local_sf.query(
        "SELECT Id, bpats__Status__c FROM bpats__Job__c WHERE bpats__Status__c = 'Open'"
    )["records"]
    assert len(jobs) >= 2
    for job in jobs:
        stages = local_sf.query(
            "SELECT Name, bpats__Sequence__c FROM bpats__ATS_Stage__c "
            f"WHERE bpats__Job__c = '{job['Id']}' ORDER BY bpats__Sequence__c"
        )["records"]
        assert [(s["Name"], s["bpats__Sequence__c"]) for s in stages] == [
            ("Application", 1),
            ("Internal Review", 2),
            ("Interview", 3),
            ("Offer", 4),
            ("Placement", 5),
        ]


def test_seed_has_a_recruiter_user_who_runs_the_api(local_sf: Any) -> None:
    users = local_sf.query("SELECT Id, Name, IsActive FROM User")["records"]
    assert [(u["Name"], u["IsActive"]) for u in users] == [("Riley Recruiter", True)]
    contact = local_sf.Contact.create({"LastName": "Doe"})["id"]
    assert local_sf.Contact.get(contact)["CreatedById"] == users[0]["Id"]


def test_contact_describe_lists_the_candidate_record_type(local_sf: Any) -> None:
    infos = local_sf.Contact.describe()["recordTypeInfos"]
    candidate = [i for i in infos if i["developerName"] == "Candidate"]
    assert len(candidate) == 1 and candidate[0]["active"]
    rt = local_sf.query(
        "SELECT Id FROM RecordType WHERE DeveloperName = 'Candidate' AND SobjectType = 'Contact'"
    )["records"][0]["Id"]
    assert candidate[0]["recordTypeId"] == rt
    contact = local_sf.Contact.create({"LastName": "Doe", "RecordTypeId": rt})["id"]
    assert local_sf.Contact.get(contact)["RecordTypeId"] == rt
