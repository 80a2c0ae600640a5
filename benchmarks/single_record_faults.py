"""Single-record writes under injected faults: is anything lost or written twice?

Runs ``create_application`` (each with a CV attachment) for N distinct candidates against an
in-memory local org that fails a share of its Composite calls with every transient fault it
knows (500, 503, dropped connection, lost answer, expired session, row lock), seeded so a run can
be repeated exactly. Then, as an admin would, it sends the applications that ended in an error
once more with the faults off, and counts what the org holds.

    .venv/bin/python benchmarks/single_record_faults.py [--count 500] [--rate 0.1] [--seed 7]

Prints the figures quoted in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from asymbl_sf import Asymbl
from asymbl_sf.connect import connect_local
from asymbl_sf.errors import AsymblError, TransientError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.faults import TRANSIENT_KINDS
from asymbl_sf.salesforce.retry import RetryPolicy
from asymbl_sf.writes.lost import LOST_ANSWER_WARNING

APPLICANT = "bpats__ATS_Applicant__c"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kombo_application.json"


def payload(base: dict[str, Any], number: int) -> dict[str, Any]:
    body = copy.deepcopy(base)
    body["candidate"]["email_address"] = f"candidate{number}@bench.example.org"
    body["candidate"]["last_name"] = f"Bench{number}"
    body["attachments"][0]["data"] = base64.b64encode(f"CV of candidate {number}".encode()).decode()
    return body


def run_one(client: Asymbl, body: dict[str, Any], tally: Counter[str]) -> bool:
    try:
        result = client.create_application(body, job_id="remote:Registered Nurse")
    except TransientError as exc:
        tally["error: outcome unknown" if exc.maybe_applied else "error: transient"] += 1
        return False
    except AsymblError as exc:
        tally[f"error: {type(exc).__name__}"] += 1
        return False
    messages = [w["message"] for w in result.get("warnings", [])]
    if LOST_ANSWER_WARNING in messages:
        tally["ok, found after a lost answer"] += 1
    elif result["actions"]["application"]["action"] == "exists":
        tally["ok, already there"] += 1
    else:
        tally["ok, written"] += 1
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument(
        "--rate", type=float, default=0.10, help="share of Composite calls that fail (default 0.10)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    # A client made like connect(org="local") makes one: it renews an expired session once.
    client = connect_local(None, retry=RetryPolicy(sleep=lambda seconds: None))
    org: LocalOrg = client.local_org  # type: ignore[attr-defined]
    org.faults.at_rate(args.rate, TRANSIENT_KINDS, seed=args.seed, path="/composite$")
    base = json.loads(EXAMPLE.read_text())

    first_pass: Counter[str] = Counter()
    started = time.perf_counter()
    failed = [n for n in range(args.count) if not run_one(client, payload(base, n), first_pass)]
    elapsed = time.perf_counter() - started
    usage = client.usage
    calls_first_pass, retries, renewals = usage.calls, usage.retries, usage.renewals
    org_counted = org.calls.total  # every call the org saw, failed ones included

    org.faults.clear()
    second_pass: Counter[str] = Counter()
    for number in failed:
        run_one(client, payload(base, number), second_pass)

    contacts = org.records("Contact")
    emails = Counter(c["Email"] for c in contacts)
    applicants = org.records(APPLICANT)
    per_contact = Counter(a["bpats__ATS_Applicant__c"] for a in applicants)
    files = org.count("ContentVersion")

    print(
        f"{args.count} applications, {args.rate:.0%} of Composite calls failing "
        f"(kinds: {', '.join(TRANSIENT_KINDS)}; seed {args.seed})"
    )
    print(f"first pass ({elapsed:.1f} s):")
    for outcome, number in sorted(first_pass.items()):
        print(f"  {outcome:32} {number:6}")
    print(
        f"  API calls {calls_first_pass} ({calls_first_pass / args.count:.2f} per application; "
        f"the org counted {org_counted}); reads retried {retries}; sessions renewed {renewals}"
    )
    print(f"second pass, the {len(failed)} failed ones sent again without faults:")
    for outcome, number in sorted(second_pass.items()):
        print(f"  {outcome:32} {number:6}")
    print("in the org:")
    print(
        f"  Contacts {len(contacts)} (emails seen twice: "
        f"{sum(1 for n in emails.values() if n > 1)})"
    )
    print(
        f"  applicants {len(applicants)} (Contacts with two: "
        f"{sum(1 for n in per_contact.values() if n > 1)})"
    )
    print(f"  files {files}")
    lost = args.count - len(emails)
    print(
        f"  lost: {lost}; written twice: {len(contacts) - len(emails)} Contacts, "
        f"{len(applicants) - len(per_contact)} applicants, {files - len(per_contact)} files"
    )


if __name__ == "__main__":
    main()
