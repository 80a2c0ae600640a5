"""Part 2 of the campaign: ``asymbl-sf import`` killed with SIGKILL at random points, rerun.

Each round starts the real CLI as a subprocess against a local org kept on disk (every call
slowed by ``ASYMBL_SF_LOCAL_LATENCY``), waits until the org has answered a seeded random number
``k`` of that run's calls, waits a further seeded random fraction of two calls, and sends
SIGKILL: no handler, no ``finally``, no flush. Then the same command runs again.

Kill points are spread over the whole run: each round first measures how many calls ``C`` the
run will make (the same import in-process, without latency, on a copy of the org folder and of
the results file: same state, same batches, same calls), and draws ``k`` from 0 to ``C - 1`` and
the wait from 0 to two calls' latency. The kill lands before the org saw a request, while it
was saving its state (atomically, under a lock), after it saved but before the client read the
answer, or while the client was writing the results file. A draw so late that the run finished
first is not a kill: the org folder, results file and ledger are put back as they were before
that run, and the round draws again.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asymbl_sf import Asymbl
from asymbl_sf.localorg import SESSION_ID, LocalOrg
from asymbl_sf.localorg.env_steering import LATENCY_ENV
from asymbl_sf.state.ledger import state_root

from .scenario import DEFAULT_JOB, Inputs
from .snapshot import FINAL, OrgSnapshot, last_rows, result_rows
from .verdict import Verdict, judge

#: The CLI exactly as a user runs it (the console script's entry point), in this interpreter.
CLI = (sys.executable, "-c", "from asymbl_sf.cli.app import main; main()")
POLL_SECONDS = 0.002
#: Draws per round before the campaign gives up on killing a run that keeps finishing first.
MAX_DRAWS = 20


@dataclass
class Kill:
    """One SIGKILL and what it left."""

    round: int
    #: Calls the run would have made, the calls the org had answered when the wait began, and
    #: the wait after them.
    run_calls: int
    after_calls: int
    offset: float
    #: Applications in the org, and lines with a final row, before the run and after the kill.
    applicants_before: int
    applicants_after: int
    final_before: int
    final_after: int
    #: Applications in the org that no result row named yet: written by the killed run, lost
    #: from its point of view; the rerun must find them instead of writing them again.
    unrecorded: int
    returncode: int
    #: Whether the kill left a torn last line in the results file (readers skip it).
    torn: bool = False
    #: Draws of this round the run outlived (the state was put back and drawn again).
    redrawn: int = 0


@dataclass
class KillCampaign:
    inputs: Inputs
    latency: float
    kills: list[Kill] = field(default_factory=list)
    final_returncode: int = 0
    final_summary: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    finals: dict[int, dict[str, Any]] = field(default_factory=dict)
    snapshot: OrgSnapshot = field(default_factory=OrgSnapshot)
    verdict: Verdict = field(default_factory=Verdict)
    api_calls: int = 0
    seconds: float = 0.0


def import_command(inputs: Inputs, org_path: Path, results: Path) -> list[str]:
    return [
        *CLI,
        "import",
        str(inputs.path),
        "--org",
        f"local:{org_path}",
        "--job-id",
        DEFAULT_JOB,
        "--results",
        str(results),
        "--quiet",
    ]


def api_usage(org_path: Path) -> int:
    """Calls the org on disk has answered (``usage.json`` is replaced atomically)."""
    try:
        return int(json.loads((org_path / "usage.json").read_text("utf-8"))["api_usage"])
    except (FileNotFoundError, ValueError, KeyError):
        return 0


def calls_of_next_run(inputs: Inputs, org_path: Path, results: Path, scratch: Path) -> int:
    """How many calls the next run will make: the same import on copies, in-process."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    shutil.copytree(org_path, scratch / "org", ignore=shutil.ignore_patterns("lock"))
    copy = scratch / "results.jsonl"
    if results.exists():
        shutil.copyfile(results, copy)
    # As connect(org="local:PATH") makes it, but without a ledger: the rehearsal must not add
    # to the real runs' ledger of created records.
    client = Asymbl(LocalOrg(scratch / "org").salesforce(), ledger=False)
    client.api.renew = lambda: SESSION_ID
    before = api_usage(scratch / "org")
    client.import_records(inputs.path, job_id=DEFAULT_JOB, results=copy)
    return api_usage(scratch / "org") - before


#: Chooses a kill point from the calls the run will make: (calls to wait for, then seconds).
Draw = Callable[[int], tuple[int, float]]


def run_kill_campaign(
    inputs: Inputs,
    org_path: Path,
    workdir: Path,
    *,
    kills: int = 10,
    latency: float = 0.05,
    seed: int = 1,
) -> KillCampaign:
    """``kills`` rounds of start, SIGKILL at a random point, then one run to the end."""
    rng = random.Random(seed)

    def draw(run_calls: int) -> tuple[int, float]:
        return rng.randint(0, max(run_calls - 1, 0)), rng.uniform(0.0, 2 * latency)

    campaign = KillCampaign(inputs, latency)
    usage_at_start = api_usage(org_path)
    started = time.monotonic()
    for number in range(1, kills + 1):
        campaign.kills.append(
            kill_round(inputs, org_path, workdir, draw, latency=latency, number=number)
        )
    finish(campaign, org_path, workdir)
    campaign.seconds = time.monotonic() - started
    campaign.api_calls = api_usage(org_path) - usage_at_start
    return campaign


def kill_round(
    inputs: Inputs, org_path: Path, workdir: Path, draw: Draw, *, latency: float, number: int = 1
) -> Kill:
    """Start the import and SIGKILL it at the point ``draw`` picks (drawn again while the run
    finishes first, from the state before it)."""
    results = workdir / "results.jsonl"
    env = {**os.environ, LATENCY_ENV: str(latency)}
    command = import_command(inputs, org_path, results)
    run_calls = calls_of_next_run(inputs, org_path, results, workdir / "calibration")
    saved = _Saved(workdir / "before-round", org_path, results)
    applicants_before = _applicants(org_path)
    final_before = _final_lines(results)
    for redrawn in range(MAX_DRAWS):
        after, offset = draw(run_calls)
        returncode = _start_and_kill(command, env, org_path, after, offset)
        if returncode == -signal.SIGKILL:
            return Kill(
                number,
                run_calls,
                after,
                offset,
                applicants_before,
                _applicants(org_path),
                final_before,
                _final_lines(results),
                _unrecorded(org_path, results),
                returncode,
                _torn(results),
                redrawn,
            )
        saved.restore()  # the run outlived the draw: as if it never ran
    raise RuntimeError(
        f"round {number}: the run finished before each of {MAX_DRAWS} kill "
        "points; use a larger input or more latency"
    )


def finish(campaign: KillCampaign, org_path: Path, workdir: Path) -> None:
    """Run the same command to the end (no latency) and judge what the campaign left."""
    results = workdir / "results.jsonl"
    finished = subprocess.run(
        import_command(campaign.inputs, org_path, results),
        capture_output=True,
        text=True,
        check=False,
    )
    campaign.final_returncode = finished.returncode
    campaign.final_summary = json.loads(finished.stdout) if finished.stdout.strip() else {}
    campaign.rows = result_rows(results)
    campaign.finals = last_rows(campaign.rows)
    campaign.snapshot = OrgSnapshot.of(LocalOrg(org_path))
    campaign.verdict = judge(campaign.inputs, campaign.snapshot, campaign.finals)


def _start_and_kill(
    command: list[str], env: dict[str, str], org_path: Path, after: int, offset: float
) -> int:
    """Run ``command``; once the org answered ``after`` more calls, wait ``offset`` seconds and
    SIGKILL it. Returns its exit status (``-SIGKILL`` when the kill came first)."""
    baseline = api_usage(org_path)
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while api_usage(org_path) < baseline + after and process.poll() is None:
        time.sleep(POLL_SECONDS)
    time.sleep(offset)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    return process.wait()


class _Saved:
    """A copy of the org folder, the results file and the ledgers, to put back."""

    def __init__(self, folder: Path, org_path: Path, results: Path) -> None:
        self.folder, self.org_path, self.results = folder, org_path, results
        self.state = state_root()
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copytree(org_path, folder / "org", ignore=shutil.ignore_patterns("lock"))
        if results.exists():
            shutil.copyfile(results, folder / "results.jsonl")
        if self.state.exists():
            shutil.copytree(self.state, folder / "state")

    def restore(self) -> None:
        for path, copy in (
            (self.org_path, self.folder / "org"),
            (self.state, self.folder / "state"),
        ):
            shutil.rmtree(path, ignore_errors=True)
            if copy.exists():
                shutil.copytree(copy, path)
        self.results.unlink(missing_ok=True)
        if (self.folder / "results.jsonl").exists():
            shutil.copyfile(self.folder / "results.jsonl", self.results)


def _applicants(org_path: Path) -> int:
    return LocalOrg(org_path).count("bpats__ATS_Applicant__c")


def _final_lines(results: Path) -> int:
    return sum(1 for row in last_rows(result_rows(results)).values() if row["outcome"] in FINAL)


def _torn(results: Path) -> bool:
    if not results.exists() or results.stat().st_size == 0:
        return False
    with results.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


def _unrecorded(org_path: Path, results: Path) -> int:
    named = {row.get("application_id") for row in result_rows(results)}
    return sum(
        1
        for applicant in LocalOrg(org_path).records("bpats__ATS_Applicant__c")
        if applicant["Id"] not in named
    )
