"""Part 1: an import under 10% random transient faults lands every record exactly once.

Row locks, 503s, 500s, dropped connections, lost answers and expired sessions hit a tenth of all
calls (seeded); the org and the results file must end exactly as after a run without faults.
``ASYMBL_SF_CAMPAIGN_SIZE=5000`` runs the documented size.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.scenario import TRANSIENT, Inputs, campaign_size, make_inputs
from tests.reliability.snapshot import final_lines, named_outcomes
from tests.reliability.transient import ImportRun, import_until_done

RATE = 0.10


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return make_inputs(tmp_path_factory.mktemp("transient"), campaign_size(1500), seed=5)


@pytest.fixture(scope="module")
def clean(inputs: Inputs) -> ImportRun:
    """The same import without faults: what every faulty run must end as."""
    run = import_until_done(inputs, inputs.path.parent, api="rest")
    assert run.verdict.clean, run.verdict.explain()
    assert sum(run.faults.values()) == 0
    return run


@pytest.mark.slow
@pytest.mark.parametrize(("api", "seed"), [("rest", 1), ("rest", 2), ("bulk", 3), ("bulk", 4)])
def test_ten_percent_transient_faults_change_nothing_in_the_end(
    inputs: Inputs, clean: ImportRun, api: str, seed: int
) -> None:
    run = import_until_done(inputs, inputs.path.parent, api=api, rate=RATE, seed=seed)

    assert sum(run.faults.values()) > 0, "the campaign injected no fault"
    assert run.verdict.clean, run.verdict.explain()
    # The org holds the same Contacts and applications, field for field, as without faults.
    assert run.snapshot.comparable() == clean.snapshot.comparable()
    # Every line has exactly one final result row, naming the clean run's records.
    assert final_lines(run.rows) == final_lines(clean.rows)
    assert named_outcomes(run.finals, run.snapshot.names) == named_outcomes(
        clean.finals, clean.snapshot.names
    )
    if not run.stops:  # a stop leaves rows to the rerun, which reuses what the first made
        assert sorted(row["line"] for row in run.rows) == list(range(1, inputs.records + 1))
        assert run.summary.outcomes == clean.summary.outcomes


@pytest.mark.parametrize(("api", "rate"), [("rest", 0.5), ("bulk", 0.5)])
def test_every_transient_kind_is_injected_and_survived(
    tmp_path: Path, api: str, rate: float
) -> None:
    """A short file at a 50% rate, where every kind of fault certainly happens (and a run may
    stop on two expired sessions in a row, then resume)."""
    small = make_inputs(tmp_path, 300, seed=8)
    run = import_until_done(small, tmp_path, api=api, rate=rate, seed=4, chunk_size=20)
    assert set(run.faults) == set(TRANSIENT)
    assert run.verdict.clean, run.verdict.explain()
    assert run.retries > 0 and run.renewals > 0
