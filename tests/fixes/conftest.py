"""Shared by the fix tests: the created ledger and watermarks in the test's own folder (the
journals are there already: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def own_state(state_dir: Path) -> Path:
    return state_dir
