"""asymbl-sf's state about an org (created ledger, read watermarks) follows the org, not the
path it is reached by: a project folder that moves keeps it, a reset org starts afresh, and
state an earlier version kept by path or host is adopted."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.persist import DamagedOrgError
from asymbl_sf.state.ledger import legacy_org_keys, org_state_dir
from tests.helpers.cli import run_cli

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json")
JOB = "remote:Registered Nurse"


@pytest.fixture
def project(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder whose state lives inside it (``.asymbl-sf/``, the default)."""
    monkeypatch.delenv("ASYMBL_SF_STATE_DIR", raising=False)
    folder = clean_env / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def created_only() -> list[str]:
    result = run_cli("read", "applications", "--created-only")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line)["id"] for line in result.stdout.splitlines()]


def test_read_created_only_survives_moving_the_project_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = run_cli("create-application", EXAMPLE, "--job-id", JOB)
    assert made.exit_code == 0, made.stderr
    application = json.loads(made.stdout)["data"]["id"]
    assert created_only() == [application]

    moved = project.parent / "renamed-project"
    shutil.move(project, moved)
    monkeypatch.chdir(moved)

    assert created_only() == [application]


def test_a_reset_org_is_a_new_org_with_its_own_state(project: Path) -> None:
    assert run_cli("create-application", EXAMPLE, "--job-id", JOB).exit_code == 0
    first = LocalOrg(project / ".asymbl-sf" / "org").identity
    assert run_cli("org", "reset", "--yes").exit_code == 0
    second = LocalOrg(project / ".asymbl-sf" / "org").identity
    assert first and second and first != second
    assert created_only() == []


def test_state_kept_by_an_earlier_version_under_the_folder_path_is_adopted(
    project: Path,
) -> None:
    org = LocalOrg(project / ".asymbl-sf" / "org")
    (legacy,) = legacy_org_keys("", org)
    old = org_state_dir(legacy, project / ".asymbl-sf" / "state")
    old.mkdir(parents=True)
    (old / "created.jsonl").write_text(
        json.dumps({"sobject": "bpats__ATS_Applicant__c", "id": "a0A8d0000000009EAA"}) + "\n"
    )
    assert run_cli("read", "applications", "--created-only").exit_code == 0
    assert not old.exists()
    assert org_state_dir(f"local-{org.identity}", project / ".asymbl-sf" / "state").is_dir()


def test_a_damaged_identity_file_is_named(tmp_path: Path) -> None:
    LocalOrg(tmp_path / "org")
    (tmp_path / "org" / "org-id").write_text("not an id")
    with pytest.raises(DamagedOrgError, match="org-id does not hold the org's id"):
        LocalOrg(tmp_path / "org")
    os.remove(tmp_path / "org" / "org-id")
    assert LocalOrg(tmp_path / "org").identity  # a lost id file: a new id, the records kept
