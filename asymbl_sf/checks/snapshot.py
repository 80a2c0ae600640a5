"""Everything ``check`` needs from the org, read in as few API calls as possible.

1. ``GET /services/data/``: the API versions the org supports (outside Composite, which only
   takes versioned paths; Salesforce answers it without a session).
2. One Composite call: the global describe (which objects exist: is the Asymbl package there),
   the describe of every object the mapping writes plus ``bpats__Job__c``, the record types the
   mapping names, and a query filtering jobs by ``settings.job_remote_key`` (Salesforce refuses
   a filter on a field that cannot be filtered, which is what a ``remote:`` job id does). More
   than 22 describes spill into further Composite calls of 25.

The daily budget comes from the ``Sforce-Limit-Info`` header every answer carries, so it needs
no call of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.errors import SalesforceError
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest, SubResponse
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.schema import SObjectDescribe
from asymbl_sf.schema.names import JOB

from .api_passthrough import passthrough

#: Composite's limit on subrequests per call.
MAX_SUBREQUESTS = 25
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass
class OrgSnapshot:
    """What the org said. Describes are keyed by lower-case object name."""

    versions: list[str] = field(default_factory=list)
    #: Object names in the global describe; None when it could not be read.
    object_names: list[str] | None = None
    describes: dict[str, SObjectDescribe] = field(default_factory=dict)
    #: Objects whose describe failed, with the error (404 NOT_FOUND: no such object).
    describe_errors: dict[str, SalesforceError] = field(default_factory=dict)
    #: ``RecordType`` rows of the developer names the mapping uses (None: not asked).
    record_types: list[dict[str, Any]] | None = None
    #: How the job-key filter query went: None = fine (or not asked), else Salesforce's error.
    job_key_error: SalesforceError | None = None
    job_key_asked: bool = False

    def describe(self, sobject: str) -> SObjectDescribe | None:
        return self.describes.get(sobject.lower())


def supported_versions(api: SalesforceApi) -> list[str]:
    """The API versions the org supports, oldest first (``["58.0", ..., "62.0"]``)."""
    answer = passthrough(api, "GET", "/services/data/")
    rows = answer if isinstance(answer, list) else []
    return [str(r["version"]) for r in rows if isinstance(r, dict) and r.get("version")]


def record_type_query(record_types: Sequence[tuple[str, str]]) -> str:
    """The RecordType rows for ``(sobject, developer name)`` pairs, active or not."""
    objects = sorted({o for o, _ in record_types})
    names = sorted({n for _, n in record_types})
    return format_soql(
        "SELECT Id, SobjectType, DeveloperName, IsActive FROM RecordType "
        "WHERE SobjectType IN {} AND DeveloperName IN {}",
        objects,
        names,
    )


def job_key_query(key: str) -> str | None:
    """A query that filters jobs on ``key``; None when ``key`` is not even a field name."""
    if not _FIELD_NAME.match(key):
        return None
    return f"SELECT Id FROM {JOB} WHERE {key} != null LIMIT 1"


def read_org(
    api: SalesforceApi,
    objects: Sequence[str],
    *,
    record_types: Sequence[tuple[str, str]] = (),
    job_key: str | None = None,
) -> OrgSnapshot:
    """Read the org (see the module docstring). Raises the translated error when a whole call
    fails (an expired session, the daily limit); a failed subrequest is recorded instead."""
    snapshot = OrgSnapshot(versions=supported_versions(api))
    if api.version not in snapshot.versions:
        return snapshot  # every versioned call would fail: the caller reports the version
    first: list[SubRequest] = [SubRequest("GET", f"{api.base_path}/sobjects", "global")]
    if record_types:
        first.append(
            SubRequest("GET", api.query_url(record_type_query(record_types)), "record_types")
        )
    query = job_key_query(job_key) if job_key else None
    if query is not None:
        first.append(SubRequest("GET", api.query_url(query), "job_key"))
        snapshot.job_key_asked = True
    wanted = list(dict.fromkeys(objects))
    describes = [
        SubRequest("GET", api.describe_url(name), f"describe_{i}") for i, name in enumerate(wanted)
    ]
    room = MAX_SUBREQUESTS - len(first)
    batches = [first + describes[:room]]
    rest = describes[room:]
    batches += [rest[i : i + MAX_SUBREQUESTS] for i in range(0, len(rest), MAX_SUBREQUESTS)]
    answers: dict[str, SubResponse] = {}
    for batch in batches:
        answers.update(api.composite(batch, all_or_none=False))
    _read_answers(api, snapshot, wanted, answers)
    return snapshot


def _read_answers(
    api: SalesforceApi, snapshot: OrgSnapshot, wanted: list[str], answers: dict[str, SubResponse]
) -> None:
    listing = answers.get("global")
    if listing is not None and listing.ok and isinstance(listing.body, dict):
        snapshot.object_names = [
            str(o.get("name"))
            for o in listing.body.get("sobjects", [])
            if isinstance(o, dict) and o.get("name")
        ]
    for i, name in enumerate(wanted):
        answer = answers.get(f"describe_{i}")
        if answer is None:
            continue
        if answer.ok and isinstance(answer.body, dict):
            described = api.remember_describe(answer.body)
            snapshot.describes[name.lower()] = described
        else:
            snapshot.describe_errors[name.lower()] = answer.error()
    types = answers.get("record_types")
    if types is not None:
        snapshot.record_types = (
            list(types.body.get("records") or [])
            if types.ok and isinstance(types.body, dict)
            else []
        )
    job = answers.get("job_key")
    if job is not None and not job.ok:
        snapshot.job_key_error = job.error()
