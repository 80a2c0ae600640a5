"""Jobs, stages and recruiters of an import, resolved once per distinct value.

A file usually names a handful of jobs for thousands of records: every distinct job (by id or
``remote:<value>``, looked up by the mapping's ``settings.job_remote_key``), its stages, and every
distinct credited recruiter are read in one Composite call (more only for thousands of distinct
values), and each record then picks its job and stage from memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.flows.common import find_stage
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.schema.ids import looks_like_id, to_18
from asymbl_sf.schema.names import JOB, STAGE, STAGE_FIELDS

from .queries import in_queries, run_queries


@dataclass
class Job:
    id: str
    name: str
    stages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Unresolved:
    """Why a reference cannot be used: an error code and a message saying what to do."""

    error_code: str
    message: str
    field: str


class References:
    """The jobs (with stages) and users an import refers to, read from the org on demand."""

    def __init__(self, api: SalesforceApi, remote_key: str, *, max_concurrency: int = 1) -> None:
        self.api = api
        # The key comes from the mapping file, not from input; still, only a field name passes.
        self.remote_key = remote_key if remote_key.replace("_", "").isalnum() else "Name"
        self.max_concurrency = max_concurrency
        self._jobs: dict[str, Job | Unresolved] = {}
        self._users: dict[str, str | None] = {}

    # -- jobs -----------------------------------------------------------------------------------

    def load_jobs(self, refs: Iterable[str]) -> None:
        """Read every job of ``refs`` not read yet (``18-char id`` or ``remote:<value>``)."""
        wanted = [r for r in set(refs) if r not in self._jobs]
        if not wanted:
            return
        ids = [r for r in wanted if not r.startswith("remote:")]
        remotes = [r[len("remote:") :] for r in wanted if r.startswith("remote:")]
        key = self.remote_key
        fields = "Id, Name" + (f", {key}" if key.lower() not in ("id", "name") else "")
        job_filters = in_queries(self.api, "Id IN {values}", ids) + in_queries(
            self.api, f"{key} IN {{values}}", remotes
        )
        # Each job query has a twin reading the stages of the same jobs (a semi-join), so jobs
        # and stages come back in the same Composite call.
        soqls = [
            f"SELECT {fields} FROM {JOB} WHERE {f} ORDER BY CreatedDate, Id" for f in job_filters
        ]
        soqls += [
            f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE} WHERE bpats__Job__c IN "
            f"(SELECT Id FROM {JOB} WHERE {f}) "
            "ORDER BY bpats__Job__c, bpats__Sequence__c ASC NULLS LAST, Name"
            for f in job_filters
        ]
        answers = run_queries(self.api, soqls, max_concurrency=self.max_concurrency)
        # ref → {job id: row}: the same job may come back from an id query and a remote one.
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for rows in answers[: len(job_filters)]:
            for row in rows:
                job_id = to_18(str(row["Id"]))
                found.setdefault(job_id, {})[job_id] = row
                value = row.get(key)
                if value is not None:
                    found.setdefault(f"remote:{str(value).lower()}", {})[job_id] = row
        by_id: dict[str, Job] = {}
        for ref in wanted:
            rows = list(
                found.get(ref if not ref.startswith("remote:") else ref.lower(), {}).values()
            )
            if len(rows) == 1:
                job_id = to_18(str(rows[0]["Id"]))
                job = by_id.setdefault(job_id, Job(job_id, str(rows[0].get("Name"))))
                self._jobs[ref] = job
            elif not rows:
                how = "Id" if not ref.startswith("remote:") else key
                value = ref if not ref.startswith("remote:") else ref[len("remote:") :]
                self._jobs[ref] = Unresolved(
                    "JOB_NOT_FOUND",
                    f"no {JOB} with {how} = {value!r} in this org; check the "
                    "id, or the mapping's settings.job_remote_key for remote: ids",
                    "job_id",
                )
            else:
                self._jobs[ref] = Unresolved(
                    "AMBIGUOUS_JOB",
                    f"several jobs have {key} = {ref[len('remote:') :]!r}; use "
                    "the job's Salesforce id instead",
                    "job_id",
                )
        seen: set[str] = set()
        for rows in answers[len(job_filters) :]:
            for row in rows:
                owner = by_id.get(to_18(str(row.get("bpats__Job__c"))))
                if owner is not None and str(row["Id"]) not in seen:
                    seen.add(str(row["Id"]))
                    owner.stages.append(row)

    def job(self, ref: str) -> Job | Unresolved:
        """The job of ``ref`` (read by :meth:`load_jobs` first)."""
        return self._jobs[ref]

    def stage(self, job: Job, wanted: str | None) -> dict[str, Any] | Unresolved:
        """The stage of ``job`` a record asks for (id, ``remote:<name>`` or name); the job's
        first stage when it asks for none."""
        if not job.stages:
            return Unresolved(
                "JOB_HAS_NO_STAGES",
                f"job {job.name!r} ({job.id}) has no stages; Asymbl needs a "
                "stage on every applicant: add stages to the job (e.g. from an ATS template)",
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

    # -- users ----------------------------------------------------------------------------------

    def load_users(self, refs: Iterable[str]) -> None:
        """Find the active Users that ``refs`` name (a User id, or a username or email)."""
        wanted = [r for r in {r.strip() for r in refs if r and r.strip()} if r not in self._users]
        if not wanted:
            return
        ids = [to_18(r) for r in wanted if looks_like_id(r) and to_18(r).startswith("005")]
        names = [r for r in wanted if "@" in r]
        base = "SELECT Id, Username, Email FROM User WHERE IsActive = true AND "
        soqls = in_queries(self.api, base + "Id IN {values}", ids)
        soqls += in_queries(self.api, base + "Username IN {values} ORDER BY CreatedDate", names)
        soqls += in_queries(self.api, base + "Email IN {values} ORDER BY CreatedDate", names)
        found: dict[str, str] = {}
        for rows in run_queries(self.api, soqls, max_concurrency=self.max_concurrency):
            for row in rows:
                user_id = to_18(str(row["Id"]))
                for key in (user_id, row.get("Username"), row.get("Email")):
                    if isinstance(key, str):
                        found.setdefault(key.lower(), user_id)
        for ref in wanted:
            key = to_18(ref).lower() if looks_like_id(ref) else ref.lower()
            self._users[ref] = found.get(key)

    def user(self, ref: str) -> str | None:
        """The User id ``ref`` names, or None (a vendor's user id names nobody in Salesforce)."""
        return self._users.get(ref.strip())
