"""What the command line says when Salesforce fails in a way a retry may or may not cure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

import asymbl_sf.cli.common as common
from asymbl_sf import Asymbl
from asymbl_sf.cli.app import app
from asymbl_sf.connect import connect

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"


@pytest.fixture
def org_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("asymbl_sf.salesforce.retry.time", SimpleNamespace(sleep=lambda s: None))
    return tmp_path / "org"


def create_application(org_path: Path, arm: Callable[[Asymbl], None]) -> Any:
    """Run ``create-application`` on a local org; ``arm`` sets up faults on the client the
    command connects (faults live in memory, so they are armed on that very client)."""

    def connect_and_arm(org: str | None, **kwargs: Any) -> Asymbl:
        client = connect(org, **kwargs)
        arm(client)
        return client

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(common, "connect", connect_and_arm)
        return CliRunner().invoke(
            app,
            [
                "create-application",
                str(EXAMPLE),
                "--job-id",
                "remote:Registered Nurse",
                "--org",
                f"local:{org_path}",
            ],
        )


def next_calls_fail(kind: str, count: int) -> Callable[[Asymbl], None]:
    def arm(client: Asymbl) -> None:
        client.local_org.faults.next(count, kind)  # type: ignore[attr-defined]

    return arm


def test_a_failure_that_did_not_write_says_to_run_again_later(org_path: Path) -> None:
    result = create_application(org_path, next_calls_fail("http_503", 50))
    assert result.exit_code == 1
    assert "error: Salesforce said SERVER_UNAVAILABLE" in result.stderr
    assert "Run the command again in a few minutes" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_spent_api_budget_says_so(org_path: Path) -> None:
    result = create_application(org_path, next_calls_fail("request_limit", 1))
    assert result.exit_code == 1
    assert "REQUEST_LIMIT_EXCEEDED" in result.stderr
    assert "daily API request limit is spent" in result.stderr


def test_a_write_that_may_have_happened_says_to_look_first(org_path: Path) -> None:
    def arm(client: Asymbl) -> None:
        # The write's answer is lost, and every lookup after it fails: asymbl-sf cannot tell
        # whether the application exists, and must not guess.
        original = client.api.composite

        def composite(subrequests: Any, *, all_or_none: bool = False) -> Any:
            if any(s.method != "GET" for s in subrequests):
                client.local_org.faults.next(1, "lost_response")  # type: ignore[attr-defined]
                client.local_org.faults.next(100, "http_503")  # type: ignore[attr-defined]
            return original(subrequests, all_or_none=all_or_none)

        client.api.composite = composite  # type: ignore[method-assign]

    result = create_application(org_path, arm)
    assert result.exit_code == 1
    assert "OUTCOME_UNKNOWN" in result.stderr
    assert "look in Salesforce before sending it again" in result.stderr
    assert "Run the command again in a few minutes" not in result.stderr
    assert result.stdout == ""  # no result printed for a request whose outcome is unknown
