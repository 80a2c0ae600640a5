"""One reader per unified model: what it selects, what it fetches per page, how a row converts.

Every reader selects the system fields and its mapping's fields, and turns a row into the
model's full Kombo shape (:mod:`asymbl_sf.reading.catalog`). Readers with nested data (a job's
stages, a candidate's applications, stage indexes) fetch it in :meth:`ModelReader.prepare`, once
per page of rows, never per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from asymbl_sf.reading.catalog import (
    APPLICATION_CANDIDATE_KEYS,
    MODELS,
    TYPED_LISTS,
    ModelInfo,
)
from asymbl_sf.reading.convert import Row, get_path, plain
from asymbl_sf.reading.nested import PageLookups, StageIndex, grouped, ids_of
from asymbl_sf.reading.outcome import compile_outcome, outcome_fields
from asymbl_sf.reading.project import Projection, fill_system, system_fields
from asymbl_sf.reading.soql import query, relationship_of, semi_join, stage_order
from asymbl_sf.reading.spec import ModelSpec, ReadMapping
from asymbl_sf.reading.team import Team


@dataclass
class ReadContext:
    """What every reader of one ``read`` shares."""

    mapping: ReadMapping
    instance_url: str
    lookups: PageLookups
    stages: StageIndex
    remote_data: bool = False
    all_contacts: bool = False


class ModelReader:
    """A model whose rows convert one to one, with the mapped keys and the system keys."""

    name: ClassVar[str]
    #: Whether deleted rows must be read by a query of their own (see CandidatesReader).
    deleted_apart: ClassVar[bool] = False

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.spec: ModelSpec = ctx.mapping.model(self.name)
        self.info: ModelInfo = MODELS[self.name]
        self.projection = Projection(self.spec)

    @property
    def sobject(self) -> str:
        return self.spec.sobject

    def select(self) -> list[str]:
        return [*system_fields(), *self.projection.fields]

    def conditions(self) -> list[str]:
        """Conditions that define the model (not the delta): none by default."""
        return []

    def query(self, conditions: list[str]) -> str:
        return query(self.sobject, self.select(), conditions)

    def prepare(self, page: Sequence[Row]) -> None:
        """Fetch what the rows of ``page`` need besides themselves."""

    def convert(self, row: Row) -> Iterator[dict[str, Any]]:
        out = self.info.template()
        fill_system(
            out,
            row,
            sobject=self.sobject,
            instance_url=self.ctx.instance_url,
            remote_data=self.ctx.remote_data,
        )
        self.projection.fill(out, row)
        self.complete(out, row)
        yield out

    def complete(self, out: dict[str, Any], row: Row) -> None:
        """Fill the keys the mapping does not: nested objects, computed values."""


class UsersReader(ModelReader):
    name = "users"


class ApplicationStagesReader(ModelReader):
    name = "application_stages"


class JobStagesReader(ModelReader):
    name = "job_stages"

    def prepare(self, page: Sequence[Row]) -> None:
        self.ctx.stages.prefetch(get_path(r, self.ctx.stages.job_field) for r in page)

    def complete(self, out: dict[str, Any], row: Row) -> None:
        out["stage_id"] = row["Id"]
        out["index"] = self.ctx.stages.index(out["job_id"], row["Id"])


class ApplicationsReader(ModelReader):
    """Applications with their outcome, stage, job and (unless ``summary``) candidate.

    ``summary`` gives the short form Kombo nests in a candidate's ``applications``.
    """

    name = "applications"
    SUMMARY_KEYS = (
        "id",
        "remote_id",
        "outcome",
        "rejection_reason_name",
        "rejected_at",
        "remote_url",
        "changed_at",
        "remote_created_at",
        "remote_updated_at",
        "current_stage",
        "job",
    )

    def __init__(self, ctx: ReadContext, summary: bool = False) -> None:
        super().__init__(ctx)
        self.summary = summary
        if summary:
            self.projection = Projection(self.spec, custom_fields=False)
        mapping = ctx.mapping
        links = {key: self.spec.fields[key].field or "" for key in self.info.links}
        self.via = {key: relationship_of(field) for key, field in links.items()}
        self.candidate = Projection(
            mapping.model("candidates"),
            keys=APPLICATION_CANDIDATE_KEYS,
            via=self.via["candidate_id"],
            custom_fields=False,
        )
        self.job_name = Projection(
            mapping.model("jobs"), keys=["name"], via=self.via["job_id"], custom_fields=False
        )
        self.stage_name = Projection(
            mapping.model("application_stages"),
            keys=["name"],
            via=self.via["current_stage_id"],
            custom_fields=False,
        )
        self.outcome = compile_outcome(self.spec.outcome)

    @property
    def contact_link(self) -> str:
        """The applicant's lookup to its Contact (the mapping's ``candidate_id``)."""
        return self.spec.fields["candidate_id"].field or ""

    @property
    def job_link(self) -> str:
        return self.spec.fields["job_id"].field or ""

    def select(self) -> list[str]:
        nested = [] if self.summary else self.candidate.fields
        return [
            *super().select(),
            *outcome_fields(self.spec.outcome),
            *nested,
            *self.job_name.fields,
            *self.stage_name.fields,
        ]

    def prepare(self, page: Sequence[Row]) -> None:
        job_field = self.spec.fields["job_id"].field or ""
        self.ctx.stages.prefetch(get_path(r, job_field) for r in page)

    def complete(self, out: dict[str, Any], row: Row) -> None:
        out["outcome"] = self.outcome(row)
        job_id, stage_id = out["job_id"], out["current_stage_id"]
        if stage_id:
            name: dict[str, Any] = {}
            self.stage_name.fill(name, row)
            out["current_stage"] = {
                "id": stage_id,
                "remote_id": stage_id,
                "name": name.get("name"),
                "index": self.ctx.stages.index(job_id, stage_id),
            }
        if job_id:
            name = {}
            self.job_name.fill(name, row)
            out["job"] = {"id": job_id, "remote_id": job_id, "name": name.get("name")}
        candidate_id = out["candidate_id"]
        if candidate_id and not self.summary:
            person: dict[str, Any] = {"id": candidate_id, "remote_id": candidate_id}
            person.update(
                (key, [] if key in TYPED_LISTS else None) for key in APPLICATION_CANDIDATE_KEYS
            )
            self.candidate.fill(person, row)
            person["remote_url"] = f"{self.ctx.instance_url}/{candidate_id}"
            person["tags"] = []
            out["candidate"] = person

    def summaries(self, rows: Sequence[Row]) -> list[dict[str, Any]]:
        self.prepare(rows)
        return [{k: out[k] for k in self.SUMMARY_KEYS} for row in rows for out in self.convert(row)]


class CandidatesReader(ModelReader):
    """Contacts that have at least one application (every Contact with ``all_contacts``),
    each with its applications."""

    name = "candidates"
    # A deleted Contact's applicants may no longer point at it (Salesforce clears lookups to
    # deleted records), so "has an applicant" cannot find deleted candidates: they are read by
    # a query of their own. A deleted Contact is reported whether or not it was a candidate.
    deleted_apart = True

    def __init__(self, ctx: ReadContext) -> None:
        super().__init__(ctx)
        self.applications = ApplicationsReader(ctx, summary=True)
        self._applications: dict[str, list[dict[str, Any]]] = {}

    @property
    def candidate_link(self) -> str:
        return self.applications.spec.fields["candidate_id"].field or ""

    def conditions(self) -> list[str]:
        if self.ctx.all_contacts:
            return []
        return [semi_join("Id", self.applications.sobject, self.candidate_link)]

    def prepare(self, page: Sequence[Row]) -> None:
        contacts = ids_of(row["Id"] for row in page if not row.get("IsDeleted"))
        rows = list(
            self.ctx.lookups.rows(
                self.applications.sobject,
                self.applications.select(),
                self.candidate_link,
                contacts,
                ["CreatedDate ASC", "Id ASC"],
            )
        )
        link = self.candidate_link
        self._applications = {
            contact: self.applications.summaries(own)
            for contact, own in grouped(rows, lambda r: get_path(r, link)).items()
        }

    def complete(self, out: dict[str, Any], row: Row) -> None:
        out["applications"] = self._applications.get(row["Id"], [])

    def present(self, row: Row, applications: Sequence[Row]) -> dict[str, Any]:
        """The candidate of ``row`` with ``applications`` (rows of its applicants, read with
        ``self.applications.select()``), as a read of it returns it."""
        self._applications = {row["Id"]: self.applications.summaries(applications)}
        return next(self.convert(row))


class JobsReader(ModelReader):
    """Jobs with their stages (in order, with their index) and hiring team."""

    name = "jobs"

    def __init__(self, ctx: ReadContext) -> None:
        super().__init__(ctx)
        self.team = Team(ctx.mapping.model("hiring_team"))
        job_stages = ctx.mapping.model("job_stages")
        self.stage_spec = ctx.mapping.model("application_stages")
        self.stage_link = job_stages.fields["job_id"].field or ""
        self.stage_order = stage_order(job_stages.order_by)
        self.stage_name = Projection(self.stage_spec, keys=["name"], custom_fields=False)
        self._stages: dict[str, list[dict[str, Any]]] = {}

    def select(self) -> list[str]:
        return [*super().select(), *self.team.fields]

    def prepare(self, page: Sequence[Row]) -> None:
        jobs = ids_of(row["Id"] for row in page if not row.get("IsDeleted"))
        fields = [*system_fields(), self.stage_link, *self.stage_name.fields]
        rows = self.ctx.lookups.rows(
            self.stage_spec.sobject, fields, self.stage_link, jobs, self.stage_order
        )
        link = self.stage_link
        self._stages = {
            job: [self._stage(row, i) for i, row in enumerate(own)]
            for job, own in grouped(rows, lambda r: get_path(r, link)).items()
        }

    def _stage(self, row: Row, index: int) -> dict[str, Any]:
        name: dict[str, Any] = {}
        self.stage_name.fill(name, row)
        remote = {self.stage_spec.sobject: plain(row)} if self.ctx.remote_data else None
        return {
            "id": row["Id"],
            "remote_id": row["Id"],
            "name": name.get("name"),
            "remote_data": remote,
            "index": index,
        }

    def complete(self, out: dict[str, Any], row: Row) -> None:
        out["stages"] = self._stages.get(row["Id"], [])
        out["hiring_team"] = [member.as_nested() for member in self.team.members(row)]


class HiringTeamReader(ModelReader):
    """One row per person on a job's team (Kombo's "job hiring team members").

    There is no Salesforce record per member: the id is ``<job id>:<person id>``, ``remote_id``
    is null, and ``changed_at`` is the job's (a team changes only when its job does).
    """

    name = "hiring_team"

    def __init__(self, ctx: ReadContext) -> None:
        super().__init__(ctx)
        self.team = Team(self.spec)

    def select(self) -> list[str]:
        return [*system_fields(), *self.team.fields]

    def convert(self, row: Row) -> Iterator[dict[str, Any]]:
        job_id = row["Id"]
        for member in self.team.members(row):
            out = self.info.template()
            fill_system(
                out,
                row,
                sobject=self.sobject,
                instance_url=self.ctx.instance_url,
                remote_data=self.ctx.remote_data,
            )
            out.update(
                {
                    "id": f"{job_id}:{member.id}",
                    "remote_id": None,
                    "job_id": job_id,
                    "user_id": member.id if member.person == "user" else None,
                    "contact_id": member.id if member.person == "contact" else None,
                    "first_name": member.first_name,
                    "last_name": member.last_name,
                    "email": member.email,
                    "roles": member.roles,
                    "job_roles": member.job_roles,
                    # When a member joined or changed is not recorded anywhere.
                    "remote_created_at": None,
                    "remote_updated_at": None,
                }
            )
            yield out


READERS: dict[str, type[ModelReader]] = {
    r.name: r
    for r in (
        UsersReader,
        JobsReader,
        CandidatesReader,
        ApplicationStagesReader,
        ApplicationsReader,
        JobStagesReader,
        HiringTeamReader,
    )
}
