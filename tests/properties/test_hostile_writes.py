"""No partial write: a mutated payload either succeeds (and what the result names exists) or
fails with an asymbl-sf error and leaves the org exactly as it was.

Driven through the client's write methods against one in-memory org per test, whose records
accumulate across examples (so later examples also meet existing Contacts and applicants).
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from asymbl_sf import Asymbl
from asymbl_sf.attachments.fetch import FetchPolicy
from asymbl_sf.errors import AsymblError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.faults import FAULT_KINDS
from asymbl_sf.salesforce.retry import RetryPolicy
from tests.properties.payloads import CASES
from tests.properties.strategies import mutated

APPLICANT = "bpats__ATS_Applicant__c"
COUNTED = ("Contact", APPLICANT, "ContentVersion", "ContentDocumentLink", "Task")


def _no_dns(host: str, port: int) -> list[str]:
    raise socket.gaierror(f"no DNS in tests ({host})")


@dataclass
class Org:
    """The org, a client for it, and records every write case can point at."""

    org: LocalOrg
    client: Asymbl
    job: str
    contact: str
    application: str

    def counts(self) -> dict[str, int]:
        return {sobject: self.org.count(sobject) for sobject in COUNTED}


@pytest.fixture(scope="module")
def env() -> Iterator[Org]:
    with LocalOrg() as org:
        client = Asymbl(
            org.salesforce(),
            fetch_policy=FetchPolicy(resolve=_no_dns),
            retry=RetryPolicy(sleep=lambda seconds: None),
        )
        job = sorted(org.records("bpats__Job__c"), key=lambda j: j["Name"])[0]["Id"]
        seeded = client.create_application(
            {
                "candidate": {
                    "first_name": "Seed",
                    "last_name": "Candidate",
                    "email_address": "seed.candidate@example.com",
                }
            },
            job_id=job,
        )
        yield Org(org, client, job, seeded["data"]["candidate_id"], seeded["data"]["id"])


def _body(dialect: str, kind: str, env: Org) -> dict[str, Any]:
    """The case's sample body, pointing at the org's own job, Contact and application."""
    body = copy.deepcopy(next(c.body for c in CASES if c.dialect == dialect and c.kind == kind))
    if dialect == "kombo" and kind in ("application", "candidate"):
        body.pop("stage_id", None)  # the sample's stage is a Kombo id; the first stage it is
        if kind == "candidate":
            body["application"] = {"job_id": env.job}
    if dialect == "merge" and kind == "application":
        body["model"].update(job=env.job, candidate=env.contact)
    if dialect in ("merge", "truto") and kind in ("attachment", "activity"):
        holder = body["model"] if dialect == "merge" else body
        holder["candidate" if dialect == "merge" else "candidate_id"] = env.contact
    if kind == "stage_move" and dialect == "truto":
        body["application_id"] = env.application
    return body


@dataclass(frozen=True)
class Write:
    """One client write method fed a body of one dialect and kind."""

    dialect: str
    kind: str
    call: Callable[[Asymbl, Org, Any], dict[str, Any]]  # (client, env, body) -> result

    def __repr__(self) -> str:
        return f"<{self.dialect} {self.kind}>"


Call = Callable[[Asymbl, Org, Any], dict[str, Any]]


def _create_candidate(dialect: str) -> Call:
    return lambda client, env, body: client.create_candidate(body, dialect=dialect)


def _create_activity(dialect: str) -> Call:
    return lambda client, env, body: client.create_activity(body, dialect=dialect)


WRITES = [
    Write(
        "kombo",
        "application",
        lambda c, e, b: c.create_application(b, job_id=e.job, dialect="kombo"),
    ),
    Write("merge", "application", lambda c, e, b: c.create_application(b, dialect="merge")),
    Write(
        "truto",
        "application",
        lambda c, e, b: c.create_application(b, job_id=e.job, dialect="truto"),
    ),
    *(Write(d, "candidate", _create_candidate(d)) for d in ("kombo", "merge", "truto")),
    Write(
        "kombo", "attachment", lambda c, e, b: c.add_attachment(e.application, b, dialect="kombo")
    ),
    Write(
        "kombo",
        "activity",
        lambda c, e, b: c.create_activity(b, application_id=e.application, dialect="kombo"),
    ),
    *(Write(d, "activity", _create_activity(d)) for d in ("merge", "truto")),
    Write(
        "kombo",
        "stage_move",
        lambda c, e, b: c.move_application_stage(e.application, payload=b, dialect="kombo"),
    ),
    Write(
        "truto",
        "stage_move",
        lambda c, e, b: c.move_application_stage(None, payload=b, dialect="truto"),
    ),
]


@pytest.mark.parametrize("write", WRITES, ids=[f"{w.dialect}-{w.kind}" for w in WRITES])
@given(data=st.data())
def test_a_failed_write_leaves_the_org_as_it_was(
    env: Org, write: Write, data: st.DataObject
) -> None:
    body = data.draw(mutated(_body(write.dialect, write.kind, env)), label="payload")
    before = env.counts()
    stage_before = (env.org.get(env.application) or {}).get("bpats__Stage__c")
    try:
        result = write.call(env.client, env, body)
    except AsymblError as error:
        event(f"refused: {type(error).__name__}")
        assert str(error).strip()
        assert env.counts() == before, f"a failed write changed the org: {error}"
        assert (env.org.get(env.application) or {}).get("bpats__Stage__c") == stage_before
        return
    event("written")
    assert result["status"] == "success"
    assert_named_records_exist(env, result)


def assert_named_records_exist(env: Org, result: dict[str, Any]) -> None:
    """Every record a successful result names (data, candidate, each action's id) exists."""
    named = [result["data"].get("id"), result["data"].get("candidate_id")]
    named += [a.get("id") for a in result.get("actions", {}).values() if isinstance(a, dict)]
    for record_id in filter(None, named):
        assert env.org.get(record_id) is not None, f"the result names a missing {record_id}"


# -- Salesforce refusing a record, or a call failing, halfway through an application -----------

#: Where a call fault can strike: the lookups and the write (both Composite), a file upload.
ENDPOINTS = [
    ("POST", r"/composite$"),
    ("POST", r"/sobjects/ContentVersion"),
    ("POST", r"/composite/sobjects$"),
    ("GET", r"/query"),
]
faults = st.one_of(
    st.tuples(
        st.just("record"),
        st.sampled_from(["Contact", APPLICANT, "ContentVersion"]),
        st.sampled_from(["FIELD_CUSTOM_VALIDATION_EXCEPTION", "INVALID_CROSS_REFERENCE_KEY"]),
    ),
    st.tuples(
        st.just("call"),
        st.sampled_from(FAULT_KINDS),
        st.sampled_from(ENDPOINTS),
        st.integers(min_value=1, max_value=6),
    ),
)
_emails = iter(range(10**9))


@given(fault=faults, data=st.data())
def test_an_application_is_written_whole_or_not_at_all_whatever_fails(
    env: Org, fault: tuple[Any, ...], data: st.DataObject
) -> None:
    body = _body("kombo", "application", env)
    reuse = data.draw(st.booleans(), label="candidate already known")
    body["candidate"]["email_address"] = (
        "frank.doe@example.com" if reuse else f"candidate{next(_emails)}@example.com"
    )
    if fault[0] == "record":
        sobject = fault[1]
        env.org.faults.on_records(fault[2], lambda name, record: name == sobject)
    else:
        _, kind, (method, path), count = fault
        env.org.faults.next(count, kind, path=path, method=method)
    before = env.counts()
    try:
        result = env.client.create_application(body, job_id=env.job)
    except AsymblError as error:
        event(f"refused: {type(error).__name__}")
        assert env.counts() == before, f"{fault} left a partial write: {error}"
        return
    finally:
        env.org.faults.clear()
    event("written")
    assert result["status"] == "success"
    assert_named_records_exist(env, result)
    after = env.counts()
    files = result["actions"]["attachments"]
    # Files are uploaded after the application, one call each: a failed upload is reported in
    # the result (and makes the CLI exit 1) rather than undoing the application.
    uploaded = sum(1 for f in files if f["action"] == "upload")
    assert after["ContentVersion"] - before["ContentVersion"] == uploaded
    if fault[:2] == ("record", "ContentVersion"):
        assert all(f["action"] != "upload" for f in files)
