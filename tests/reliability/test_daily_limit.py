"""Part 3: the daily API limit stops the import cleanly; the same import resumes it later,
losing nothing and writing nothing twice."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.env_steering import DAILY_LIMIT_ENV
from tests.reliability.daily_limit import run_limit_campaign
from tests.reliability.kills import api_usage, import_command
from tests.reliability.scenario import campaign_size, make_inputs, seeded_org
from tests.reliability.snapshot import OrgSnapshot, final_lines, last_rows, result_rows
from tests.reliability.verdict import judge

#: Exit code of ``asymbl-sf import`` stopped by the daily limit (docs/importing.md).
EXIT_REQUEST_LIMIT = 3


@pytest.mark.slow
@pytest.mark.parametrize(("api", "max_budget"), [("rest", 40), ("bulk", 20)])
def test_daily_limit_stops_then_later_days_resume_losing_nothing(
    tmp_path: Path, api: str, max_budget: int
) -> None:
    inputs = make_inputs(tmp_path, campaign_size(1500), seed=21)
    campaign = run_limit_campaign(inputs, tmp_path, api=api, max_budget=max_budget, seed=2)

    assert campaign.stops >= 2, [day.budget for day in campaign.days]
    assert campaign.days[-1].stopped_reason is None
    for day in campaign.days[:-1]:
        assert day.stopped_reason == "request_limit"
        assert day.pending > 0  # stopped with work left, not failed it
        assert "rerun the same command to resume" in day.text
        assert "failed" not in day.outcomes or day.outcomes["failed"] <= len(inputs.invalid_lines)
        assert "blocked" not in day.outcomes
    assert campaign.verdict.clean, campaign.verdict.explain()
    # Each valid line got exactly one final row over all the days.
    assert final_lines(campaign.rows) == sorted(inputs.expected)


@pytest.mark.slow
def test_the_cli_exits_3_at_the_limit_and_the_same_command_resumes(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path, 2500, seed=22)
    org_path = tmp_path / "org"
    seeded_org(inputs, org_path)
    results = tmp_path / "results.jsonl"
    command = import_command(inputs, org_path, results)

    # Day 1: 9 calls, enough for the first chunk of 2,000 rows, not for the second.
    day1 = {**os.environ, DAILY_LIMIT_ENV: str(api_usage(org_path) + 9)}
    stopped = subprocess.run(command, env=day1, capture_output=True, text=True, check=False)
    assert stopped.returncode == EXIT_REQUEST_LIMIT, stopped.stderr
    assert "stopped: daily API limit reached" in stopped.stderr
    assert "rerun the same command to resume" in stopped.stderr
    summary = json.loads(stopped.stdout)
    assert summary["stopped_reason"] == "request_limit" and summary["pending"] > 0
    done_on_day1 = final_lines(result_rows(results))
    assert 0 < len(done_on_day1) < len(inputs.expected)

    # Day 2: the budget is back; the very same command finishes.
    resumed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert resumed.returncode == (1 if inputs.invalid_lines else 0), resumed.stderr
    assert json.loads(resumed.stdout)["skipped"] == len(done_on_day1)
    rows = result_rows(results)
    verdict = judge(inputs, OrgSnapshot.of(LocalOrg(org_path)), last_rows(rows))
    assert verdict.clean, verdict.explain()
    assert final_lines(rows) == sorted(inputs.expected)
