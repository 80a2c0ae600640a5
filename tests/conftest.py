"""Fixtures for every test folder (the local org's own, ``local_org`` and ``local_sf``, come from
the installed pytest plugin, :mod:`asymbl_sf.localorg.pytest_plugin`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

#: Variables that change which org a command opens or how it behaves (the ``ASYMBL_SF_LOCAL_*``
#: ones steer the local org's latency, faults and daily limit: docs/local-org.md).
ORG_VARIABLES = (
    "ASYMBL_SF_ORG",
    "ASYMBL_SF_DEBUG",
    "ASYMBL_SF_LOCAL_LATENCY",
    "ASYMBL_SF_LOCAL_FAULTS",
    "ASYMBL_SF_LOCAL_DAILY_LIMIT",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ``SF_*`` nor any of :data:`ORG_VARIABLES` in the environment, and the test's
    empty folder as the working directory: no org, ``.env`` or debug setting of the machine
    running the tests reaches a test, and what a command writes stays in the test's folder.
    Returns that folder."""
    for name in list(os.environ):
        if name.startswith("SF_") or name in ORG_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def org_arg(tmp_path: Path) -> str:
    """``--org`` for a local org kept in the test's folder (created by the first command)."""
    return f"local:{tmp_path / 'org'}"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """HTTP mocked by ``responses``: a request that matches no registered answer fails, so
    nothing reaches the network. Answers registered for one URL are given in order."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The created ledgers and read watermarks of any on-disk org go to the test's own folder
    (``ASYMBL_SF_STATE_DIR``), which is returned."""
    folder = tmp_path / "state"
    monkeypatch.setenv("ASYMBL_SF_STATE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def journals(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The journals fixes write go to the test's own folder (``ASYMBL_SF_JOURNAL_DIR``), never
    into the working directory of the test run."""
    folder = tmp_path / "journals"
    monkeypatch.setenv("ASYMBL_SF_JOURNAL_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def locks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The run locks (``ASYMBL_SF_LOCK_DIR``) in the test's own folder: tests never wait for
    each other, nor for a real run on the machine."""
    folder = tmp_path / "locks"
    monkeypatch.setenv("ASYMBL_SF_LOCK_DIR", str(folder))
    return folder
