"""Part 2: the import killed with ``kill -9`` at 10 random points, rerun each time, ends with
exactly one Contact per email and one application per (Contact, job), nothing written twice.

``ASYMBL_SF_CAMPAIGN_SIZE=5000`` runs the documented size.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.state.ledger import CreatedLedger, org_key_for
from tests.reliability.kill_switch import KILL_ENV
from tests.reliability.kills import KillCampaign, finish, import_command, run_kill_campaign
from tests.reliability.scenario import Inputs, campaign_size, make_inputs, seeded_org
from tests.reliability.snapshot import APPLICANT, final_lines, result_rows

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ten_kills_and_reruns_make_every_record_exactly_once(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path, campaign_size(2500), seed=11)
    org_path = tmp_path / "org"
    seeded_org(inputs, org_path)

    campaign = run_kill_campaign(inputs, org_path, tmp_path, kills=10, latency=0.05, seed=3)

    assert [k.returncode for k in campaign.kills] == [-signal.SIGKILL] * 10
    assert campaign.verdict.clean, campaign.verdict.explain()
    # The last run finished: nothing pending; only the invalid rows failed (exit code 1).
    assert campaign.final_summary["stopped_reason"] is None
    assert campaign.final_summary["pending"] == 0
    assert campaign.final_returncode == (1 if inputs.invalid_lines else 0)
    # No line got a final row twice across the eleven runs, and every valid line got one.
    assert final_lines(campaign.rows) == sorted(inputs.expected)
    # Every application in the org is the one some line names: none was made twice.
    named = {row["application_id"] for row in campaign.finals.values() if row["application_id"]}
    assert named == campaign.snapshot.applicant_ids


def kill_right_after_write_of(sobject: str, inputs: Inputs, org_path: Path, results: Path) -> None:
    """Run the import with the kill switch: it dies once the org saved the first create of
    ``sobject``, before the answer reaches the client."""
    command = import_command(inputs, org_path, results)
    command[:3] = [sys.executable, "-c", "from tests.reliability.kill_switch import main; main()"]
    env = {
        **os.environ,
        KILL_ENV: sobject,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    killed = subprocess.run(command, env=env, capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr


@pytest.mark.parametrize("sobject", ["Contact", "bpats__ATS_Applicant__c"])
def test_killed_after_the_org_wrote_and_before_the_results_file_said_so(
    tmp_path: Path, sobject: str
) -> None:
    """The worst moment: the org saved the records, the process dies before it reads the
    answer, and no results file names them. The rerun must find them, not write them again."""
    inputs = make_inputs(tmp_path, 300, seed=12)
    org_path = tmp_path / "org"
    seeded_org(inputs, org_path)
    before = {r["Id"] for r in LocalOrg(org_path).records(sobject)}
    results = tmp_path / "results.jsonl"

    kill_right_after_write_of(sobject, inputs, org_path, results)
    written = {r["Id"] for r in LocalOrg(org_path).records(sobject)} - before
    assert written  # the org did the work (one call: all 300 rows fit in one)
    assert final_lines(result_rows(results)) == []  # nobody recorded it

    campaign = KillCampaign(inputs, latency=0.0)
    finish(campaign, org_path, tmp_path)
    assert campaign.verdict.clean, campaign.verdict.explain()
    # The rerun found every record the killed run made and created none of them again.
    if sobject == "Contact":
        assert campaign.snapshot.contact_ids == before | written
        assert campaign.final_summary["contacts_new"] == 0
    else:
        assert campaign.snapshot.applicant_ids == written
        assert campaign.final_summary["applications_new"] == 0
        assert campaign.final_summary["outcomes"]["exists"] == len(inputs.expected)


def test_the_ledger_names_applications_a_killed_import_made(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path, 300, seed=12)
    org_path = tmp_path / "org"
    seeded_org(inputs, org_path)
    kill_right_after_write_of(APPLICANT, inputs, org_path, tmp_path / "results.jsonl")
    finish(KillCampaign(inputs, latency=0.0), org_path, tmp_path)

    org = LocalOrg(org_path)
    ledger = CreatedLedger.for_org(org_key_for("", org))
    assert ledger.ids(APPLICANT) == {r["Id"] for r in org.records(APPLICANT)}
