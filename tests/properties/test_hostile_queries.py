"""Every string that reaches a query is matched literally: it round-trips exactly and never widens
what a query selects.

Each example stores a record holding a hostile string (quotes, backslashes, ``%``/``_``, control
characters, astral symbols, SOQL fragments, Composite reference look-alikes), plus decoys that a
badly escaped query would also select: the string with a prefix or suffix, shortened, with its
LIKE wildcards filled in. Then it looks the string up through asymbl-sf's own query paths and
compares with the set Salesforce's rules give: text ``=`` is case-insensitive, so a decoy that
differs only in case is expected to match, the others never.

One in-memory org serves a whole test: every record of earlier examples stays and counts as a
decoy too.
"""

from __future__ import annotations

import copy
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from asymbl_sf import Asymbl
from asymbl_sf.attachments.fetch import FetchPolicy
from asymbl_sf.errors import PayloadError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import load_mapping
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.schema.ids import looks_like_id
from asymbl_sf.writes.facts import FactFinder
from asymbl_sf.writes.jobs import Job, JobBook, Unresolved
from asymbl_sf.writes.plan import PlannedRow
from asymbl_sf.writes.rules import WriteRules
from tests.properties.strategies import SOQL_FRAGMENTS, hostile_text, load_fixture

JOB = "bpats__Job__c"
STAGE = "bpats__ATS_Stage__c"
RULES = WriteRules.of(load_mapping())
APPLICANT = "bpats__ATS_Applicant__c"


def _no_dns(host: str, port: int) -> list[str]:
    raise socket.gaierror(f"no DNS in tests ({host})")


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as local:
        yield local


@pytest.fixture(scope="module")
def client(org: LocalOrg) -> Asymbl:
    return Asymbl(org.salesforce(), fetch_policy=FetchPolicy(resolve=_no_dns))


def same_text(a: Any, b: str) -> bool:
    """Salesforce's ``=`` on text: case-insensitive (null and '' never equal a string)."""
    return (
        isinstance(a, str) and a != "" and a.lower() == b.lower() and a.casefold() == b.casefold()
    )


def decoys(text: str) -> list[str]:
    """Values a badly escaped query for ``text`` would also select, and one that differs
    only in case (which Salesforce's ``=`` does select)."""
    out = ["x" + text, text + "x", *([text[:-1]] if len(text) > 1 else [])]
    if "%" in text or "_" in text:  # what ``text`` matches as a LIKE pattern
        out.append(text.replace("%", "zz%zz").replace("_", "y"))
    flipped = text.swapcase()
    if flipped != text and same_text(flipped, text):
        out.append(flipped)
    return [d for d in out if d and d != text and len(d) <= 80]  # Name holds 80


def expected(org: LocalOrg, sobject: str, fields: tuple[str, ...], text: str) -> set[str]:
    return {r["Id"] for r in org.records(sobject) if any(same_text(r.get(f), text) for f in fields)}


def _names_ok(text: str) -> bool:
    # The stage and job parsers trim what they are given and read "remote:..." and ids as
    # syntax, so the property is about every *name*: no padding, not syntax.
    return (
        text.strip() == text
        and 0 < len(text) <= 70
        and not looks_like_id(text)
        and not text.lower().startswith("remote:")
    )


#: Names of records (jobs, stages): any text, hostile fragments favoured.
names = hostile_text.filter(_names_ok)

_LOCAL_CHARS = "abcXYZ019!#$%&'*+/=?^_`{|}~.-"
#: Valid emails (Salesforce's email rule) whose local part is full of SOQL specials.
emails = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.text(alphabet=_LOCAL_CHARS, min_size=1, max_size=30).filter(
        lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s
    ),
    st.sampled_from(["example.com", "x.example.org", "EXAMPLE.com"]),
)


def create(org: LocalOrg, client: Asymbl, sobject: str, fields: dict[str, Any]) -> str:
    answer = client.sf.restful(f"sobjects/{sobject}/", method="POST", json=fields)
    assert answer is not None
    record_id = str(answer["id"])
    stored = org.get(record_id)
    assert stored is not None
    for name, value in fields.items():
        assert stored[name] == value, f"{name} did not round-trip"
    return record_id


# -- the building block: format_soql -----------------------------------------------------------


@given(text=names)
def test_format_soql_selects_exactly_the_equal_names(
    org: LocalOrg, client: Asymbl, text: str
) -> None:
    target = create(org, client, JOB, {"Name": text})
    for decoy in decoys(text):
        create(org, client, JOB, {"Name": decoy})
    want = expected(org, JOB, ("Name",), text)
    assert target in want
    soql = format_soql(f"SELECT Id FROM {JOB} WHERE Name = {{}}", text)
    direct = {r["Id"] for r in client.api.query(soql)}
    assert direct == want
    # The same query inside a Composite request, where '@{...}' would be a reference.
    (answer,) = client.api.composite([_query("q", client, soql)]).values()
    assert {r["Id"] for r in answer.body["records"]} == want


@given(text=names)
def test_a_like_pattern_built_with_like_matches_the_text_literally(
    org: LocalOrg, client: Asymbl, text: str
) -> None:
    target = create(org, client, JOB, {"Name": text})
    for decoy in decoys(text):
        create(org, client, JOB, {"Name": decoy})
    # LIKE is case-insensitive as well; which non-ASCII letters it folds together (the
    # emulator uses Python's re.IGNORECASE) is not the point here: wildcards and quotes are.
    literally = re.compile(re.escape(text), re.IGNORECASE | re.DOTALL)
    soql = format_soql(f"SELECT Id, Name FROM {JOB} WHERE Name LIKE '{{:like}}'", text)
    found = {r["Id"]: r["Name"] for r in client.api.query(soql)}
    assert target in found
    assert all(literally.fullmatch(name) for name in found.values())
    starts = format_soql(f"SELECT Id, Name FROM {JOB} WHERE Name LIKE '{{:like}}%'", text)
    assert all(literally.match(r["Name"]) for r in client.api.query(starts))


def _query(reference: str, client: Asymbl, soql: str) -> Any:
    from asymbl_sf.salesforce.api import SubRequest

    return SubRequest("GET", client.api.query_url(soql), reference)


# -- the flows' own lookups ------------------------------------------------------------------


@given(text=names)
def test_a_job_named_by_remote_key_is_found_and_only_it(
    org: LocalOrg, client: Asymbl, text: str
) -> None:
    target = create(org, client, JOB, {"Name": text})
    for decoy in decoys(text):
        create(org, client, JOB, {"Name": decoy})
    want = expected(org, JOB, ("Name",), text)
    book = JobBook(client.api, "Name")
    book.load([f"remote:{text}"])
    job = book.job(f"remote:{text}")
    assert target in want
    if len(want) == 1:  # found, and only it
        assert isinstance(job, Job) and job.id == target
        assert {s["bpats__Job__c"] for s in job.stages} <= {job.id}
    else:  # several jobs have that name (Salesforce's = ignores case): said, not guessed
        assert isinstance(job, Unresolved) and job.error_code == "AMBIGUOUS_JOB"


@given(email=emails)
def test_contacts_are_matched_by_exactly_their_email(
    org: LocalOrg, client: Asymbl, email: str
) -> None:
    target = create(org, client, "Contact", {"LastName": "Target", "Email": email})
    for decoy in decoys(email):
        create(org, client, "Contact", {"LastName": "Decoy", "Email": decoy})
    want = expected(org, "Contact", ("Email",), email)
    key = f"match:{email.lower()}"
    finder = FactFinder(client.api, RULES, JobBook(client.api, "Name"))
    facts = finder.find([PlannedRow(line=1, source_id=None, contact_key=key, contact={})])
    found = {c["Id"] for c in facts.contacts.get(key, [])}
    assert found == want and target in found


@given(email=emails)
def test_a_user_is_resolved_by_exactly_their_username_or_email(
    org: LocalOrg, client: Asymbl, email: str
) -> None:
    target = user_named(org, client, email)
    for decoy in decoys(email):
        user_named(org, client, decoy)
    want = expected(org, "User", ("Username", "Email"), email)
    book = JobBook(client.api, "Name")
    book.load([], [email])
    assert target in want and book.user(email) in want


def user_named(org: LocalOrg, client: Asymbl, username: str) -> str:
    """The active User with this username (unique in Salesforce, case-insensitively)."""
    found = [u["Id"] for u in org.records("User") if same_text(u["Username"], username)]
    return (
        found[0]
        if found
        else create(
            org,
            client,
            "User",
            {
                "LastName": "Someone",
                "Username": username,
                "Email": "someone@users.example.com",
                "IsActive": True,
            },
        )
    )


# -- end to end: what a payload names ----------------------------------------------------------


def _application_body(email: str) -> dict[str, Any]:
    body = copy.deepcopy(load_fixture("kombo_application"))
    for key in ("stage_id", "attachments", "screening_question_answers"):
        body.pop(key, None)
    body["candidate"]["email_address"] = email
    return body


_domains = iter(range(10**9))


@given(text=names, email=emails)
def test_create_application_finds_the_remote_job_and_reuses_the_contact(
    org: LocalOrg, client: Asymbl, text: str, email: str
) -> None:
    job = create(org, client, JOB, {"Name": text})
    create(org, client, STAGE, {"Name": "Application", JOB: job, "bpats__Sequence__c": 1})
    for decoy in decoys(text):
        if not same_text(decoy, text):
            create(org, client, JOB, {"Name": decoy})
    # A fresh domain per example: the Contact to reuse is the only one with this email.
    email = email.replace("@", f"@n{next(_domains)}.")
    contact = create(org, client, "Contact", {"LastName": "Known", "Email": email.lower()})
    body = _application_body(email)
    if len(expected(org, JOB, ("Name",), text)) > 1:  # an equal name from an earlier example
        with pytest.raises(PayloadError, match="several jobs have Name"):
            client.create_application(body, job_id=f"remote:{text}")
        return
    result = client.create_application(body, job_id=f"remote:{text}")
    applicant = org.get(result["data"]["id"])
    assert applicant is not None
    assert applicant["bpats__Job__c"] == job
    assert applicant["bpats__ATS_Applicant__c"] == contact
    assert result["actions"]["candidate"]["action"] == "reuse"


@given(text=names, data=st.data())
def test_move_stage_by_name_picks_exactly_that_stage(
    org: LocalOrg, client: Asymbl, text: str, data: st.DataObject
) -> None:
    assume(not same_text(text, "Start"))  # the name of the stage the applicant starts on
    wanted = data.draw(
        st.sampled_from([text, text.swapcase()]).filter(lambda w: same_text(w, text)),
        label="stage as sent",
    )
    job = create(org, client, JOB, {"Name": "Stages for a hostile name"})
    target = create(org, client, STAGE, {"Name": text, JOB: job, "bpats__Sequence__c": 2})
    first = create(org, client, STAGE, {"Name": "Start", JOB: job, "bpats__Sequence__c": 1})
    others = [d for d in decoys(text) if not same_text(d, text) and d != "Start"]
    for n, decoy in enumerate(others, start=3):
        create(org, client, STAGE, {"Name": decoy, JOB: job, "bpats__Sequence__c": n})
    contact = create(org, client, "Contact", {"LastName": "Mover"})
    applicant = create(
        org, client, APPLICANT, {APPLICANT: contact, JOB: job, "bpats__Stage__c": first}
    )
    client.move_application_stage(applicant, wanted)
    moved = org.get(applicant)
    assert moved is not None and moved["bpats__Stage__c"] == target


# -- Composite reference look-alikes in what flows send ----------------------------------------

REFERENCE_LOOKALIKES = [f for f in SOQL_FRAGMENTS if "@{" in f]


@pytest.mark.parametrize("name", REFERENCE_LOOKALIKES)
def test_a_job_name_that_looks_like_a_composite_reference_is_found(
    org: LocalOrg, client: Asymbl, name: str
) -> None:
    job = create(org, client, JOB, {"Name": f"Team {name}"})
    book = JobBook(client.api, "Name")
    book.load([f"remote:Team {name}"])
    found = book.job(f"remote:Team {name}")
    assert isinstance(found, Job) and found.id == job


def test_candidate_text_that_looks_like_a_composite_reference_is_stored_as_written(
    org: LocalOrg, client: Asymbl
) -> None:
    body = _application_body("reference.lookalike@example.com")
    body["candidate"]["title"] = "Lead @{Contact.id}"
    job = sorted(org.records(JOB), key=lambda j: j["CreatedDate"])[0]["Id"]
    result = client.create_application(body, job_id=job)
    contact = org.get(result["data"]["candidate_id"] or "")
    assert contact is not None and contact["Title"] == "Lead @{Contact.id}"
