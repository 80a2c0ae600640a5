"""The import's fault campaign at full size: is anything lost or written twice?

Four parts, each the code the suite's ``tests/reliability`` runs at a smaller size:

1. **transient**: the file imported in-process with a seeded share of all calls failing with
   every transient fault the local org injects (row lock, 503, 500, dropped connection, lost
   answer, expired session), through REST and through Bulk API 2.0, and compared field for
   field with the same import without faults;
2. **kills**: ``asymbl-sf import`` as a subprocess against a local org on disk, killed with
   SIGKILL at seeded random points and rerun each time, then run to the end;
3. **limit**: the org's daily API limit stops the import again and again (a seeded random
   budget per "day"); each next day the same import resumes;
4. **permanent**: the org refuses a few Contacts (restricted picklist) and applications
   (validation rule) for good; those rows fail, the rows needing them are blocked, and every
   other row ends as without the refusals.

Every part prints its figures; the last table adds them up. Duplicates and lost records must be
0: the script exits 1 otherwise. Examples (docs/reliability.md has the figures)::

    .venv/bin/python benchmarks/fault_campaign.py                      # 5,000 applications
    .venv/bin/python benchmarks/fault_campaign.py --size 1000 --parts transient,kills
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` and ``tests`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability.daily_limit import run_limit_campaign
from tests.reliability.kills import run_kill_campaign
from tests.reliability.permanent import expected_refusals, import_with_refusals, pick_victims
from tests.reliability.scenario import Inputs, make_inputs, seeded_org
from tests.reliability.snapshot import final_lines, named_outcomes
from tests.reliability.transient import CHUNK_SIZE, ImportRun, import_until_done
from tests.reliability.verdict import Verdict

PARTS = ("transient", "kills", "limit", "permanent")


class Totals:
    """What the whole campaign did and found, for the last table."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.bad = 0

    def add(
        self,
        part: str,
        records: int,
        faults: str,
        calls: int,
        verdict: Verdict,
        seconds: float,
        *,
        mismatches: int = 0,
    ) -> None:
        self.bad += verdict.duplicates + verdict.lost + len(verdict.stray) + mismatches
        self.rows.append(
            (
                part,
                f"{records:,}",
                faults,
                f"{calls:,}",
                str(verdict.duplicates),
                str(verdict.lost),
                str(mismatches),
                f"{seconds:,.1f}",
            )
        )

    def table(self) -> str:
        return aligned(
            (
                "part",
                "records",
                "faults",
                "API calls",
                "duplicates",
                "lost",
                "other differences",
                "wall s",
            ),
            self.rows,
        )


def aligned(headers: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *body, strict=True)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *body)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def kinds(counter: Counter[str]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counter.most_common()) or "-"


def differences(run: ImportRun, clean: ImportRun, skip: Collection[int] = ()) -> int:
    """Lines whose outcome or records differ from the clean run's (lines in ``skip`` aside);
    without ``skip``, also lines done twice and a different org."""
    mine = named_outcomes(run.finals, run.snapshot.names)
    theirs = named_outcomes(clean.finals, clean.snapshot.names)
    lines = {
        line
        for line in mine.keys() | theirs.keys()
        if line not in skip and mine.get(line) != theirs.get(line)
    }
    if skip:
        return len(lines)
    twice = len(final_lines(run.rows)) - len(set(final_lines(run.rows)))
    return len(lines) + twice + (run.snapshot.comparable() != clean.snapshot.comparable())


# -- the parts ------------------------------------------------------------------------------


def transient(
    inputs: Inputs, work: Path, totals: Totals, *, seeds: int, light_seeds: int, rate: float
) -> None:
    clean = import_until_done(inputs, work, api="rest")
    rows = []
    # REST in chunks of 50 makes ~90 calls per 1,000 rows; REST in the default chunks of 2,000
    # and Bulk make ~20 calls whatever the size, so they get more seeds to meet as many faults.
    plan = [
        ("rest", CHUNK_SIZE, seeds),
        ("rest", 2_000, light_seeds),
        ("bulk", CHUNK_SIZE, light_seeds),
    ]
    for api, chunk, count in plan:
        for seed in range(1, count + 1):
            run = import_until_done(inputs, work, api=api, rate=rate, seed=seed, chunk_size=chunk)
            mismatches = differences(run, clean)
            faults = sum(run.faults.values())
            rows.append(
                (
                    api,
                    f"{chunk:,}",
                    str(seed),
                    f"{run.org_calls:,}",
                    str(faults),
                    kinds(run.faults),
                    str(run.retries),
                    str(run.renewals),
                    str(len(run.stops)),
                    str(run.verdict.duplicates),
                    str(run.verdict.lost),
                    str(mismatches),
                    f"{run.seconds:,.1f}",
                )
            )
            totals.add(
                f"transient {api} chunk {chunk} seed {seed}",
                inputs.records,
                f"{faults} at {rate:.0%}",
                run.org_calls,
                run.verdict,
                run.seconds,
                mismatches=mismatches,
            )
    print(
        f"\n## 1. transient faults at {rate:.0%} of calls: {inputs.records:,} applications "
        f"({clean.org_calls:,} calls without faults at chunk {CHUNK_SIZE})\n"
    )
    print(
        aligned(
            (
                "api",
                "chunk",
                "seed",
                "API calls",
                "faults",
                "by kind",
                "reads retried",
                "sessions renewed",
                "stops",
                "duplicates",
                "lost",
                "differences",
                "wall s",
            ),
            rows,
        )
    )


def kills(inputs: Inputs, work: Path, totals: Totals, *, count: int, latency: float) -> None:
    org_path = work / "kill-org"
    seeded_org(inputs, org_path)
    campaign = run_kill_campaign(inputs, org_path, work, kills=count, latency=latency, seed=3)
    rows = [
        (
            str(k.round),
            f"{k.after_calls} of {k.run_calls}",
            f"{k.offset * 1000:.0f}",
            str(k.redrawn),
            f"{k.applicants_before:,} -> {k.applicants_after:,}",
            f"{k.final_before:,} -> {k.final_after:,}",
            f"{k.unrecorded:,}",
            "yes" if k.torn else "no",
            str(k.returncode),
        )
        for k in campaign.kills
    ]
    print(
        f"\n## 2. kill -9 at {count} random points, rerun each time: {inputs.records:,} "
        f"applications, {latency * 1000:.0f} ms per call\n"
    )
    print(
        aligned(
            (
                "kill",
                "after call",
                "+ms",
                "redrawn",
                "applications in org",
                "lines done",
                "in org, not in results",
                "torn last line",
                "exit",
            ),
            rows,
        )
    )
    twice = len(final_lines(campaign.rows)) - len(set(final_lines(campaign.rows)))
    print(
        f"\nfinal run: exit {campaign.final_returncode}, outcomes "
        f"{campaign.final_summary.get('outcomes')}, lines done twice {twice}"
    )
    totals.add(
        "kills",
        inputs.records,
        f"{len(campaign.kills)} kills",
        campaign.api_calls,
        campaign.verdict,
        campaign.seconds,
        mismatches=twice,
    )


def limit(inputs: Inputs, work: Path, totals: Totals) -> None:
    print(f"\n## 3. daily API limit: {inputs.records:,} applications\n")
    rows = []
    for api, budget in (("rest", 40), ("bulk", 20)):
        campaign = run_limit_campaign(inputs, work, api=api, max_budget=budget, seed=2)
        twice = len(final_lines(campaign.rows)) - len(set(final_lines(campaign.rows)))
        calls = sum(day.api_calls for day in campaign.days)
        rows.append(
            (
                api,
                f"1-{budget}",
                str(len(campaign.days)),
                str(campaign.stops),
                f"{calls:,}",
                str(campaign.verdict.duplicates),
                str(campaign.verdict.lost),
                str(twice),
                f"{campaign.seconds:,.1f}",
            )
        )
        totals.add(
            f"limit {api}",
            inputs.records,
            f"{campaign.stops} stops",
            calls,
            campaign.verdict,
            campaign.seconds,
            mismatches=twice,
        )
    print(
        aligned(
            (
                "api",
                "calls per day",
                "days",
                "stops",
                "API calls",
                "duplicates",
                "lost",
                "lines done twice",
                "wall s",
            ),
            rows,
        )
    )


def permanent(inputs: Inputs, work: Path, totals: Totals) -> None:
    clean = import_until_done(inputs, work, api="rest")
    victims = pick_victims(inputs)
    expected = expected_refusals(inputs, victims)
    rows = []
    for api in ("rest", "bulk"):
        run = import_with_refusals(inputs, work, api=api, victims=victims)
        wrong = sum(
            1
            for line, (outcome, code) in expected.items()
            if (run.finals[line]["outcome"], run.finals[line]["error_code"]) != (outcome, code)
        )
        others = differences(run, clean, skip=set(expected))
        outcomes = Counter(row["outcome"] for row in run.finals.values())
        rows.append(
            (
                api,
                str(sum(1 for o, _ in expected.values() if o == "failed")),
                str(sum(1 for o, _ in expected.values() if o == "blocked")),
                str(wrong),
                f"{len(run.finals) - len(expected):,}",
                str(others),
                kinds(outcomes),
                f"{run.seconds:,.1f}",
            )
        )
        verdict = Verdict(
            duplicate_contacts=run.verdict.duplicate_contacts,
            duplicate_applicants=run.verdict.duplicate_applicants,
            stray=run.verdict.stray,
        )
        totals.add(
            f"permanent {api}",
            inputs.records,
            f"{len(victims.emails)} Contacts, {len(victims.pairs)} applications refused",
            run.org_calls,
            verdict,
            run.seconds,
            mismatches=wrong + others,
        )
    print(f"\n## 4. permanent refusals: {inputs.records:,} applications\n")
    print(
        aligned(
            (
                "api",
                "rows failed (expected)",
                "rows blocked (expected)",
                "touched rows wrong",
                "other rows",
                "other rows differing",
                "outcomes",
                "wall s",
            ),
            rows,
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (``argv``: its arguments); returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=5_000, help="applications in the file")
    parser.add_argument("--rate", type=float, default=0.10, help="share of calls failing")
    parser.add_argument(
        "--seeds",
        type=int,
        default=3,
        help="fault seeds for REST in chunks of 50 (~90 calls per 1,000 rows)",
    )
    parser.add_argument(
        "--light-seeds",
        type=int,
        default=10,
        help="fault seeds for REST in chunks of 2,000 and for Bulk (~20 calls)",
    )
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds per call in the kill part"
    )
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated, of: {', '.join(PARTS)}"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the files here (default: a temporary folder, deleted)",
    )
    args = parser.parse_args(argv)
    chosen = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        parser.error(f"unknown part {unknown[0]!r}; choose from {', '.join(PARTS)}")
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return campaign(args, chosen, args.workdir)
    with tempfile.TemporaryDirectory(prefix="fault-campaign-") as work:
        return campaign(args, chosen, Path(work))


def campaign(args: argparse.Namespace, chosen: Sequence[str], work: Path) -> int:
    """Run the ``chosen`` parts in ``work``; 0 when nothing was lost or written twice."""
    os.environ["ASYMBL_SF_STATE_DIR"] = str(work / "state")  # ledgers stay in the work folder
    inputs = make_inputs(work, args.size, seed=5)
    print(
        f"# fault campaign: {args.size:,} applications ({len(inputs.pairs):,} applications "
        f"of {len(inputs.emails):,} candidates, {inputs.existing:,} already in the org, "
        f"{len(inputs.invalid_lines)} invalid); work folder {work}"
    )
    totals = Totals()
    started = time.monotonic()
    runs: dict[str, Callable[[], Any]] = {
        "transient": lambda: transient(
            inputs, work, totals, seeds=args.seeds, light_seeds=args.light_seeds, rate=args.rate
        ),
        "kills": lambda: kills(inputs, work, totals, count=args.kills, latency=args.latency),
        "limit": lambda: limit(inputs, work, totals),
        "permanent": lambda: permanent(inputs, work, totals),
    }
    for part in chosen:
        runs[part]()
    print(f"\n## all parts ({time.monotonic() - started:,.0f} s)\n")
    print(totals.table())
    print(
        "\nnothing lost, nothing twice"
        if totals.bad == 0
        else f"\nFOUND {totals.bad} PROBLEM(S): see the tables above"
    )
    return 0 if totals.bad == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
