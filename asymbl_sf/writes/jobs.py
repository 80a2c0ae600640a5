"""Jobs, their stages, and users, resolved once per distinct value: :class:`JobBook`.

A file names a handful of jobs for thousands of records, a single action names one: either way
every distinct job (by id or ``remote:<value>``, looked up by the mapping's
``settings.job_remote_key``), its stages in pipeline order, and every distinct user (a recruiter,
an activity's owner) are asked once, in the same Composite call as the other lookups, and each
record then picks its job and stage from the book.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.schema.ids import looks_like_id, to_18
from asymbl_sf.schema.names import JOB, STAGE, STAGE_FIELDS, STAGE_JOB, STAGE_ORDER

from .queries import Answers, Lookup, in_queries

JOBS, STAGES, USERS = "jobs", "stages", "users"


@dataclass
class Job:
    id: str
    name: str
    stages: list[dict[str, Any]] = field(default_factory=list)
    #: The job's row as Salesforce answered it.
    row: dict[str, Any] = field(default_factory=dict)


@dataclass
class Unresolved:
    """Why a reference cannot be used: an error code and a message saying what to do."""

    error_code: str
    message: str
    field: str


class JobBook:
    """The jobs (with stages) and users records refer to, read from the org on demand."""

    def __init__(self, api: SalesforceApi, remote_key: str) -> None:
        self.api = api
        self.remote_key = remote_key
        self._jobs: dict[str, Job | Unresolved] = {}
        self._users: dict[str, str | None] = {}
        self._asked_jobs: list[str] = []
        self._asked_users: list[str] = []

    # -- asking ---------------------------------------------------------------------------------

    def lookups(self, job_refs: Iterable[str], user_refs: Iterable[str]) -> list[Lookup]:
        """The lookups that read the jobs and users not known yet (none when all are)."""
        self._asked_jobs = sorted({r for r in job_refs if r and r not in self._jobs})
        self._asked_users = sorted(
            {r.strip() for r in user_refs if r and r.strip()} - set(self._users)
        )
        out: list[Lookup] = []
        if self._asked_jobs:
            filters = self._job_filters(self._asked_jobs)
            key = self.remote_key
            fields = "Id, Name" + (f", {key}" if key.lower() not in ("id", "name") else "")
            out.append(
                Lookup(
                    JOBS,
                    lambda _: [
                        f"SELECT {fields} FROM {JOB} WHERE {f} ORDER BY CreatedDate, Id"
                        for f in filters
                    ],
                )
            )
            # Each job query has a twin reading the same jobs' stages (a semi-join), so jobs and
            # stages come back in the same call.
            out.append(
                Lookup(
                    STAGES,
                    lambda _: [
                        f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE} WHERE {STAGE_JOB} IN "
                        f"(SELECT Id FROM {JOB} WHERE {f}) ORDER BY {STAGE_JOB}, {STAGE_ORDER}"
                        for f in filters
                    ],
                )
            )
        if self._asked_users:
            out.append(Lookup(USERS, lambda _: self._user_queries(self._asked_users)))
        return out

    def absorb(self, answers: Answers) -> None:
        """Take what :meth:`lookups` asked from ``answers``."""
        if self._asked_jobs:
            self._absorb_jobs(answers.get(JOBS, []), answers.get(STAGES, []))
        if self._asked_users:
            self._absorb_users(answers.get(USERS, []))
        self._asked_jobs, self._asked_users = [], []

    def load(
        self, job_refs: Iterable[str], user_refs: Iterable[str] = (), *, max_concurrency: int = 1
    ) -> None:
        """Read the jobs and users not known yet, on their own (an import does it once)."""
        from .queries import LookupBatch

        batch = LookupBatch(self.api, max_concurrency=max_concurrency)
        for lookup in self.lookups(job_refs, user_refs):
            batch.add(lookup)
        self.absorb(batch.run())

    # -- answers --------------------------------------------------------------------------------

    def job(self, ref: str) -> Job | Unresolved:
        """The job of ``ref`` (read first)."""
        return self._jobs[ref]

    def stage(self, job: Job, wanted: str | None) -> dict[str, Any] | Unresolved:
        """The stage of ``job`` a record asks for (id, ``remote:<name>`` or name); the job's
        first stage when it asks for none."""
        if not job.stages:
            return Unresolved(
                "JOB_HAS_NO_STAGES",
                f"job {job.name!r} ({job.id}) has no stages; Asymbl needs a stage on every "
                "applicant: add stages to the job (e.g. from an ATS template)",
                "job_id",
            )
        if wanted is None:
            return job.stages[0]
        stage = find_stage(job.stages, wanted)
        if stage is None:
            listing = "; ".join(f"{s['Name']} ({s['Id']})" for s in job.stages)
            return Unresolved(
                "STAGE_NOT_FOUND",
                f"{wanted!r} is not a stage of job {job.name!r}; its stages are: {listing}",
                "stage_id",
            )
        return stage

    def user(self, ref: str) -> str | None:
        """The User id ``ref`` names, or None (a vendor's user id names nobody in Salesforce)."""
        return self._users.get(ref.strip())

    def take(self, other: JobBook) -> None:
        """What ``other`` read, added to (and replacing) what this book knows."""
        self._jobs.update(other._jobs)
        self._users.update(other._users)

    def knows(self, job_ref: str | None, user_ref: str | None = None) -> bool:
        """Whether the job (and the user) were read already, found or not."""
        return (job_ref is None or job_ref in self._jobs) and (
            user_ref is None or user_ref.strip() in self._users
        )

    # -- internals ------------------------------------------------------------------------------

    def _job_filters(self, refs: list[str]) -> list[str]:
        ids = [r for r in refs if not r.startswith("remote:")]
        remotes = [r[len("remote:") :] for r in refs if r.startswith("remote:")]
        return in_queries(self.api, "Id IN {values}", ids) + in_queries(
            self.api, f"{self.remote_key} IN {{values}}", remotes
        )

    def _absorb_jobs(
        self, job_rows: list[dict[str, Any]], stage_rows: list[dict[str, Any]]
    ) -> None:
        key = self.remote_key
        # ref → {job id: row}: the same job may come back from an id query and a remote one.
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for row in job_rows:
            job_id = to_18(str(row["Id"]))
            found.setdefault(job_id, {})[job_id] = row
            value = row.get(key)
            if value is not None:
                found.setdefault(f"remote:{str(value).lower()}", {})[job_id] = row
        by_id: dict[str, Job] = {}
        for ref in self._asked_jobs:
            remote = ref.startswith("remote:")
            rows = list(found.get(ref.lower() if remote else ref, {}).values())
            if len(rows) == 1:
                job_id = to_18(str(rows[0]["Id"]))
                self._jobs[ref] = by_id.setdefault(
                    job_id, Job(job_id, str(rows[0].get("Name")), row=rows[0])
                )
            elif not rows:
                how = key if remote else "Id"
                value = ref[len("remote:") :] if remote else ref
                self._jobs[ref] = Unresolved(
                    "JOB_NOT_FOUND",
                    f"no {JOB} with {how} = {value!r} in this org; check the id, or the "
                    "mapping's settings.job_remote_key for remote: ids",
                    "job_id",
                )
            else:
                self._jobs[ref] = Unresolved(
                    "AMBIGUOUS_JOB",
                    f"several jobs have {key} = {ref[len('remote:') :]!r}; use the job's "
                    "Salesforce id instead",
                    "job_id",
                )
        seen: set[str] = set()
        for row in stage_rows:
            owner = by_id.get(to_18(str(row.get(STAGE_JOB))))
            if owner is not None and str(row["Id"]) not in seen:
                seen.add(str(row["Id"]))
                owner.stages.append(row)

    def _user_queries(self, refs: list[str]) -> list[str]:
        ids = [to_18(r) for r in refs if looks_like_id(r) and to_18(r).startswith("005")]
        names = [r for r in refs if "@" in r]
        base = "SELECT Id, Username, Email FROM User WHERE IsActive = true AND "
        return (
            in_queries(self.api, base + "Id IN {values}", ids)
            + in_queries(self.api, base + "Username IN {values} ORDER BY CreatedDate", names)
            + in_queries(self.api, base + "Email IN {values} ORDER BY CreatedDate", names)
        )

    def _absorb_users(self, rows: list[dict[str, Any]]) -> None:
        found: dict[str, str] = {}
        for row in rows:
            user_id = to_18(str(row["Id"]))
            for key in (user_id, row.get("Username"), row.get("Email")):
                if isinstance(key, str):
                    found.setdefault(key.lower(), user_id)
        for ref in self._asked_users:
            key = to_18(ref).lower() if looks_like_id(ref) else ref.lower()
            self._users[ref] = found.get(key)


def find_stage(stages: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    """A stage of the job by Salesforce id (15 or 18), ``remote:<name>`` or name (any case)."""
    text = wanted.strip()
    if looks_like_id(text):
        full = to_18(text)
        return next((s for s in stages if to_18(s["Id"]) == full), None)
    if text.lower().startswith("remote:"):
        text = text[len("remote:") :].strip()
    return next((s for s in stages if str(s.get("Name", "")).lower() == text.lower()), None)
