"""``asymbl-sf import``: exit codes, the results file, progress lines, --quiet, stdin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from asymbl_sf.cli.app import app
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.http import DEFAULT_DAILY_LIMIT
from tests.importing.helpers import APPLICANT, kombo, many, results, write_jsonl


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "SF_INSTANCE_URL",
        "SF_ACCESS_TOKEN",
        "SF_USERNAME",
        "SF_PASSWORD",
        "SF_CLIENT_ID",
        "SF_CLIENT_SECRET",
        "ASYMBL_SF_ORG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def org_path(tmp_path: Path) -> Path:
    return tmp_path / "org"


def run(org_path: Path, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, ["import", *args, "--org", f"local:{org_path}"], input=stdin)


def set_usage(org_path: Path, calls: int) -> None:
    """Set the local org's API calls spent today (kept on disk with its data)."""
    org = LocalOrg(org_path)  # loads what is on disk now
    assert org.folder is not None
    with org.folder.locked():
        org.folder.refresh(org.backend)
        org.backend.store.meta["api_usage"] = calls
        org.folder.save(org.backend)


def test_import_writes_results_prints_summary_json_and_exits_zero(
    org_path: Path, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", many(5))
    result = run(org_path, str(path))
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["outcomes"] == {"created": 5} and summary["ok"] is True
    assert summary["results_path"] == str(path) + ".results.jsonl"
    assert "reading: 5 rows" in result.stderr  # not a terminal: plain progress lines
    assert "writing: 5/5 rows" in result.stderr
    assert "import via REST: 5 created" in result.stderr
    assert len(results(Path(summary["results_path"]))) == 5
    assert LocalOrg(org_path).count(APPLICANT) == 5


def test_failed_rows_exit_one_and_say_how_to_retry(org_path: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("a@example.com"), kombo("bad")])
    result = run(org_path, str(path), "--quiet")
    assert result.exit_code == 1
    assert "reading:" not in result.stderr  # --quiet: no progress
    assert "line 2: INVALID_PAYLOAD: candidate.email_address" in result.stderr
    assert f"--retry-from {path}.results.jsonl" in result.stderr
    assert json.loads(result.stdout)["outcomes"] == {"created": 1, "failed": 1}


def test_standard_input_needs_a_results_path(org_path: Path, tmp_path: Path) -> None:
    text = json.dumps(kombo("a@example.com")) + "\n"
    refused = run(org_path, "-", stdin=text)
    assert refused.exit_code == 1 and "--results PATH" in refused.stderr
    out = tmp_path / "out.csv"
    result = run(org_path, "-", "--results", str(out), "--results-format", "csv", "-q", stdin=text)
    assert result.exit_code == 0, result.stderr
    assert out.read_text().splitlines()[1].startswith("1,,created,")


def test_dry_run_exits_zero_and_writes_nothing(org_path: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", many(3))
    result = run(org_path, str(path), "--dry-run", "-q")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["outcomes"] == {"would_create": 3}
    assert (tmp_path / "in.jsonl.dry-run.jsonl").exists()
    assert LocalOrg(org_path).count("Contact") == 0


def test_daily_limit_exits_three_and_the_same_command_resumes(
    org_path: Path, tmp_path: Path
) -> None:
    # Three calls left today: describes, one lookup (jobs and Contacts), the Contact write;
    # then the limit.
    set_usage(org_path, DEFAULT_DAILY_LIMIT - 3)
    path = write_jsonl(tmp_path / "in.jsonl", many(30))
    stopped = run(org_path, str(path), "-q")
    assert stopped.exit_code == 3
    assert "stopped: daily API limit reached" in stopped.stderr
    assert "rerun the same command to resume" in stopped.stderr

    set_usage(org_path, 0)  # a new day
    resumed = run(org_path, str(path), "-q")
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["outcomes"] == {"reused": 30}
    final = LocalOrg(org_path)
    assert final.count("Contact") == 30 and final.count(APPLICANT) == 30


def test_bad_column_map_is_one_clear_error(org_path: Path, tmp_path: Path) -> None:
    columns = tmp_path / "columns.yaml"
    columns.write_text("columns:\n  Email: candidate.mail\n")
    path = tmp_path / "in.csv"
    path.write_text("Email\na@example.com\n")
    result = run(org_path, str(path), "--column-map", str(columns))
    assert result.exit_code == 1
    assert f"{columns}:2" in result.stderr and "columns.Email" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_has_help() -> None:
    result = CliRunner().invoke(app, ["import", "--help"])
    assert result.exit_code == 0
    assert "--retry-from" in result.stdout and "--max-concurrency" in result.stdout
