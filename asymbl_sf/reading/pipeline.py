"""Each job's pipeline: how many applications sit on each of its stages, rejected apart.

One Composite call asks for everything at once: the jobs, their stages in pipeline order, and one
aggregate query counting the applications per job, stage and status (``GROUP BY`` — the org does
the counting, however many applications there are). An aggregate query cannot page past 2,000
groups; when the org holds more (hundreds of jobs), the counting is asked again per set of jobs
sized by their stages, so each set stays under the limit (a second call, five sets per call).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.errors import AsymblError
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.schema.ids import looks_like_id, to_18
from asymbl_sf.schema.names import (
    APPLICANT,
    APPLICANT_JOB,
    APPLICANT_STAGE,
    APPLICANT_STATUS,
    JOB,
    STAGE,
    STAGE_FIELDS,
    STAGE_JOB,
    STAGE_ORDER,
    STAGE_SEQUENCE,
    STAGE_TYPE,
)

#: The status Asymbl gives a rejected application (rejection is a status, not a stage).
REJECTED = "Rejected"
#: Groups one aggregate query may answer (it cannot page).
MAX_GROUPS = 2000
#: Query subrequests per Composite call.
QUERIES_PER_CALL = 5


@dataclass
class StageCount:
    """One stage of a job and the applications on it."""

    id: str | None
    name: str
    sequence: float | None = None
    stage_type: str | None = None
    #: Applications on the stage that are not rejected.
    active: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.active + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class JobFunnel:
    """A job and its stages in pipeline order, each with its applications."""

    id: str
    name: str
    status: str | None = None
    stages: list[StageCount] = field(default_factory=list)

    @property
    def active(self) -> int:
        return sum(s.active for s in self.stages)

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.stages)

    @property
    def total(self) -> int:
        return self.active + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "applications": self.total,
            "active": self.active,
            "rejected": self.rejected,
            "stages": [s.as_dict() for s in self.stages],
        }


class JobNotFoundError(AsymblError):
    """A job asked for by id or name is not in the org."""


def read_pipeline(api: SalesforceApi, jobs: Sequence[str] = ()) -> list[JobFunnel]:
    """The funnel of each job ``jobs`` names (ids or names; none: every job), by name.

    :class:`JobNotFoundError` when a named job is not in the org."""
    where = _job_filter(jobs)
    job_query = f"SELECT Id, Name, bpats__Status__c FROM {JOB}{where} ORDER BY Name, Id"
    stage_query = (
        f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE} WHERE {STAGE_JOB} IN "
        f"(SELECT Id FROM {JOB}{where}) ORDER BY {STAGE_JOB}, {STAGE_ORDER}"
    )
    count_query = _count_query(f"IN (SELECT Id FROM {JOB}{where})")
    answers = api.composite(
        [
            SubRequest("GET", api.query_url(job_query), "jobs"),
            SubRequest("GET", api.query_url(stage_query), "stages"),
            SubRequest("GET", api.query_url(count_query), "counts"),
        ]
    )
    job_rows = _rows(api, answers["jobs"], job_query)
    funnels = {
        to_18(j["Id"]): JobFunnel(to_18(j["Id"]), j["Name"], j.get("bpats__Status__c"))
        for j in job_rows
    }
    _check_found(jobs, job_rows)
    for stage in _rows(api, answers["stages"], stage_query):
        funnel = funnels.get(to_18(stage[STAGE_JOB]))
        if funnel is not None:
            funnel.stages.append(
                StageCount(
                    to_18(stage["Id"]),
                    stage["Name"],
                    stage.get(STAGE_SEQUENCE),
                    stage.get(STAGE_TYPE),
                )
            )
    counts = answers["counts"]
    if counts.ok and counts.body.get("done", True):
        groups = counts.body.get("records", [])
    elif not counts.ok and counts.error().error_code not in ("EXCEEDED_ID_LIMIT",):
        raise counts.error()
    else:  # too many groups for one answer: count per set of jobs
        groups = list(_count_by_sets(api, list(funnels.values())))
    for group in groups:
        _add(funnels, group)
    return list(funnels.values())


def _job_filter(jobs: Sequence[str]) -> str:
    """`` WHERE Id IN (...) OR Name IN (...)`` for the jobs named (ids or names), or ``""``."""
    if not jobs:
        return ""
    refs = [j.removeprefix("remote:").strip() for j in jobs if j.strip()]
    ids = sorted({to_18(r) for r in refs if looks_like_id(r)})
    names = sorted(set(refs))  # a name may look like an id: asked both ways
    parts = []
    if ids:
        parts.append(format_soql("Id IN {}", ids))
    if names:
        parts.append(format_soql("Name IN {}", names))
    return " WHERE " + " OR ".join(parts)


def _count_query(job_condition: str) -> str:
    return (
        f"SELECT {APPLICANT_JOB}, {APPLICANT_STAGE}, {APPLICANT_STATUS}, COUNT(Id) n "
        f"FROM {APPLICANT} WHERE {APPLICANT_JOB} {job_condition} "
        f"GROUP BY {APPLICANT_JOB}, {APPLICANT_STAGE}, {APPLICANT_STATUS}"
    )


def _rows(api: SalesforceApi, answer: Any, soql: str) -> list[dict[str, Any]]:
    """The rows of a query subrequest, every page (the Composite answer holds the first)."""
    if not answer.ok:
        raise answer.error()
    if answer.body.get("done", True):
        return list(answer.body.get("records", []))
    return list(api.query_iter(soql))


def _check_found(jobs: Sequence[str], rows: list[dict[str, Any]]) -> None:
    known = {to_18(r["Id"]) for r in rows} | {str(r["Name"]).lower() for r in rows}
    for ref in jobs:
        wanted = ref.removeprefix("remote:").strip()
        key = to_18(wanted) if looks_like_id(wanted) else wanted.lower()
        if key not in known:
            raise JobNotFoundError(
                f"no job {ref!r} in this org (give its Salesforce id or its exact name; "
                "'asymbl-sf pipeline' without a job lists every job)"
            )


def _count_by_sets(api: SalesforceApi, funnels: list[JobFunnel]) -> Iterator[dict[str, Any]]:
    """The counts again, per set of jobs small enough for one aggregate answer each: a job
    gives at most two groups (active, rejected) per stage, plus two for applications without
    a stage."""
    sets: list[list[str]] = [[]]
    size = 0
    for funnel in funnels:
        groups = 2 * (len(funnel.stages) + 1)
        if sets[-1] and size + groups > MAX_GROUPS:
            sets.append([])
            size = 0
        sets[-1].append(funnel.id)
        size += groups
    queries = [_count_query(format_soql("IN {}", ids)) for ids in sets if ids]
    for start in range(0, len(queries), QUERIES_PER_CALL):
        batch = queries[start : start + QUERIES_PER_CALL]
        answers = api.composite(
            [SubRequest("GET", api.query_url(q), f"counts{n}") for n, q in enumerate(batch)]
        )
        for n in range(len(batch)):
            yield from _rows(api, answers[f"counts{n}"], batch[n])


def _add(funnels: dict[str, JobFunnel], group: dict[str, Any]) -> None:
    funnel = funnels.get(to_18(str(group[APPLICANT_JOB])))
    if funnel is None:
        return
    stage_id = group.get(APPLICANT_STAGE)
    key = to_18(stage_id) if stage_id else None
    stage = next((s for s in funnel.stages if s.id == key), None)
    if stage is None:  # no stage, or one of another job: shown apart
        stage = next((s for s in funnel.stages if s.id is None), None)
        if stage is None:
            stage = StageCount(None, "(no stage)")
            funnel.stages.append(stage)
    count = int(group.get("n") or 0)
    if group.get(APPLICANT_STATUS) == REJECTED:
        stage.rejected += count
    else:
        stage.active += count
