"""A local org kept in a folder: survives restarts, kill -9 mid-write, and concurrent writers."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from asymbl_sf.localorg import LocalOrg

#: A writer process: Contacts through Collections, now and then a file, until told to stop.
WRITER = textwrap.dedent("""
    import base64, sys
    from asymbl_sf.localorg import LocalOrg

    path, label, rounds, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sf = LocalOrg(path).salesforce()
    print("ready", flush=True)
    n = 0
    while rounds < 0 or n < rounds:
        records = [{"attributes": {"type": "Contact"}, "LastName": f"{label} {n}-{i}",
                    "Email": f"{label}.{n}.{i}@example.com"} for i in range(batch)]
        results = sf.restful("composite/sobjects", method="POST",
                             json={"allOrNone": True, "records": records})
        assert all(r["success"] for r in results), results
        if n % 3 == 0:
            data = f"file {label} {n}".encode() * 50
            sf.ContentVersion.create({"PathOnClient": f"{label}-{n}.txt",
                                      "VersionData": base64.b64encode(data).decode()})
        n += 1
""")


def _spawn(path: Path, label: str, rounds: int, batch: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), label, str(rounds), str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = process.stdout.readline().strip()
    assert ready == "ready", process.stderr.read() if process.stderr else ""
    return process


def _assert_consistent(path: Path) -> None:
    """The folder loads; ids are unique and well-formed; every file has its bytes; a new
    record gets a fresh id (counters were saved with the records)."""
    org = LocalOrg(path)
    contacts = org.records("Contact", include_deleted=True)
    ids = [c["Id"] for c in contacts]
    assert len(ids) == len(set(ids))
    # allOrNone batches of 10 were written whole or not at all.
    per_batch: dict[str, int] = {}
    for c in contacts:
        if c["LastName"] == "After the crash":
            continue
        batch_key = c["LastName"].rsplit("-", 1)[0]
        per_batch[batch_key] = per_batch.get(batch_key, 0) + 1
    assert set(per_batch.values()) <= {10}, per_batch
    for version in org.records("ContentVersion"):
        assert hashlib.md5(org.file_bytes(version["Id"])).hexdigest() == version["Checksum"]
        assert org.get(version["ContentDocumentId"]) is not None
    sf = org.salesforce()
    new_id = sf.Contact.create({"LastName": "After the crash"})["id"]
    assert new_id not in ids
    assert (
        sf.query("SELECT COUNT() FROM Contact")["totalSize"]
        == len([c for c in contacts if not c["IsDeleted"]]) + 1
    )
    sf.Contact.delete(new_id)


def test_data_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "org"
    first = LocalOrg(path)
    sf = first.salesforce()
    contact = sf.Contact.create({"LastName": "Doe", "Email": "jane@x.com"})["id"]
    version = sf.ContentVersion.create(
        {
            "PathOnClient": "cv.txt",
            "FirstPublishLocationId": contact,
            "VersionData": base64.b64encode(b"hi").decode(),
        }
    )
    sf.Contact.update(contact, {"Title": "Chef"})
    gone = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(gone)

    again = LocalOrg(path)
    sf2 = again.salesforce()
    assert sf2.Contact.get(contact)["Title"] == "Chef"
    rows = sf2.query("SELECT Id FROM Contact WHERE Email = 'JANE@X.COM'")["records"]
    assert [r["Id"] for r in rows] == [contact]  # indexes rebuilt on load
    assert again.file_bytes(version["id"]) == b"hi"
    download = sf2.session.get(
        f"{sf2.base_url}sobjects/ContentVersion/{version['id']}/VersionData", headers=sf2.headers
    )
    assert download.content == b"hi"
    deleted = sf2.query_all(
        "SELECT Id FROM Account WHERE Id = '" + gone + "'", include_deleted=True
    )
    assert deleted["totalSize"] == 1
    assert again.records("User") == first.records("User")  # not seeded twice
    next_contact = sf2.Contact.create({"LastName": "Next"})["id"]
    assert next_contact > contact  # counters persisted: no id reused


def test_seeded_ids_are_the_same_in_a_folder_and_in_memory(tmp_path: Path) -> None:
    on_disk = LocalOrg(tmp_path / "org")
    in_memory = LocalOrg()
    assert [r["Id"] for r in on_disk.records("bpats__ATS_Stage__c")] == [
        r["Id"] for r in in_memory.records("bpats__ATS_Stage__c")
    ]


def test_api_usage_is_remembered_across_runs_even_for_reads(tmp_path: Path) -> None:
    path = tmp_path / "org"
    sf = LocalOrg(path).salesforce()
    sf.Contact.create({"LastName": "Doe"})
    for _ in range(3):
        sf.query("SELECT Id FROM Contact")
    assert LocalOrg(path).api_usage == 4
    limited = LocalOrg(path, daily_limit=5)
    sf = limited.salesforce()
    sf.query("SELECT Id FROM Contact")  # the 5th call of the day
    from simple_salesforce.exceptions import SalesforceRefusedRequest

    try:
        sf.query("SELECT Id FROM Contact")
    except SalesforceRefusedRequest as refused:
        assert refused.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    else:
        raise AssertionError("the 6th call should have been refused")


def test_two_orgs_on_one_folder_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "org"
    one, two = LocalOrg(path), LocalOrg(path)
    created = one.salesforce().Contact.create({"LastName": "From one"})["id"]
    assert two.salesforce().Contact.get(created)["LastName"] == "From one"
    two.salesforce().Contact.update(created, {"Title": "Edited by two"})
    assert (one.get(created) or {})["Title"] == "Edited by two"


def test_process_killed_during_writes_leaves_a_loadable_consistent_folder(
    tmp_path: Path,
) -> None:
    path = tmp_path / "org"
    LocalOrg(path)  # seed once, so every writer starts from a saved folder
    chooser = random.Random(20260105)
    for round_number in range(4):
        process = _spawn(path, f"w{round_number}", rounds=-1, batch=10)
        time.sleep(chooser.uniform(0.05, 0.6))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        _assert_consistent(path)
    assert not list(path.glob(".*.tmp"))  # leftovers of the kills were cleaned on load


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "org"
    LocalOrg(path)
    writers = [_spawn(path, label, rounds=5, batch=10) for label in ("left", "right")]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    org = LocalOrg(path)
    names = [c["LastName"] for c in org.records("Contact")]
    assert len(names) == 100
    assert sum(n.startswith("left ") for n in names) == 50
    assert len({c["Id"] for c in org.records("Contact")}) == 100
    assert org.count("ContentVersion") == 4
    _assert_consistent(path)


def test_in_memory_org_never_touches_the_disk(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    with LocalOrg() as org:
        org.salesforce().Contact.create({"LastName": "Doe"})
    assert list(tmp_path.iterdir()) == []
