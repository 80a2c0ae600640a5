"""Duplicate candidates: Contacts that are the same person, found in an org of any size.

Two Contacts are the same candidate when their emails are equal once trimmed and case-folded
(``Jane@X.com`` and ``jane@x.com ``: Salesforce's own ``=`` ignores case but not spaces, so no
query can find them), and, when more keys are given, when those fields are equal too.

The scan reads every Contact with an email once: over REST for a small org (one call per 2,000
Contacts), through a Bulk API 2.0 query job above :data:`BULK_ABOVE` Contacts (a few calls,
however many), into a temporary database keyed by the normalised values, so memory stays flat
with a million Contacts. Only the groups (usually few) are then read in detail: each member's
applications (job and stage), Tasks and files, in batched queries.
"""

from __future__ import annotations

import difflib
import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.dedupe import normalize_email
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.reading.convert import get_path
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.bulk import Bulk2
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import (
    APPLICANT,
    APPLICANT_CONTACT,
    APPLICANT_JOB,
    APPLICANT_STAGE,
    CONTACT,
    CONTENT_DOCUMENT_LINK,
    TASK,
)
from asymbl_sf.writes.queries import in_queries, run_queries

#: Above this many Contacts with an email, the scan is a Bulk API 2.0 query job.
BULK_ABOVE = 20_000
#: Members of groups read in detail together.
DETAIL_BATCH = 2_000


@dataclass
class Member:
    """One Contact of a group, and what hangs on it."""

    id: str
    name: str
    email: str
    created: str
    applications: list[dict[str, Any]] = field(default_factory=list)
    tasks: int = 0
    files: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "created": self.created,
            "applications": self.applications,
            "tasks": self.tasks,
            "files": self.files,
        }


@dataclass
class Group:
    """Contacts that are one candidate, oldest first."""

    key: str
    members: list[Member]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "contacts": [m.as_dict() for m in self.members]}


class DuplicateFinder:
    """Finds the groups of Contacts that are the same candidate (see the module)."""

    def __init__(
        self, api: SalesforceApi, *, keys: Sequence[str] = (), bulk_above: int = BULK_ABOVE
    ) -> None:
        self.api = api
        self.keys = list(keys)
        self.bulk_above = bulk_above

    def groups(self) -> list[Group]:
        self._check_keys()
        with _Scan() as scan:
            for row in self._contacts():
                email = normalize_email(row.get("Email"))
                if email is None:
                    continue
                extra = [str(get_path(row, k) or "").strip().casefold() for k in self.keys]
                scan.add(_digest([email, *extra]), row)
            groups = [
                Group(
                    key,
                    [
                        Member(
                            to_18(str(r["Id"])),
                            _name(r),
                            str(r.get("Email") or ""),
                            str(r.get("CreatedDate")),
                        )
                        for r in rows
                    ],
                )
                for key, rows in scan.groups()
            ]
        members = [m for g in groups for m in g.members]
        for start in range(0, len(members), DETAIL_BATCH):
            self._details(members[start : start + DETAIL_BATCH])
        return groups

    def _check_keys(self) -> None:
        """Every extra key is a field of Contact (it goes into the scan's SELECT)."""
        if not self.keys:
            return
        describe = self.api.describe(CONTACT)
        for key in self.keys:
            if describe.field(key) is None:
                names = [f.name for f in describe.fields]
                close = difflib.get_close_matches(key, names, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ConfigurationError(f"--key {key}: Contact has no such field{hint}")
        self.keys = [str(describe.field(k).name) for k in self.keys]  # type: ignore[union-attr]

    # -- the scan -------------------------------------------------------------------------------

    def _contacts(self) -> Iterator[dict[str, Any]]:
        fields = ", ".join(
            dict.fromkeys(["Id", "FirstName", "LastName", "Email", "CreatedDate", *self.keys])
        )
        soql = f"SELECT {fields} FROM {CONTACT} WHERE Email != null"
        count = self.api.count(f"SELECT COUNT() FROM {CONTACT} WHERE Email != null")
        if count > self.bulk_above:
            yield from Bulk2(self.api).query(soql)
        else:
            yield from self.api.query_iter(soql + " ORDER BY CreatedDate ASC, Id ASC")

    # -- what hangs on each member --------------------------------------------------------------

    def _details(self, members: list[Member]) -> None:
        by_id = {m.id: m for m in members}
        ids = list(by_id)
        soqls = [
            *in_queries(
                self.api,
                f"SELECT Id, {APPLICANT_CONTACT}, {APPLICANT_JOB}, "
                f"bpats__Job__r.Name, {APPLICANT_STAGE}, bpats__Stage__r.Name, "
                f"bpats__Stage__r.bpats__Sequence__c, CreatedDate FROM "
                f"{APPLICANT} WHERE {APPLICANT_CONTACT} IN {{values}} "
                "ORDER BY CreatedDate ASC, Id ASC",
                ids,
            ),
        ]
        applicant_queries = len(soqls)
        soqls += in_queries(
            self.api, f"SELECT Id, WhoId FROM {TASK} WHERE WhoId IN {{values}}", ids
        )
        task_queries = len(soqls)
        soqls += in_queries(
            self.api,
            f"SELECT Id, LinkedEntityId FROM {CONTENT_DOCUMENT_LINK} "
            "WHERE LinkedEntityId IN {values}",
            ids,
        )
        answers = run_queries(self.api, soqls)
        for rows in answers[:applicant_queries]:
            for row in rows:
                member = by_id.get(to_18(str(row[APPLICANT_CONTACT])))
                if member is not None:
                    member.applications.append(
                        {
                            "id": to_18(str(row["Id"])),
                            "job": {
                                "id": row.get(APPLICANT_JOB),
                                "name": get_path(row, "bpats__Job__r.Name"),
                            },
                            "stage": {
                                "id": row.get(APPLICANT_STAGE),
                                "name": get_path(row, "bpats__Stage__r.Name"),
                                "sequence": get_path(row, "bpats__Stage__r.bpats__Sequence__c"),
                            },
                            "created": row.get("CreatedDate"),
                        }
                    )
        for rows in answers[applicant_queries:task_queries]:
            for row in rows:
                if (member := by_id.get(to_18(str(row["WhoId"])))) is not None:
                    member.tasks += 1
        for rows in answers[task_queries:]:
            for row in rows:
                if (member := by_id.get(to_18(str(row["LinkedEntityId"])))) is not None:
                    member.files += 1


class _Scan:
    """Contacts by their normalised key, in a temporary database (flat memory)."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")
        self.db.execute(
            "CREATE TABLE c (key TEXT, id TEXT, created TEXT, first TEXT, last TEXT, email TEXT)"
        )

    def __enter__(self) -> _Scan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def add(self, key: str, row: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO c VALUES (?, ?, ?, ?, ?, ?)",
            (
                key,
                to_18(str(row["Id"])),
                str(row.get("CreatedDate") or ""),
                row.get("FirstName") or None,
                row.get("LastName") or None,
                row.get("Email"),
            ),
        )

    def groups(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        self.db.execute("CREATE INDEX c_key ON c(key)")
        keys = [
            k
            for (k,) in self.db.execute(
                "SELECT key FROM c GROUP BY key HAVING COUNT(*) > 1 ORDER BY MIN(created)"
            )
        ]
        for key in keys:
            rows = self.db.execute(
                "SELECT id, created, first, last, email FROM c WHERE key = ? ORDER BY created, id",
                (key,),
            ).fetchall()
            yield (
                key,
                [
                    {
                        "Id": r[0],
                        "CreatedDate": r[1],
                        "FirstName": r[2],
                        "LastName": r[3],
                        "Email": r[4],
                    }
                    for r in rows
                ],
            )


def _digest(values: list[str]) -> str:
    return hashlib.blake2b("\x1f".join(values).encode("utf-8"), digest_size=12).hexdigest()


def _name(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)


@dataclass
class DuplicatesResult:
    """The groups found, and what merging them did (or would do: a dry run)."""

    groups: list[Group]
    merge: Any = None  # a MergeSummary when merging was asked for

    @property
    def ok(self) -> bool:
        return self.merge is None or bool(self.merge.ok)

    def as_dict(self) -> dict[str, Any]:
        if self.merge is not None:
            return {"found": len(self.groups), **self.merge.as_dict()}
        return {"found": len(self.groups), "groups": [g.as_dict() for g in self.groups]}

    def text(self, shown: int = 20) -> str:
        lines = [f"{len(self.groups):,} group(s) of Contacts that are the same candidate"]
        for group in self.groups[:shown]:
            lines.append(f"  {group.members[0].email.strip().lower()}:")
            for member in group.members:
                apps = (
                    ", ".join(
                        f"{a['job']['name']} / {a['stage']['name']}" for a in member.applications
                    )
                    or "no applications"
                )
                lines.append(
                    f"    {member.id} {member.name!r} created {member.created[:10]}: "
                    f"{apps}; {member.tasks} Task(s), {member.files} file(s)"
                )
        if len(self.groups) > shown:
            lines.append(f"  ... and {len(self.groups) - shown:,} more")
        if self.merge is not None:
            merge = self.merge
            verb = "would merge" if merge.dry_run else "merged"
            count = len(merge.groups) if merge.dry_run else merge.merged
            lines.append(f"{verb} {count:,} group(s)")
            for plan in merge.groups:
                moved = len(plan.moves) + len(plan.files)
                lines.append(
                    f"  keep {plan.survivor.id}; "
                    f"{'delete' if not merge.dry_run else 'would delete'} "
                    f"{', '.join(m.id for m in plan.losers)}; {moved} record(s) moved, "
                    f"{len(plan.collisions)} job(s) with two applications, "
                    f"{len(plan.fills)} blank field(s) filled"
                    + (f"; NOT MERGED: {plan.blocked}" if plan.blocked else "")
                )
            lines.extend(f"  failed: {f}" for f in merge.failed[:shown])
            if merge.journal:
                lines.append(
                    f"  journal: {merge.journal} (undo with: asymbl-sf undo {merge.journal})"
                )
        return "\n".join(lines)
