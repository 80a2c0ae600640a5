"""The benchmarks, run with a few dozen records, so they keep working as the code changes.

Only behaviour is asserted (the table is printed, call counts follow the batching and per-record
math, the data is what the seed says); no time is asserted.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from asymbl_sf.importing.columns import load_column_map
from asymbl_sf.importing.sources import read_records
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import load_mapping
from benchmarks import import_bench, transform_bench
from benchmarks.measure import Measurement, details, run_isolated, table
from benchmarks.naive_baseline import run_naive
from benchmarks.synthetic import (
    EXISTING_DOMAIN,
    SEEDED_JOBS,
    Mix,
    existing_email,
    generate,
    seed_contacts,
    write,
    write_column_map,
)


def test_the_generator_is_seeded_and_makes_every_kind_of_record() -> None:
    first = list(generate(400, seed=3, existing_contacts=50))
    again = list(generate(400, seed=3, existing_contacts=50))
    other = list(generate(400, seed=4, existing_contacts=50))
    assert [r.payload for r in first] == [r.payload for r in again]
    assert [r.payload for r in first] != [r.payload for r in other]
    kinds = Counter(r.kind for r in first)
    assert {"new", "repeat", "existing"} <= set(kinds)
    assert kinds["new"] > 300
    assert {r.dialect for r in first} == {"kombo", "merge", "truto"}
    # A repeat reuses the email of an earlier record; an existing one, a seeded Contact's.
    keys = [r.email_key for r in first]
    for i, r in enumerate(first):
        if r.kind == "repeat":
            assert r.email_key in keys[:i]
        if r.kind == "existing":
            assert r.email_key is not None and r.email_key.endswith("@" + EXISTING_DOMAIN)


def test_invalid_records_come_in_three_kinds() -> None:
    records = list(generate(300, seed=1, mix=Mix(invalid=0.3)))
    kinds = Counter(r.kind for r in records)
    assert kinds["bad_email"] and kinds["no_last_name"] and kinds["unknown_stage"]
    stage = next(r for r in records if r.kind == "unknown_stage")
    assert stage.payload["application"]["stage_id"] == "No Such Stage"
    nameless = next(r for r in records if r.kind == "no_last_name")
    assert nameless.person["last_name"] == ""


def test_seeded_contacts_are_in_the_org_without_any_api_call() -> None:
    org = LocalOrg()
    seed_contacts(org, 25)
    emails = {c["Email"] for c in org.records("Contact")}
    assert {existing_email(n) for n in range(25)} <= emails
    assert org.calls.total == 0


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_every_file_format_reads_back_through_the_import_reader(tmp_path: Path, fmt: str) -> None:
    records = list(generate(30, seed=2, existing_contacts=5))
    path = tmp_path / f"in.{fmt}"
    assert write(iter(records), path, fmt) == 30  # type: ignore[arg-type]
    column_map = None
    if fmt == "csv":
        write_column_map(tmp_path / "columns.yaml")
        column_map = load_column_map(tmp_path / "columns.yaml")
    read = list(read_records(path, format=fmt, column_map=column_map))  # type: ignore[arg-type]
    assert len(read) == 30
    assert all(r.problem is None for r in read)
    if fmt == "csv":
        assert [r.payload["candidate"]["email_address"] for r in read] == [  # type: ignore[index]
            r.person["email"] for r in records
        ]
        assert {r.job_id for r in read} <= set(SEEDED_JOBS)
    else:
        assert [r.payload for r in read] == [r.payload for r in records]


def test_the_naive_loop_spends_a_query_and_one_or_two_creates_per_record(tmp_path: Path) -> None:
    records = list(generate(30, seed=5, existing_contacts=10, mix=Mix(invalid=0.0)))
    path = tmp_path / "in.jsonl"
    write(iter(records), path, "jsonl")
    with LocalOrg() as org:
        seed_contacts(org, 10)
        result = run_naive(
            org.salesforce(), read_records(path), load_mapping(), job_id=SEEDED_JOBS[0]
        )
        assert result.records == 30
        assert result.contacts_created + result.contacts_reused == 30
        assert org.count("bpats__ATS_Applicant__c") == result.applications_created
        distinct_jobs = len({r.job for r in records})
        # Per record: one query, a Contact create when new, an applicant create (refused for a
        # second application to the same job). Per job: one job query, one stages query.
        assert org.calls["GET query"] == 30 + 2 * distinct_jobs
        assert org.calls["POST sobject"] == result.contacts_created + 30


def _run_bench(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    out = tmp_path / "figures.json"
    assert (
        import_bench.main([*args, "--in-process", "--workdir", str(tmp_path), "--json", str(out)])
        == 0
    )
    return capsys.readouterr().out, json.loads(out.read_text())


def test_import_bench_prints_the_table_and_batches_where_the_loop_does_not(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    printed, figures = _run_bench(capsys, tmp_path, "--records", "40", "--api", "rest")
    assert "calls/record" in printed and "ratio (naive loop / import (rest))" in printed
    ours, naive = figures["runs"]
    assert ours["label"] == "import (rest)" and naive["label"] == "naive loop"
    assert naive["records"] == 40 and naive["scaled_from"] is None
    # 40 rows fit in one chunk: a handful of calls, against 2-3 per record for the loop.
    assert 0 < ours["api_calls"] <= 10
    assert naive["api_calls"] >= 2 * 36
    assert sum(ours["outcomes"].values()) == 40
    assert ours["calls_by_endpoint"] and ours["rss_growth"] is not None


def test_a_sampled_baseline_is_scaled_and_said_to_be(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    printed, figures = _run_bench(
        capsys,
        tmp_path,
        "--records",
        "40",
        "--api",
        "bulk",
        "--baseline-records",
        "10",
        "--format",
        "csv",
    )
    ours, naive = figures["runs"]
    assert "(csv)" in printed
    assert ours["notes"][0].startswith("path taken: bulk")
    assert "POST jobs/ingest" in ours["calls_by_endpoint"]
    assert naive["records"] == 40 and naive["scaled_from"] == 10
    assert "measured on the first 10 records" in printed and "40*" in printed


def test_a_dry_run_writes_nothing_and_traces_memory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    printed, figures = _run_bench(
        capsys,
        tmp_path,
        "--records",
        "30",
        "--dry-run",
        "--existing",
        "20",
        "--baseline-records",
        "0",
        "--trace-memory",
    )
    (ours,) = figures["runs"]
    assert ours["label"] == "import (dry run)"
    assert not any(
        k.startswith(("POST sobject", "POST jobs/ingest")) for k in ours["calls_by_endpoint"]
    )
    assert ours["traced_peak"] and ours["traced_peak"] > 0
    assert "traced peak from a second, identical run" in printed


def test_a_scenario_runs_in_a_fresh_process(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    write(generate(12, seed=1, existing_contacts=2), path, "jsonl")
    scenario = import_bench.Scenario(
        input=str(path),
        format="jsonl",
        records=12,
        existing=2,
        seed=1,
        latency=0.0,
        api="rest",
        dry_run=False,
        job_id=SEEDED_JOBS[0],
        max_concurrency=2,
        results=str(tmp_path / "results.jsonl"),
    )
    m = run_isolated(import_bench.import_run, scenario)
    assert m.records == 12 and m.api_calls > 0 and m.max_rss


def test_transform_bench_prints_records_per_second(capsys: pytest.CaptureFixture[str]) -> None:
    assert transform_bench.main(["--records", "60", "--repeat", "1", "--profile", "5"]) == 0
    printed = capsys.readouterr().out
    for label in ("parse + render", "import planner", "JSONL line -> plan"):
        assert label in printed
    assert "rec/s" in printed and "profile (cProfile" in printed
    rows = transform_bench.measure(60, repeat=1)
    assert all(m.rate and m.rate > 0 for m in rows)
    # Every pipeline accepts and refuses the same records.
    assert len({tuple(m.outcomes.items()) for m in rows}) == 1
    assert "hand-written script" in printed and "ratio" in printed


def test_the_hand_written_script_writes_what_the_project_renders() -> None:
    # against_handwritten stops (SystemExit) on the first record the two write differently.
    ours, theirs, accepted, refused = transform_bench.against_handwritten(2_000, rounds=1)
    assert accepted > 1_500 and refused > 0  # invalid records refused by both, not skipped
    assert ours > 0 and theirs > 0


def test_scaling_a_sample_and_printing_it() -> None:
    sample = Measurement(
        "naive loop",
        records=10,
        api_calls=27,
        calls_by_endpoint={"GET query": 12, "POST sobject": 15},
        wall_seconds=2.0,
        outcomes={"failed": 1},
    )
    whole = sample.scaled(1000)
    assert (whole.api_calls, whole.wall_seconds, whole.scaled_from) == (2700, 200.0, 10)
    assert whole.calls_by_endpoint == {"GET query": 1200, "POST sobject": 1500}
    ours = Measurement("import (rest)", records=1000, api_calls=9, wall_seconds=4.0)
    text = table([ours, whole], ratio=(whole, ours))
    assert "300x" in text and "50.0x" in text and "1,000*" in text
    assert "scaled by 100.0" in details([whole])
