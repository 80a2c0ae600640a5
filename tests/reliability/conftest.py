"""Fixtures of the fault campaign: no org or steering of the machine running the tests reaches
a test (also not a CLI subprocess), and ledgers go to the test's own folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from asymbl_sf.localorg.env_steering import DAILY_LIMIT_ENV, FAULTS_ENV, LATENCY_ENV


@pytest.fixture(autouse=True)
def isolated(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``clean_env`` (no ``SF_*``, ``ASYMBL_SF_ORG``, ``ASYMBL_SF_DEBUG``; the test's folder as
    the working directory), no ``ASYMBL_SF_LOCAL_*`` steering, and ``ASYMBL_SF_STATE_DIR`` in
    the test's folder. Subprocesses inherit all of it."""
    for name in (LATENCY_ENV, FAULTS_ENV, DAILY_LIMIT_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASYMBL_SF_STATE_DIR", str(clean_env / "state"))
    return clean_env
