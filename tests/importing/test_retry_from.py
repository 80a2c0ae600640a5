"""--retry-from: only the failed and blocked rows of an earlier run go again."""

from __future__ import annotations

import json
from pathlib import Path

from asymbl_sf import Asymbl
from asymbl_sf.localorg import LocalOrg
from tests.importing.helpers import APPLICANT, all_rows, kombo, results, write_jsonl


def test_fixing_bad_rows_then_retry_from_completes_them(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    good, bad = kombo("a@example.com"), kombo("not-an-email", "Bad")
    blocked_parent = kombo("r@example.com", "Refused")
    blocked_child = kombo("r@example.com", "Child", job="remote:Senior Backend Engineer")
    org.faults.on_records(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION", lambda sobject, body: body.get("LastName") == "Refused"
    )
    path = write_jsonl(tmp_path / "in.jsonl", [good, bad, blocked_parent, blocked_child])
    first = client.import_records(path)
    assert first.outcomes == {"created": 1, "failed": 2, "blocked": 1}
    results_path = tmp_path / "in.jsonl.results.jsonl"

    org.faults.clear()
    blocked_parent["candidate"]["last_name"] = "Accepted"
    bad["candidate"]["email_address"] = "b@example.com"
    write_jsonl(path, [good, bad, blocked_parent, blocked_child])
    org.calls.reset()
    second = client.import_records(path, retry_from=results_path)

    assert second.skipped == 1 and second.outcomes == {"created": 2, "reused": 1}
    rows = results(results_path)
    assert {line: r["outcome"] for line, r in rows.items()} == {
        1: "created",
        2: "created",
        3: "created",
        4: "reused",
    }
    line_one = [r for r in all_rows(results_path) if r["line"] == 1]
    assert len(line_one) == 1  # a final row is never written twice
    assert org.count(APPLICANT) == 4


def test_retry_from_can_write_its_rows_elsewhere(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("a@example.com"), kombo("bad", "Bad")])
    client.import_records(path)
    write_jsonl(path, [kombo("a@example.com"), kombo("b@example.com")])
    out = tmp_path / "retry.jsonl"
    summary = client.import_records(
        path, retry_from=tmp_path / "in.jsonl.results.jsonl", results=out
    )
    assert summary.outcomes == {"created": 1} and summary.skipped == 1
    assert [json.loads(t)["line"] for t in out.read_text().splitlines()] == [2]


def test_rerun_without_retry_from_skips_finished_lines_and_retries_the_rest(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("a@example.com"), kombo("bad", "Bad")])
    client.import_records(path)
    org.calls.reset()
    again = client.import_records(path)
    assert again.skipped == 1 and again.outcomes == {"failed": 1}
    assert org.calls.total == 0  # nothing left to look up: the failing row fails offline


def test_rerunning_a_finished_import_spends_no_call(
    client: Asymbl, org: LocalOrg, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [kombo("a@example.com"), kombo("b@example.com")])
    client.import_records(path)
    org.calls.reset()
    fresh = Asymbl(org.salesforce())  # no describes cached
    summary = fresh.import_records(path)
    assert summary.skipped == 2 and summary.outcomes == {} and summary.ok
    assert org.calls.total == 0
