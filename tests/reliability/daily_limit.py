"""Part 3 of the campaign: the org's daily API limit stops the import, a later day resumes it.

Each "day" the org grants a seeded random number of calls (``daily_limit`` is set that far above
the usage so far); the call past it is refused with ``REQUEST_LIMIT_EXCEEDED``, as Salesforce
does. The import must stop cleanly (everything done recorded, the rest pending) and the same
import the next day must pick up where it stopped: nothing lost, nothing twice.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .scenario import Inputs, client_for, import_file, seeded_org
from .snapshot import OrgSnapshot, last_rows, result_rows
from .transient import CHUNK_SIZE
from .verdict import Verdict, judge

#: Days before the campaign gives up (budgets of a few calls make slow progress, not none).
MAX_DAYS = 200


@dataclass
class Day:
    """One run: the calls the org granted, and what the import said."""

    budget: int
    stopped_reason: str | None
    pending: int
    outcomes: dict[str, int]
    api_calls: int
    text: str


@dataclass
class LimitCampaign:
    api: str
    days: list[Day] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    finals: dict[int, dict[str, Any]] = field(default_factory=dict)
    snapshot: OrgSnapshot = field(default_factory=OrgSnapshot)
    verdict: Verdict = field(default_factory=Verdict)
    seconds: float = 0.0

    @property
    def stops(self) -> int:
        return sum(1 for day in self.days if day.stopped_reason is not None)


def run_limit_campaign(
    inputs: Inputs,
    folder: Path,
    *,
    api: str,
    max_budget: int,
    seed: int = 1,
    chunk_size: int = CHUNK_SIZE,
) -> LimitCampaign:
    """Import day after day, each day granting 1..``max_budget`` calls, until it completes."""
    rng = random.Random(seed)
    results = folder / f"results-limit-{api}-{seed}.jsonl"
    results.unlink(missing_ok=True)
    campaign = LimitCampaign(api)
    started = time.monotonic()
    with seeded_org(inputs) as org:
        for _ in range(MAX_DAYS):
            budget = rng.randint(1, max_budget)
            org.server.daily_limit = org.api_usage + budget
            # A new client each day, as a rerun of the command would make.
            summary = import_file(client_for(org), inputs, results, api=api, chunk_size=chunk_size)
            campaign.days.append(
                Day(
                    budget,
                    summary.stopped_reason,
                    summary.pending,
                    dict(summary.outcomes),
                    summary.api_calls,
                    summary.text(),
                )
            )
            if summary.stopped_reason is None:
                break
        campaign.seconds = time.monotonic() - started
        campaign.snapshot = OrgSnapshot.of(org)
    campaign.rows = result_rows(results)
    campaign.finals = last_rows(campaign.rows)
    campaign.verdict = judge(inputs, campaign.snapshot, campaign.finals)
    return campaign
