"""``benchmarks/fault_campaign.py`` at a small size: every part runs and prints its figures,
and the verdict line is the one docs/reliability.md quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import fault_campaign


@pytest.mark.slow
def test_the_campaign_prints_every_part_and_finds_nothing_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = fault_campaign.main(
        [
            "--size",
            "300",
            "--seeds",
            "1",
            "--light-seeds",
            "1",
            "--kills",
            "2",
            "--workdir",
            str(tmp_path / "work"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    for heading in (
        "## 1. transient faults at 10% of calls: 300 applications",
        "## 2. kill -9 at 2 random points",
        "## 3. daily API limit",
        "## 4. permanent refusals",
        "## all parts",
    ):
        assert heading in out
    assert out.rstrip().endswith("nothing lost, nothing twice")
    assert "FOUND" not in out


def test_an_unknown_part_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        fault_campaign.main(["--parts", "transient,chaos"])
    assert exited.value.code == 2
    assert "unknown part 'chaos'; choose from transient, kills, limit, permanent" in (
        capsys.readouterr().err
    )
