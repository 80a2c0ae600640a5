"""Transform and validate throughput on one core, with no org: records per second.

Three pipelines over the same seeded synthetic records (generated before the clock starts):

- ``parse + render``: :func:`asymbl_sf.models.parse_application` (dialect detected per record,
  payload limits checked, validated) then :func:`asymbl_sf.mapping.render` with the default
  mapping against the packaged describes, problems collected;
- ``import planner``: the import's own per-record step (``importing.engine.plan_record``):
  the same, plus the import's checks (match value, references, unmapped passthrough keys);
- ``JSONL line → plan``: the planner fed by the import's JSON Lines reader from bytes in
  memory, so JSON decoding and the reader's checks are counted too: everything the import
  does per record before it talks to the org.

And, side by side in one process, the project against a careful hand-written script
(``benchmarks/handwritten.py``) on the Kombo records of the same set: interleaved rounds (project,
script, project, ...), the fastest round of each counts, and the ratio of the two is the figure
the speed issue sets at 5 or less. Before timing, every record is run through both and the
records they write are compared field by field (the run stops if one differs).

Run: ``python benchmarks/transform_bench.py --records 20000`` (``--profile 25`` adds the 25
costliest functions of the first pipeline, by own time, from ``cProfile``).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asymbl_sf.errors import PayloadError
from asymbl_sf.importing.engine import plan_record
from asymbl_sf.importing.sources import SourceRecord, read_records
from asymbl_sf.mapping import Mapping, load_mapping, render
from asymbl_sf.models import kombo, parse_application
from asymbl_sf.models.limits import check_value
from asymbl_sf.models.parse import detect_dialect
from asymbl_sf.models.plain_data import plain_validator
from asymbl_sf.schema import OrgSchema
from asymbl_sf.writes.plan import PlannedRow, Planner
from benchmarks.handwritten import Handwritten, Refused
from benchmarks.measure import Measurement, details, throughput_table
from benchmarks.synthetic import SEEDED_JOBS, Synthetic, generate

#: Passes per pipeline; the one with the least CPU time counts (the one least disturbed by other
#: processes on a shared machine). Rates are per second of CPU time: what one core does.
DEFAULT_REPEAT = 3


def _parse_and_render(
    records: Sequence[Synthetic], mapping: Mapping, schema: OrgSchema, job_id: str
) -> int:
    """Parse and render every record; returns how many came out without a problem."""
    good = 0
    for record in records:
        payload = record.payload
        try:
            application = parse_application(payload, job_id=None if _names_job(payload) else job_id)
        except PayloadError:
            continue
        plan = render(application, mapping, schema)
        good += not plan.problems
    return good


def _names_job(payload: dict[str, object]) -> bool:
    # As the import does (its --job-id is a default for records whose body names no job).
    model, application = payload.get("model"), payload.get("application")
    return bool(
        (isinstance(model, dict) and model.get("job"))
        or (isinstance(application, dict) and application.get("job_id"))
    )


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """CPU and wall seconds of ``fn()``."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The pass with the least CPU time, of ``repeat``."""
    return min(_timed(fn) for _ in range(max(1, repeat)))


def measure(
    records: int, *, seed: int = 1, repeat: int = DEFAULT_REPEAT, profile: int = 0
) -> list[Measurement]:
    """The three pipelines' throughput on ``records`` synthetic records (best of ``repeat``)."""
    sample = list(generate(records, seed=seed, existing_contacts=max(1, records // 10)))
    mapping = load_mapping()
    schema = OrgSchema.packaged()
    job_id = SEEDED_JOBS[0]
    planner = Planner(mapping, schema, require_match=True)
    lines = b"".join(json.dumps(r.payload).encode() + b"\n" for r in sample)

    # One untimed pass first: compiles the mapping's plan and fills every cache, as the first
    # records of a real import do.
    good = _parse_and_render(sample[: min(len(sample), 200)], mapping, schema, job_id)
    # The whole sample sits in memory, which an import (streaming) never has: keep the garbage
    # collector from walking it again and again, which would be measuring the benchmark.
    gc.collect()
    gc.freeze()

    def parse_render() -> None:
        nonlocal good
        good = _parse_and_render(sample, mapping, schema, job_id)

    planned = 0
    sources = _sources(sample)

    def plan_only() -> None:
        nonlocal planned
        planned = sum(
            isinstance(plan_record(planner, s, job_id=job_id), PlannedRow) for s in sources
        )

    read = 0

    def from_jsonl() -> None:
        nonlocal read
        read = sum(
            isinstance(plan_record(planner, s, job_id=job_id), PlannedRow)
            for s in read_records(io.BytesIO(lines), format="jsonl")
        )

    out = []
    for label, fn, ok in (
        ("parse + render", parse_render, lambda: good),
        ("import planner", plan_only, lambda: planned),
        ("JSONL line -> plan", from_jsonl, lambda: read),
    ):
        cpu, wall = _best(fn, repeat)
        m = Measurement(
            label=label,
            records=records,
            wall_seconds=wall,
            cpu_seconds=cpu,
            rate=records / cpu if cpu else None,
        )
        m.outcomes = {"valid": ok(), "invalid": records - ok()}
        out.append(m)
    gc.unfreeze()
    if profile:
        out[0].notes.append(
            _profile(lambda: _parse_and_render(sample, mapping, schema, job_id), profile)
        )
    return out


def against_handwritten(
    records: int, *, seed: int = 1, rounds: int = 7
) -> tuple[float, float, int, int]:
    """Per-record CPU microseconds of the project (parse + validate + render) and of the
    hand-written script on the Kombo records of the set, best of ``rounds`` interleaved rounds;
    also how many records both accept and how many both refuse. Raises when they disagree."""
    sample = generate(records, seed=seed, existing_contacts=max(1, records // 10))
    kombo = [r.payload for r in sample if r.dialect == "kombo"]
    mapping = load_mapping()
    schema = OrgSchema.packaged()
    script = Handwritten(
        schema.get("bpats__ATS_Applicant__c").field("bpats__Source__c").active_picklist_values,
        date.today(),
    )

    def project(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        try:
            plan = render(parse_application(payload), mapping, schema)
        except PayloadError:
            return None
        if plan.problems:
            return None
        by_object = {record.sobject: record.fields for record in plan.records}
        return by_object["Contact"], by_object["bpats__ATS_Applicant__c"]

    def handwritten(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        try:
            return script.records(payload)
        except Refused:
            return None

    accepted = refused = 0
    for payload in kombo:
        ours, theirs = project(payload), handwritten(payload)
        if ours != theirs:
            raise SystemExit(f"the hand-written script disagrees on {payload}: {ours} != {theirs}")
        accepted += ours is not None
        refused += ours is None

    def run(fn: Callable[[dict[str, Any]], object]) -> float:
        start = time.process_time()
        for payload in kombo:
            fn(payload)
        return time.process_time() - start

    gc.collect()
    gc.freeze()
    ours_best = theirs_best = float("inf")
    for _ in range(max(1, rounds)):
        ours_best = min(ours_best, run(project))
        theirs_best = min(theirs_best, run(handwritten))
    gc.unfreeze()
    per = 1e6 / len(kombo)
    return ours_best * per, theirs_best * per, accepted, refused


def stages(records: int, *, seed: int = 1, rounds: int = 7) -> list[tuple[str, float]]:
    """Where a Kombo record's time goes: CPU microseconds per accepted Kombo record of the set
    for each step of parse + render on its own (best of ``rounds``), in pipeline order. The
    steps are the parser's own functions, called one at a time on the outputs of the step
    before; "the rest of parsing" is the whole parse less the steps named before it (the job
    reference, the cross-key checks, the entry point)."""
    sample = generate(records, seed=seed, existing_contacts=max(1, records // 10))
    mapping, schema = load_mapping(), OrgSchema.packaged()
    payloads: list[dict[str, Any]] = []
    validators, jobs, applications = [], [], []
    for record in sample:
        if record.dialect != "kombo":
            continue
        try:
            application = parse_application(record.payload)
        except PayloadError:
            continue
        # The create-candidate shape carries its job in ``application``: as the parser decides.
        wrapped = "application" in record.payload
        model = kombo.KomboCreateCandidate if wrapped else kombo.KomboCreateApplication
        payloads.append(record.payload)
        validators.append(plain_validator(model))
        jobs.append(application.job)
        applications.append(application)
    validated = [v.validate_python(p) for v, p in zip(validators, payloads, strict=True)]

    def best(step: Callable[[int], object]) -> float:
        fastest = float("inf")
        for _ in range(max(1, rounds)):
            start = time.process_time()
            for i in range(len(payloads)):
                step(i)
            fastest = min(fastest, time.process_time() - start)
        return fastest * 1e6 / len(payloads)

    gc.collect()
    gc.freeze()
    limits = best(lambda i: check_value(payloads[i]))
    detect = best(lambda i: detect_dialect(payloads[i]))
    validate = best(lambda i: validators[i].validate_python(payloads[i]))
    build = best(lambda i: kombo.to_canonical(validated[i], jobs[i]))
    parse = best(lambda i: parse_application(payloads[i]))
    rendering = best(lambda i: render(applications[i], mapping, schema))
    gc.unfreeze()
    return [
        ("payload limits (models/limits.py)", limits),
        ("dialect detection", detect),
        ("validating the Kombo body (pydantic-core, into dicts)", validate),
        ("building the canonical models (no validation)", build),
        ("the rest of parsing", parse - limits - detect - validate - build),
        ("render with the default mapping", rendering),
    ]


def _sources(sample: Sequence[Synthetic]) -> list[SourceRecord]:
    return [SourceRecord(i + 1, payload=r.payload) for i, r in enumerate(sample)]


def _profile(fn: Callable[[], object], top: int) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    return "profile (cProfile, by own time; cProfile itself slows every call):\n" + text.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help="passes per pipeline; the fastest counts (default %(default)s)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print the N costliest functions of parse + render",
    )
    args = parser.parse_args(argv)
    if args.records < 1:
        parser.error("--records must be at least 1")
    rows = measure(args.records, seed=args.seed, repeat=args.repeat, profile=args.profile)
    print(
        f"transform + validate throughput, one core, {args.records:,} records "
        f"(seed {args.seed}, best of {args.repeat})"
    )
    print(throughput_table(rows))
    print(details(rows))
    ours, theirs, accepted, refused = against_handwritten(args.records, seed=args.seed)
    print(
        f"\nKombo records against a careful hand-written script (benchmarks/handwritten.py), "
        f"same records written ({accepted:,} accepted and {refused:,} refused by both), "
        "best of 7 interleaved rounds, CPU per record:"
    )
    print(f"  project (parse + validate + render)  {ours:7.1f} µs")
    print(f"  hand-written script                  {theirs:7.1f} µs")
    print(f"  ratio                                {ours / theirs:7.1f}x   (target: 5x or less)")
    print("\nWhere a Kombo record's time goes, each step alone (CPU per record, best of 7):")
    steps = stages(args.records, seed=args.seed)
    total = sum(us for _, us in steps)
    for label, us in steps:
        print(f"  {label:<56} {us:5.1f} µs  {us / total:4.0%}")
    print(f"  {'sum':<56} {total:5.1f} µs  ({total / theirs:.1f}x the script)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
