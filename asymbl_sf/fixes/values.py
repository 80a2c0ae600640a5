"""The values a fix writes, resolved as the mapping would resolve them, and checked before any
write: :class:`FieldValues`.

An admin writes ``--set bpats__Stage__c=Offer`` or a spreadsheet cell ``Offer``; Salesforce wants
the id of the *Offer stage of that applicant's own job*. So, per field (from the org's describe):

* a stage lookup takes a stage id or name, found among the stages of the record's own job (a
  name that exists on another job only is an error);
* a job lookup takes a job id or ``remote:<value>`` (the mapping's ``settings.job_remote_key``);
* a lookup to User takes a User id, username or email (an active User);
* any other lookup takes a record id (15 or 18 characters);
* a restricted picklist takes one of its active values (the org's spelling is used);
* dates, datetimes, numbers and checkboxes are parsed as the mapping parses them;
* an empty value clears the field.

Unknown fields, fields the user cannot update, and every value that does not resolve are
problems naming the row and the field; a fix reports them all before it writes anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from asymbl_sf.checks.suggest import close_names, close_values, did_you_mean
from asymbl_sf.errors import Problem
from asymbl_sf.mapping.coerce import coerce
from asymbl_sf.mapping.transforms import TransformError
from asymbl_sf.schema import FieldDescribe, SObjectDescribe
from asymbl_sf.schema.ids import looks_like_id, to_18
from asymbl_sf.schema.names import APPLICANT_JOB, JOB, STAGE, USER
from asymbl_sf.writes.jobs import Job, JobBook, Unresolved, find_stage


@dataclass(frozen=True)
class Unchecked:
    """A value that could not be resolved: why, and where."""

    problem: Problem


class FieldValues:
    """Resolves raw values for the fields of one object (see the module)."""

    def __init__(self, describe: SObjectDescribe, book: JobBook) -> None:
        self.describe = describe
        self.book = book
        self._fields = {f.name.lower(): f for f in describe.fields}

    # -- fields ---------------------------------------------------------------------------------

    def field(self, name: str) -> FieldDescribe | None:
        return self._fields.get(name.strip().lower())

    def field_problems(self, names: Iterable[str], where: str = "") -> list[Problem]:
        """Unknown fields (with a suggestion) and fields that cannot be updated."""
        problems = []
        for name in names:
            described = self.field(name)
            if described is None:
                hint = did_you_mean(
                    close_names(name, [(f.name, f.label) for f in self.describe.fields])
                )
                problems.append(
                    Problem(
                        where or name,
                        f"no field `{name}` on "
                        f"{self.describe.name}" + (f"; {hint}" if hint else ""),
                    )
                )
            elif not described.updateable:
                problems.append(
                    Problem(
                        where or name,
                        f"`{described.name}` on "
                        f"{self.describe.name} cannot be updated (it is "
                        f"{_why_not(described)})",
                    )
                )
        return problems

    def label(self, name: str, value: Any, job_id: str | None) -> str | None:
        """A readable name for ``value`` of ``name`` (a stage's name), when there is one."""
        described = self.field(name)
        if described is not None and _points_at(described, STAGE):
            return stage_name(self.book, job_id, value)
        return None

    def needs(self, names: Iterable[str]) -> tuple[bool, bool]:
        """Whether the values of ``names`` need the records' jobs (a stage by name) and the
        org's users (a lookup to User by name)."""
        described = [self.field(n) for n in names]
        stage = any(f is not None and _points_at(f, STAGE) for f in described)
        user = any(f is not None and _points_at(f, USER) for f in described)
        return stage, user

    # -- values ---------------------------------------------------------------------------------

    def prepare(self, raws: Iterable[tuple[str, str]], job_ids: Iterable[str] = ()) -> None:
        """Read what the values will need, in one call: the jobs they name (``remote:``), the
        records' jobs (for stage names) and the users named by username or email."""
        jobs: set[str] = {to_18(j) for j in job_ids if j and looks_like_id(j)}
        users: set[str] = set()
        for name, raw in raws:
            described = self.field(name)
            text = (raw or "").strip()
            if described is None or not text:
                continue
            if _points_at(described, JOB):
                jobs.add(
                    text
                    if text.startswith("remote:")
                    else to_18(text)
                    if looks_like_id(text)
                    else f"remote:{text}"
                )
            elif _points_at(described, USER) and not looks_like_id(text):
                users.add(text)
        self.book.load(sorted(jobs), sorted(users))

    def resolve(self, name: str, raw: Any, *, job_id: str | None = None) -> Any:
        """The value to write into ``name`` for ``raw`` (``job_id``: the record's job, for a
        stage); :class:`Unchecked` when it does not resolve."""
        described = self.field(name)
        assert described is not None  # field_problems ran first
        text = raw.strip() if isinstance(raw, str) else raw
        if text is None or text == "":
            return None
        if described.type == "reference":
            return self._reference(described, str(text), job_id)
        if described.type in ("picklist", "multipicklist") and described.restrictedPicklist:
            return self._picklist(described, str(text))
        try:
            return coerce(text, described.type)
        except TransformError as exc:
            return Unchecked(Problem(described.name, f"{str(text)[:80]!r} {exc}"))

    def _reference(self, described: FieldDescribe, text: str, job_id: str | None) -> Any:
        if _points_at(described, STAGE):
            return self._stage(described, text, job_id)
        if _points_at(described, JOB):
            ref = (
                text
                if text.startswith("remote:")
                else (to_18(text) if looks_like_id(text) else f"remote:{text}")
            )
            job = self.book.job(ref)
            if isinstance(job, Unresolved):
                return Unchecked(Problem(described.name, job.message))
            return job.id
        if _points_at(described, USER) and not looks_like_id(text):
            user = self.book.user(text)
            if user is None:
                return Unchecked(
                    Problem(described.name, f"{text[:80]!r} is not an active Salesforce user")
                )
            return user
        if not looks_like_id(text):
            return Unchecked(
                Problem(
                    described.name,
                    f"{text[:80]!r} is not a Salesforce record id (15 or 18 characters)",
                )
            )
        return to_18(text)

    def _stage(self, described: FieldDescribe, text: str, job_id: str | None) -> Any:
        if not job_id:
            return Unchecked(
                Problem(
                    described.name, f"the record has no job, so no stage of it can be {text[:80]!r}"
                )
            )
        job = self.book.job(to_18(job_id))
        if not isinstance(job, Job):
            return Unchecked(Problem(described.name, job.message))
        stage = find_stage(job.stages, text)
        if stage is None:
            listing = "; ".join(f"{s['Name']} ({s['Id']})" for s in job.stages) or "none"
            return Unchecked(
                Problem(
                    described.name,
                    f"{text[:80]!r} is not a stage of the "
                    f"record's job {job.name!r}; its stages are: {listing}",
                )
            )
        return to_18(str(stage["Id"]))

    def _picklist(self, described: FieldDescribe, text: str) -> Any:
        allowed = described.active_picklist_values
        wanted = (
            [v.strip() for v in text.split(";")] if described.type == "multipicklist" else [text]
        )
        by_lower = {v.lower(): v for v in allowed}
        chosen = []
        for value in wanted:
            found = by_lower.get(value.lower())
            if found is None:
                hint = did_you_mean(close_values(value, allowed))
                return Unchecked(
                    Problem(
                        described.name,
                        f"{value[:80]!r} is not an allowed "
                        f"value of {self.describe.name}.{described.name} (a "
                        f"restricted picklist); allowed: {', '.join(allowed)}"
                        + (f"; {hint}" if hint else ""),
                    )
                )
            chosen.append(found)
        return ";".join(chosen)


def stage_name(book: JobBook, job_id: str | None, stage_id: Any) -> str | None:
    """The name of a stage of the job (read already), for a diff a person reads."""
    if not job_id or not isinstance(stage_id, str) or not looks_like_id(stage_id):
        return None
    job = book.job(to_18(job_id)) if looks_like_id(job_id) else None
    if not isinstance(job, Job):
        return None
    return next(
        (str(s["Name"]) for s in job.stages if to_18(str(s["Id"])) == to_18(stage_id)), None
    )


def same_value(before: Any, after: Any) -> bool:
    """Whether writing ``after`` over ``before`` changes nothing (ids in either length, numbers
    as numbers, picklist values and text as Salesforce compares them)."""
    if before in (None, "") and after in (None, ""):
        return True
    if isinstance(before, str) and isinstance(after, str):
        if looks_like_id(before) and looks_like_id(after):
            return to_18(before) == to_18(after)
        if len(after) == 10 and before.startswith(after):  # a date against a date or datetime
            return before[:10] == after
        return before == after
    if (
        isinstance(before, (int, float))
        and isinstance(after, (int, float))
        and not isinstance(before, bool)
        and not isinstance(after, bool)
    ):
        return float(before) == float(after)
    return bool(before == after)


def _points_at(described: FieldDescribe, sobject: str) -> bool:
    return described.type == "reference" and any(
        r.lower() == sobject.lower() for r in described.referenceTo
    )


def _why_not(described: FieldDescribe) -> str:
    if described.calculated:
        return "a formula"
    if described.autoNumber:
        return "an auto-number"
    if described.createable:
        return "set on create only"
    return "read-only for this user"


__all__ = ["APPLICANT_JOB", "FieldValues", "Unchecked", "same_value"]
