"""Fixtures for import tests: a seeded in-memory org, a client that never sleeps on retries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.org import SESSION_ID
from tests.importing.helpers import NO_WAIT


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
