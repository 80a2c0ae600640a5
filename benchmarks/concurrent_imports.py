"""Two imports of the same new candidates started together: how many Contacts the org ends with.

Each trial seeds a fresh local org on disk and starts two ``asymbl-sf import`` processes at once
on two files holding the same ``--records`` new candidates (each call slowed by ``--latency`` so
the runs overlap), then counts the org's Contacts and applications. Three scenarios:

- ``one machine``: both runs share the lock folder, as two shells of one user do;
- ``two machines``: each run has its own lock folder (``ASYMBL_SF_LOCK_DIR``), as runs on two
  machines do, and the mapping has no claim;
- ``two machines + claim``: the same, with ``match.claim`` on a unique External ID Contact field.

Run: ``python benchmarks/concurrent_imports.py --records 400 --trials 5``. docs/reliability.md
("Concurrent runs") has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asymbl_sf.localorg import LocalOrg
from benchmarks.synthetic import CLAIM, schema_with_claim

CLI = (sys.executable, "-c", "from asymbl_sf.cli.app import main; main()")
CLAIM_MAPPING = (
    "version: 1\nextends: default\nobjects:\n  Contact:\n    match:\n"
    f"      on: [Email]\n      claim: {CLAIM}\n"
)
SCENARIOS = ("one machine", "two machines", "two machines + claim")


def trial(workdir: Path, scenario: str, records: int, latency: float) -> tuple[int, int, float]:
    """One trial: (Contacts, applications, seconds)."""
    org = workdir / "org"
    claimed = scenario.endswith("claim")
    LocalOrg(org, schema=schema_with_claim() if claimed else None)
    lines = "".join(
        json.dumps({"candidate": {"first_name": "Race", "last_name": f"No. {n}",
                                  "email_address": f"race{n}@example.com"}}) + "\n"
        for n in range(records)
    )  # fmt: skip
    mapping = workdir / "claim.yaml"
    mapping.write_text(CLAIM_MAPPING)
    runs = []
    started = time.perf_counter()
    for name in ("a", "b"):
        source = workdir / f"{name}.jsonl"
        source.write_text(lines)
        locks = workdir / ("locks" if scenario == "one machine" else f"locks-{name}")
        env = {
            **os.environ,
            "ASYMBL_SF_LOCAL_LATENCY": str(latency),
            "ASYMBL_SF_LOCK_DIR": str(locks),
            "ASYMBL_SF_STATE_DIR": str(workdir / f"state-{name}"),
        }
        command = [*CLI, "import", str(source), "--org", f"local:{org}", "--job-id",
                   "remote:Registered Nurse", "--api", "rest", "--quiet"]  # fmt: skip
        if claimed:
            command += ["--mapping", str(mapping)]
        runs.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL))  # fmt: skip
    for run in runs:
        run.wait()
    seconds = time.perf_counter() - started
    local = LocalOrg(org)
    return local.count("Contact"), local.count("bpats__ATS_Applicant__c"), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    print(
        f"{args.records:,} new candidates imported twice at once, {args.trials} trials per "
        f"scenario, {args.latency} s per call"
    )
    print(f"{'scenario':<22}  {'trials with duplicates':>22}  {'most Contacts':>13}  "
          f"{'most applications':>17}  {'s per trial':>11}")  # fmt: skip
    for scenario in SCENARIOS:
        outcomes = []
        for _ in range(args.trials):
            with tempfile.TemporaryDirectory() as folder:
                outcomes.append(trial(Path(folder), scenario, args.records, args.latency))
        duplicated = sum(1 for contacts, apps, _ in outcomes if contacts > args.records)
        print(
            f"{scenario:<22}  {duplicated:>22}  {max(o[0] for o in outcomes):>13,}  "
            f"{max(o[1] for o in outcomes):>17,}  "
            f"{sum(o[2] for o in outcomes) / len(outcomes):>11.1f}"
        )


if __name__ == "__main__":
    main()
