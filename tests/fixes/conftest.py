"""Shared by the fix tests: journals in the test's own folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def journals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "journals"
    monkeypatch.setenv("ASYMBL_SF_JOURNAL_DIR", str(folder))
    monkeypatch.setenv("ASYMBL_SF_STATE_DIR", str(tmp_path / "state"))
    return folder
