"""Merging duplicate candidates: one survivor per group, everything moved onto it, undoable.

For each group (:mod:`.duplicates`) one Contact survives (``oldest``, ``newest`` or the one with
``most-applications``; the older on a tie) and the others — the *losers* — give it everything:

* **applications**: a loser's application moves to the survivor. Two applications of the group
  on the **same job** would clash on Asymbl's unique Contact+Job key: the one furthest along is
  kept (highest stage sequence; the older on a tie), the other's notes are copied into it, and the
  other is deleted;
* **Tasks** (``WhoId``) and **every other lookup to Contact** the org's describe lists as a child
  relationship (so the org's custom objects follow too) move to the survivor;
* **files**: a loser's file gets a new ContentDocumentLink to the survivor (unless the survivor
  has that document already); the loser's own link is removed with the loser;
* the survivor's **blank fields** are filled from the losers, oldest first (``fill_blanks``);
* then the losers are **deleted** (into the recycle bin).

A child that cannot be moved (its lookup is not updateable) is reported; if deleting the loser
would be refused because of it (a restricting lookup), the group is not merged at all. Every step
is written to the journal before it is taken (:mod:`asymbl_sf.state.journal`), so ``undo`` puts
it all back: the losers with their own ids, the links, the values. A dry run is the plan.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.errors import ConfigurationError, SalesforceError
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.collections import CollectionWriter
from asymbl_sf.salesforce.units import PendingWrite, UnitResult
from asymbl_sf.schema import SObjectDescribe
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import APPLICANT, APPLICANT_CONTACT, CONTACT, CONTENT_DOCUMENT_LINK
from asymbl_sf.state.journal import Entry, Journal
from asymbl_sf.writes.queries import in_queries, run_queries

from .duplicates import Group, Member

SURVIVORS = ("oldest", "newest", "most-applications")
NOTES = "bpats__Application_Notes__c"
#: Fields a merge never copies onto the survivor (Salesforce keeps them itself).
_NEVER_FILLED = frozenset({"ownerid", "recordtypeid", "masterrecordid", "email"})


@dataclass
class Move:
    """A child record pointed from a loser to the survivor."""

    sobject: str
    id: str
    field: str
    before: str
    after: str


@dataclass
class GroupPlan:
    group: Group
    survivor: Member
    losers: list[Member]
    moves: list[Move] = field(default_factory=list)
    #: ``{"job", "kept", "removed", "notes"}`` per job two applications of the group share.
    collisions: list[dict[str, Any]] = field(default_factory=list)
    #: ``{"document", "from", "link", "share_type", "visibility", "create"}`` per loser's file.
    files: list[dict[str, Any]] = field(default_factory=list)
    #: Survivor field → (value, the loser it comes from).
    fills: dict[str, tuple[Any, str]] = field(default_factory=dict)
    #: Children that stay behind (not movable): ``"Object.Field: N"``.
    left: list[str] = field(default_factory=list)
    #: Why the group cannot be merged (None: it can).
    blocked: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.group.key,
            "survivor": self.survivor.as_dict(),
            "losers": [m.as_dict() for m in self.losers],
            "moves": [
                {
                    "sobject": m.sobject,
                    "id": m.id,
                    "field": m.field,
                    "from": m.before,
                    "to": m.after,
                }
                for m in self.moves
            ],
            "collisions": self.collisions,
            "files": self.files,
            "fills": {k: {"value": v, "from": src} for k, (v, src) in self.fills.items()},
            "left_behind": self.left,
            "blocked": self.blocked,
        }


@dataclass
class MergeSummary:
    dry_run: bool
    groups: list[GroupPlan]
    journal: str | None = None
    merged: int = 0
    failed: list[str] = field(default_factory=list)
    api_calls: int = 0
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not any(g.blocked for g in self.groups)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "ok": self.ok,
            "merged": self.merged,
            "groups": [g.as_dict() for g in self.groups],
            "failed": self.failed,
            "journal": self.journal,
            "api_calls": self.api_calls,
            "elapsed": round(self.elapsed, 3),
        }


class Merger:
    """Plans and carries out merges in one org (see the module)."""

    def __init__(self, api: SalesforceApi, journal: Journal, *, survivor: str = "oldest") -> None:
        if survivor not in SURVIVORS:
            raise ConfigurationError(
                f"unknown survivor rule {survivor!r}: use {', '.join(SURVIVORS)}"
            )
        self.api = api
        self.journal = journal
        self.survivor = survivor
        #: Ids the merge deleted.
        self._deleted: set[str] = set()

    # -- the plan -------------------------------------------------------------------------------

    def plan(self, groups: Sequence[Group]) -> list[GroupPlan]:
        plans = [self._roles(g) for g in groups]
        if not plans:
            return []
        contact = self.api.describe(CONTACT)
        losers = [m.id for p in plans for m in p.losers]
        owner = {m.id: p for p in plans for m in p.losers}
        self._applications(plans)
        self._children(contact, losers, owner)
        self._files(plans, losers, owner)
        self._fills(contact, plans)
        return plans

    def _roles(self, group: Group) -> GroupPlan:
        members = list(group.members)  # oldest first
        if self.survivor == "newest":
            chosen = members[-1]
        elif self.survivor == "most-applications":
            chosen = max(members, key=lambda m: (len(m.applications), -members.index(m)))
        else:
            chosen = members[0]
        return GroupPlan(group, chosen, [m for m in members if m is not chosen])

    def _applications(self, plans: list[GroupPlan]) -> None:
        for plan in plans:
            by_job: dict[str, list[tuple[Member, dict[str, Any]]]] = {}
            for member in plan.group.members:
                for application in member.applications:
                    by_job.setdefault(str(application["job"]["id"]), []).append(
                        (member, application)
                    )
            for job, entries in by_job.items():
                ranked = sorted(
                    entries, key=lambda e: (-_sequence(e[1]), str(e[1]["created"]), e[1]["id"])
                )
                kept_member, kept = ranked[0]
                removed = [a for _, a in ranked[1:]]
                if removed:
                    plan.collisions.append(
                        {
                            "job": {"id": job, "name": kept["job"]["name"]},
                            "kept": kept["id"],
                            "removed": [a["id"] for a in removed],
                        }
                    )
                if kept_member is not plan.survivor:
                    plan.moves.append(
                        Move(
                            APPLICANT,
                            kept["id"],
                            APPLICANT_CONTACT,
                            kept_member.id,
                            plan.survivor.id,
                        )
                    )
        ids = [c["kept"] for p in plans for c in p.collisions] + [
            r for p in plans for c in p.collisions for r in c["removed"]
        ]
        if not ids:
            return
        notes: dict[str, str] = {}
        for rows in run_queries(
            self.api,
            in_queries(
                self.api, f"SELECT Id, {NOTES} FROM {APPLICANT} WHERE Id IN {{values}}", ids
            ),
        ):
            for row in rows:
                notes[to_18(str(row["Id"]))] = str(row.get(NOTES) or "")
        for plan in plans:
            for collision in plan.collisions:
                parts = [notes.get(collision["kept"], "")]
                parts += [
                    f"Merged from application {r}:\n{notes[r]}"
                    for r in collision["removed"]
                    if notes.get(r)
                ]
                collision["kept_notes"] = notes.get(collision["kept"]) or None
                merged = "\n\n".join(p for p in parts if p) or None
                collision["notes"] = merged if merged != collision["kept_notes"] else None

    def _children(
        self, contact: SObjectDescribe, losers: list[str], owner: dict[str, GroupPlan]
    ) -> None:
        """Every other child record of the losers, through the relationships the describe
        lists: moved when its lookup can be updated, else reported (and, when it restricts the
        delete, the group is not merged)."""
        relationships = [
            r
            for r in child_relationships(contact)
            if r["childSObject"] not in (APPLICANT, CONTENT_DOCUMENT_LINK) and r.get("field")
        ]
        if not relationships or not losers:
            return
        describes = {
            name: self.api.describe(name)
            for name in sorted({r["childSObject"] for r in relationships})
        }
        queries: list[tuple[dict[str, Any], str]] = []
        for relationship in relationships:
            child = describes[relationship["childSObject"]]
            for soql in in_queries(
                self.api,
                f"SELECT Id, {relationship['field']} FROM "
                f"{child.name} WHERE {relationship['field']} IN "
                "{values}",
                losers,
            ):
                queries.append((relationship, soql))
        answers = run_queries(self.api, [soql for _, soql in queries])
        for (relationship, _), rows in zip(queries, answers, strict=True):
            child = describes[relationship["childSObject"]]
            name = relationship["field"]
            described = next((f for f in child.fields if f.name == name), None)
            movable = described is not None and described.updateable
            for row in rows:
                loser = to_18(str(row[name]))
                plan = owner.get(loser)
                if plan is None:
                    continue
                if movable:
                    plan.moves.append(
                        Move(child.name, to_18(str(row["Id"])), name, loser, plan.survivor.id)
                    )
                else:
                    plan.left.append(f"{child.name}.{name} {row['Id']}")
                    if relationship.get("restrictedDelete"):
                        plan.blocked = (
                            f"{child.name} {row['Id']} points at {loser} through "
                            f"{name}, which cannot be moved and keeps {loser} from "
                            "being deleted"
                        )

    def _files(
        self, plans: list[GroupPlan], losers: list[str], owner: dict[str, GroupPlan]
    ) -> None:
        survivors = [p.survivor.id for p in plans]
        rows: list[dict[str, Any]] = []
        for found in run_queries(
            self.api,
            in_queries(
                self.api,
                "SELECT Id, LinkedEntityId, ContentDocumentId, ShareType, Visibility "
                f"FROM {CONTENT_DOCUMENT_LINK} WHERE LinkedEntityId IN {{values}}",
                [*losers, *survivors],
            ),
        ):
            rows.extend(found)
        has = {(to_18(str(r["LinkedEntityId"])), str(r["ContentDocumentId"])) for r in rows}
        for row in rows:
            loser = to_18(str(row["LinkedEntityId"]))
            plan = owner.get(loser)
            if plan is None:
                continue
            document = str(row["ContentDocumentId"])
            create = (plan.survivor.id, document) not in has
            has.add((plan.survivor.id, document))
            plan.files.append(
                {
                    "document": document,
                    "from": loser,
                    "link": row["Id"],
                    "share_type": row.get("ShareType"),
                    "visibility": row.get("Visibility"),
                    "create": create,
                }
            )

    def _fills(self, contact: SObjectDescribe, plans: list[GroupPlan]) -> None:
        fillable = [
            f.name
            for f in contact.fields
            if f.updateable
            and not f.calculated
            and not f.unique
            and not f.externalId
            and f.type not in ("boolean", "address", "location")
            and f.name.lower() not in _NEVER_FILLED
        ]
        ids = [m.id for p in plans for m in p.group.members]
        records = self._records(CONTACT, ["Id", *fillable], ids)
        for plan in plans:
            survivor = records.get(plan.survivor.id, {})
            for name in fillable:
                if survivor.get(name) not in (None, ""):
                    continue
                for loser in plan.losers:  # oldest first
                    value = records.get(loser.id, {}).get(name)
                    if value not in (None, ""):
                        plan.fills[name] = (value, loser.id)
                        break

    def _records(
        self, sobject: str, fields: Sequence[str], ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        select = ", ".join(dict.fromkeys(fields))
        soqls = in_queries(self.api, f"SELECT {select} FROM {sobject} WHERE Id IN {{values}}", ids)
        return {to_18(str(r["Id"])): r for rows in run_queries(self.api, soqls) for r in rows}

    # -- carrying it out ------------------------------------------------------------------------

    def run(self, plans: list[GroupPlan]) -> MergeSummary:
        started, calls = time.monotonic(), self.api.usage.calls
        summary = MergeSummary(False, plans, journal=str(self.journal.path))
        live = [p for p in plans if p.blocked is None]
        if live:
            self._delete_collisions(live, summary)
            self._updates(live, summary)
            self._move_files(live, summary)
            self._delete_losers(live, summary)
        summary.merged = sum(1 for p in live if all(m.id in self._deleted for m in p.losers))
        summary.api_calls = self.api.usage.calls - calls
        summary.elapsed = time.monotonic() - started
        return summary

    def _delete_collisions(self, plans: list[GroupPlan], summary: MergeSummary) -> None:
        removed = [r for p in plans for c in p.collisions for r in c["removed"]]
        self._delete(APPLICANT, removed, summary)

    def _updates(self, plans: list[GroupPlan], summary: MergeSummary) -> None:
        entries: list[Entry] = []
        writes: list[PendingWrite] = []
        for plan in plans:
            for collision in plan.collisions:
                if collision.get("notes") is not None:
                    entries.append(
                        Entry(
                            "update",
                            APPLICANT,
                            collision["kept"],
                            before={NOTES: collision["kept_notes"]},
                            after={NOTES: collision["notes"]},
                        )
                    )
            for move in plan.moves:
                entries.append(
                    Entry(
                        "update",
                        move.sobject,
                        move.id,
                        before={move.field: move.before},
                        after={move.field: move.after},
                    )
                )
            if plan.fills:
                entries.append(
                    Entry(
                        "update",
                        CONTACT,
                        plan.survivor.id,
                        before=dict.fromkeys(plan.fills),
                        after={k: v for k, (v, _) in plan.fills.items()},
                    )
                )
        merged: dict[str, PendingWrite] = {}
        for entry in entries:
            write = merged.setdefault(
                str(entry.id),
                PendingWrite(str(entry.id), entry.sobject, {}, record_id=str(entry.id)),
            )
            write.fields.update(entry.after)
        writes = list(merged.values())
        if not writes:
            return
        self.journal.write(entries)
        result = CollectionWriter(self.api).write(writes, lambda lost: {}, into=UnitResult())
        summary.failed += [f"{k}: {e}" for k, e in result.errors.items()]

    def _move_files(self, plans: list[GroupPlan], summary: MergeSummary) -> None:
        """A new link from each loser's document to the survivor. The loser's own link goes
        with the loser: Salesforce deletes a record's links with it, and brings them back, ids
        and all, when the record is undeleted (so undo gives them back exactly)."""
        new = [(plan, f) for plan in plans for f in plan.files if f["create"]]
        if not new:
            return
        fields = [
            {
                "ContentDocumentId": f["document"],
                "LinkedEntityId": plan.survivor.id,
                "ShareType": f["share_type"] or "V",
                "Visibility": f["visibility"] or "AllUsers",
            }
            for plan, f in new
        ]
        self.journal.write(Entry("create", CONTENT_DOCUMENT_LINK, None, record=r) for r in fields)
        writes = [PendingWrite(f"link{i}", CONTENT_DOCUMENT_LINK, r) for i, r in enumerate(fields)]
        result = CollectionWriter(self.api).write(writes, lambda lost: {})
        self.journal.write(
            Entry("created", CONTENT_DOCUMENT_LINK, result.ids[w.key], record=w.fields)
            for w in writes
            if w.key in result.ids
        )
        summary.failed += [f"{k}: {e}" for k, e in result.errors.items()]

    def _delete_losers(self, plans: list[GroupPlan], summary: MergeSummary) -> None:
        self._delete(CONTACT, [m.id for p in plans for m in p.losers], summary)

    def _delete(self, sobject: str, ids: list[str], summary: MergeSummary) -> None:
        """Journal the records' every field, then delete them (200 a call)."""
        if not ids:
            return
        describe = self.api.describe(sobject)
        fields = [f.name for f in describe.fields if f.type not in ("address", "location")]
        images = self._records(sobject, fields, ids)
        self.journal.write(
            Entry("delete", sobject, record_id, record=images.get(record_id, {}))
            for record_id in ids
        )
        for start in range(0, len(ids), 200):
            batch = ids[start : start + 200]
            try:
                answers = self.api.delete_collection(batch)
            except SalesforceError as exc:
                summary.failed += [f"{i}: {exc}" for i in batch]
                continue
            for record_id, answer in zip(batch, answers, strict=True):
                if answer.get("success"):
                    self._deleted.add(record_id)
                else:
                    errors = "; ".join(str(e.get("message")) for e in answer.get("errors") or [])
                    summary.failed.append(f"{record_id}: {errors}")


def child_relationships(describe: SObjectDescribe) -> list[dict[str, Any]]:
    """The describe's ``childRelationships`` (``childSObject``, ``field``, ``cascadeDelete``,
    ``restrictedDelete``, ``relationshipName``), as plain dicts."""
    found = getattr(describe, "childRelationships", None)
    if found is None and describe.model_extra:
        found = describe.model_extra.get("childRelationships")
    out = []
    for item in found or []:
        out.append(item if isinstance(item, dict) else item.model_dump())
    return out


def _sequence(application: dict[str, Any]) -> float:
    value = application["stage"].get("sequence")
    try:
        return float(value) if value is not None else float("-inf")
    except (TypeError, ValueError):
        return float("-inf")
