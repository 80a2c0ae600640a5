"""Part 4: a record the org refuses for good fails its own row, blocks the rows that need it,
and never holds up an unrelated record; through REST and through Bulk API 2.0."""

from __future__ import annotations

import pytest

from tests.reliability.permanent import (
    PICKLIST,
    PICKLIST_MESSAGE,
    VALIDATION_MESSAGE,
    expected_refusals,
    import_with_refusals,
    pick_victims,
)
from tests.reliability.scenario import Inputs, campaign_size, make_inputs
from tests.reliability.snapshot import named_outcomes
from tests.reliability.transient import ImportRun, import_until_done


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return make_inputs(tmp_path_factory.mktemp("permanent"), campaign_size(1500), seed=31)


@pytest.fixture(scope="module")
def clean(inputs: Inputs) -> ImportRun:
    return import_until_done(inputs, inputs.path.parent, api="rest")


@pytest.mark.parametrize("api", ["rest", "bulk"])
def test_refused_records_fail_alone_and_block_only_their_dependants(
    inputs: Inputs, clean: ImportRun, api: str
) -> None:
    victims = pick_victims(inputs)
    expected = expected_refusals(inputs, victims)
    assert {outcome for outcome, _ in expected.values()} == {"failed", "blocked"}

    run = import_with_refusals(inputs, inputs.path.parent, api=api, victims=victims)

    touched = {
        line: (run.finals[line]["outcome"], run.finals[line]["error_code"]) for line in expected
    }
    assert touched == expected
    for line, (outcome, code) in expected.items():
        row = run.finals[line]
        message, field = (
            (PICKLIST_MESSAGE, "Contact.LeadSource")
            if code == PICKLIST
            else (VALIDATION_MESSAGE, None)
        )
        if outcome == "failed":
            assert (row["message"], row["field"]) == (message, field)
        else:  # names the line whose record failed, and why
            assert row["message"].startswith("not attempted: the ")
            assert message in row["message"]
    # Every other line ends exactly as without the refusals, naming the same records.
    mine = named_outcomes(run.finals, run.snapshot.names)
    theirs = named_outcomes(clean.finals, clean.snapshot.names)
    assert {line: mine[line] for line in mine if line not in expected} == {
        line: theirs[line] for line in theirs if line not in expected
    }
    # The refused records are not in the org; their candidates' other applications are.
    assert not victims.emails & set(run.snapshot.contacts)
    assert not victims.pairs & set(run.snapshot.applicants)
    assert {email for email, _ in victims.pairs} <= set(run.snapshot.contacts)
    assert not run.verdict.duplicates and not run.verdict.stray
