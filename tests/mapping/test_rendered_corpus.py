"""Speed work changes how records are rendered, never which: the benchmark's own set (the
seeded synthetic records of ``benchmarks/transform_bench.py``, every dialect and kind, with
attachments) is parsed and rendered with a fixed clock and compared, record by record and field
by field, with the output the project gave before the speed work (``corpus.jsonl.gz``).

Regenerate only for an intended change of output, and say why in the commit:
``python tests/mapping/test_rendered_corpus.py``."""

from __future__ import annotations

import base64
import gzip
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script to regenerate
    sys.path.insert(0, str(ROOT))

from asymbl_sf.errors import PayloadError  # noqa: E402
from asymbl_sf.mapping import load_mapping, render  # noqa: E402
from asymbl_sf.models import parse_application  # noqa: E402
from asymbl_sf.schema import OrgSchema  # noqa: E402
from benchmarks.synthetic import SEEDED_JOBS, generate  # noqa: E402

GOLDEN = ROOT / "tests" / "fixtures" / "rendered" / "corpus.jsonl.gz"
RECORDS = 3_000
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    return value


def rendered() -> Iterator[dict[str, Any]]:
    """Each record of the set as the project renders it (or the problems it refuses it for)."""
    mapping, schema = load_mapping(), OrgSchema.packaged()
    for record in generate(RECORDS, seed=1, existing_contacts=RECORDS // 10):
        payload = record.payload
        try:
            application = parse_application(payload, job_id=SEEDED_JOBS[0])
        except PayloadError as exc:
            yield {"index": record.index, "refused": [str(p) for p in exc.problems]}
            continue
        plan = render(application, mapping, schema, now=NOW)
        yield {
            "index": record.index,
            "records": [
                {
                    "sobject": r.sobject,
                    "key": r.key,
                    "fields": {k: _plain(v) for k, v in r.fields.items()},
                    "refs": r.refs,
                    "record_type": r.record_type,
                    "source_path": r.source_path,
                }
                for r in plan.records
            ],
            "problems": [str(p) for p in plan.problems],
            "warnings": list(plan.warnings),
        }


def test_the_benchmark_set_renders_exactly_as_before() -> None:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as handle:
        before = [json.loads(line) for line in handle]
    now = [json.loads(json.dumps(row, default=str)) for row in rendered()]
    assert len(now) == len(before) == RECORDS
    for old, new in zip(before, now, strict=True):
        assert new == old, f"record {old['index']} renders differently"


if __name__ == "__main__":
    with gzip.open(GOLDEN, "wt", encoding="utf-8") as out:
        for row in rendered():
            out.write(json.dumps(row, default=str, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
