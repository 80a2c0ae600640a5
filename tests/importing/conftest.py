"""Fixtures for import tests: a seeded in-memory org, a client that never sleeps on retries.

The local org fills the applicant's unique Contact+Job key with 15-character ids
(``localorg/rules.py``); ids that differ only in letter case then collide in that
case-insensitive unique field after a few dozen Contacts, which an import reaches at once. Until
the emulator uses 18-character ids there (reported), these tests fill the key the case-safe way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.ids import to_18
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.org import SESSION_ID
from asymbl_sf.localorg.rules import RecordRules
from tests.importing.helpers import NO_WAIT


@pytest.fixture(autouse=True)
def case_safe_contact_job_key(monkeypatch: pytest.MonkeyPatch) -> None:
    def fill(self: RecordRules, record: dict[str, Any]) -> None:
        contact, job = record.get("bpats__ATS_Applicant__c"), record.get("bpats__Job__c")
        if contact and job:
            record["bpats__Contact_Job_Relationship__c"] = f"{to_18(contact)}{to_18(job)}"

    monkeypatch.setattr(RecordRules, "_fill_contact_job_key", fill)


@pytest.fixture(autouse=True)
def state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Ledgers of any on-disk org go to the test's own folder."""
    folder = tmp_path / "state"
    monkeypatch.setenv("ASYMBL_SF_STATE_DIR", str(folder))
    return folder


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as local:
        yield local


@pytest.fixture
def client(org: LocalOrg) -> Asymbl:
    """A client that renews an expired session the way a logged-in client does."""
    made = Asymbl(org.salesforce(), retry=NO_WAIT)
    made.api.renew = lambda: SESSION_ID
    return made
