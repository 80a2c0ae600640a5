"""Facts: what the org already holds for a set of planned rows, found in batched lookups.

For the rows of one chunk (or the one row of a single action), :class:`FactFinder` asks, in as
few Composite calls as fit (:mod:`.queries`):

* the jobs, their stages and the users the rows name that are not known yet (:mod:`.jobs`);
* the Contacts with the rows' match values (emails), or with the ids a payload names;
* the applications of the Contacts found, the files on them, and their Tasks (only for rows
  that carry files or activities): these need the Contacts' ids, so for a single row they ride
  in the same call as references to the first Contact found, and for many rows they follow
  in a second round.

One implementation for one row or a million: only the number of ``IN`` values changes. An
import's Bulk API path answers the Contacts and applications from a scan of the whole org
instead (:class:`OrgScan`), and asks the rest the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from asymbl_sf.reading.convert import get_path
from asymbl_sf.reading.soql import relationship_of
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import APPLICANT, CONTACT, CONTENT_DOCUMENT_LINK, TASK

from .jobs import JobBook
from .plan import PlannedRow
from .queries import Answers, Lookup, LookupBatch, Ref, in_queries, quote_values
from .rules import WriteRules

Row = dict[str, Any]

CONTACTS, CONTACTS_BY_ID, CONTACTS_BY_APP = "contacts", "contacts_by_id", "contacts_by_app"
APPLICANTS, FILES, FILE_LINKS, TASKS = "applicants", "files", "file_links", "tasks"

#: What is read of a Task to recognise a logged activity again.
TASK_FIELDS = [
    "Id",
    "Subject",
    "Description",
    "ActivityDate",
    "TaskSubtype",
    "WhoId",
    "WhatId",
    "OwnerId",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
]
#: How many of a single Contact's latest Tasks are compared with new activities.
RECENT_TASKS = 200
#: What is read of a file already on a Contact: its latest version's checksum and document.
FILE_FIELDS = ["Id", "Checksum", "ContentDocumentId"]


@dataclass
class Facts:
    """What the org holds for some rows."""

    #: Contacts per row ``contact_key``, oldest first.
    contacts: dict[str, list[Row]] = field(default_factory=dict)
    #: Applications per Contact id, oldest first.
    applicants: dict[str, list[Row]] = field(default_factory=dict)
    #: Latest file versions per Contact id, by checksum: ``{"Id", "ContentDocumentId"}``.
    files: dict[str, dict[str, Row]] = field(default_factory=dict)
    #: Tasks per Contact id, newest first.
    tasks: dict[str, list[Row]] = field(default_factory=dict)
    #: The answers of a caller's own lookups (see :meth:`FactFinder.find`).
    extra: Answers = field(default_factory=dict)

    def applicant(self, contact_id: str, job_id: str, job_link: str) -> Row | None:
        return next(
            (
                a
                for a in self.applicants.get(contact_id, [])
                if to_18(str(a.get(job_link) or "")) == job_id
            ),
            None,
        )


class OrgScan(Protocol):
    """Contacts and applications read once from the whole org (an import's Bulk path)."""

    def contacts(self, values: Sequence[str]) -> dict[str, list[Row]]: ...

    def applicants(self, contact_ids: Sequence[str]) -> dict[str, list[Row]]: ...


@dataclass
class Selection:
    """Fields to read beyond what deciding needs: a single action's answer reads the Contact
    and its applications as ``read`` does, so nothing is asked twice."""

    contact_fields: Sequence[str] = ()
    applicant_fields: Sequence[str] = ()


class FactFinder:
    """Finds the facts for planned rows in one org."""

    def __init__(
        self,
        api: SalesforceApi,
        rules: WriteRules,
        book: JobBook,
        *,
        selection: Selection | None = None,
        scan: OrgScan | None = None,
        max_concurrency: int = 1,
    ) -> None:
        self.api = api
        self.rules = rules
        self.book = book
        self.selection = selection or Selection()
        self.scan = scan
        self.max_concurrency = max_concurrency

    def find(
        self,
        rows: Sequence[PlannedRow],
        *,
        known: Mapping[str, str | None] | None = None,
        children: bool = True,
        describe: Iterable[str] = (),
        extra: Sequence[Lookup] = (),
    ) -> Facts:
        """The facts for ``rows``.

        ``known``: the contact keys an earlier chunk of the run settled (not asked again), with
        the id of those that were in the org (whose applications, files and Tasks are still
        read: a later row may need other ones of them). ``children`` False: ask nothing of the
        Contacts' records (a run deciding again what it decided already). ``describe``:
        describes to read in the same call. ``extra``: a caller's own lookups (answers in
        ``Facts.extra``; they may need :data:`CONTACTS`)."""
        known = known or {}
        skip = set(known)
        known_ids = sorted({i for i in known.values() if i})
        values = sorted(
            {r.match_value for r in rows if r.match_value and r.contact_key not in skip}
        )
        ids = sorted({r.contact_id for r in rows if r.contact_id and r.contact_key not in skip})
        apps = sorted(
            {r.via_application for r in rows if r.via_application and r.contact_key not in skip}
        )
        wants_files = any(r.files for r in rows)
        wants_tasks = any(r.tasks for r in rows)
        batch = LookupBatch(self.api, max_concurrency=self.max_concurrency)
        batch.describe(describe)
        for lookup in self.book.lookups(
            [r.job for r in rows if r.job],
            [u for r in rows for u in (r.user, *(t.user for t in r.tasks)) if u],
        ):
            batch.add(lookup)
        single = len(values) + len(ids) + len(apps) == 1 and len(rows) == 1
        scanned: dict[str, list[Row]] = {}
        if self.scan is not None:
            scanned = self.scan.contacts(values)
        elif values:
            batch.add(Lookup(CONTACTS, lambda _: self._contact_queries(values, single)))
        if ids:
            batch.add(
                Lookup(
                    CONTACTS_BY_ID,
                    lambda _: in_queries(
                        self.api,
                        f"SELECT {self._contact_fields()} FROM {CONTACT} WHERE Id IN {{values}}",
                        ids,
                    ),
                )
            )
        if apps:
            batch.add(
                Lookup(
                    CONTACTS_BY_APP,
                    lambda _: in_queries(
                        self.api,
                        f"SELECT Id, {self._candidate_fields()} FROM {APPLICANT} "
                        "WHERE Id IN {values}",
                        apps,
                    ),
                )
            )
        # What the Contacts' own lookups depend on: the Contacts found by the lookups above,
        # and those a scan found already.
        sources = tuple(
            k
            for k, asked in (
                (CONTACTS, values and self.scan is None),
                (CONTACTS_BY_ID, ids),
                (CONTACTS_BY_APP, apps),
            )
            if asked
        )
        fixed = sorted(
            {to_18(str(c["Id"])) for found in scanned.values() for c in found} | set(known_ids)
        )
        id_field = {CONTACTS: "Id", CONTACTS_BY_ID: "Id", CONTACTS_BY_APP: self.rules.contact_link}

        def contact_ids(found: Answers | None, among: tuple[str, ...] = sources) -> list[str | Ref]:
            if found is None and among:
                return [Ref(among[0], id_field[among[0]])]
            ids_found = {
                to_18(str(r[id_field[key]]))
                for key in among
                for r in (found or {}).get(key, [])
                if r.get(id_field[key])
            }
            return [*sorted(ids_found.union(fixed))]

        def dependent(key: str, build: Any, among: tuple[str, ...] = sources) -> None:
            if children and (among or fixed):
                batch.add(Lookup(key, build, needs=among, foldable=single))

        if self.scan is None:
            dependent(APPLICANTS, lambda found: self._applicant_queries(contact_ids(found)))
        elif ids:  # the scan read the applications of the Contacts it found, not of these
            by_id = (CONTACTS_BY_ID,)
            batch.add(
                Lookup(
                    APPLICANTS,
                    lambda found: self._applicant_queries(
                        [i for i in contact_ids(found, by_id) if i not in fixed]
                    ),
                    needs=by_id,
                )
            )
        if wants_files:
            dependent(
                FILES,
                lambda found: self._in_ids(
                    f"SELECT {', '.join(FILE_FIELDS)} FROM ContentVersion WHERE IsLatest = true AND "
                    f"ContentDocumentId IN (SELECT ContentDocumentId FROM {CONTENT_DOCUMENT_LINK} "
                    "WHERE LinkedEntityId IN {values})",
                    contact_ids(found),
                ),
            )
            if not single:
                # Which Contact each document is on (one Contact: all of them are its own).
                dependent(
                    FILE_LINKS,
                    lambda found: self._in_ids(
                        f"SELECT LinkedEntityId, ContentDocumentId FROM {CONTENT_DOCUMENT_LINK} "
                        "WHERE LinkedEntityId IN {values}",
                        contact_ids(found),
                    ),
                )
        if wants_tasks:
            dependent(TASKS, lambda found: self._task_queries(contact_ids(found), single))
        for lookup in extra:
            batch.add(lookup)
        answers = batch.run()
        self.book.absorb(answers)
        facts = Facts(extra={lk.key: answers.get(lk.key, []) for lk in extra})
        facts.contacts = self._group_contacts(answers.get(CONTACTS, []), values)
        for key, found in scanned.items():
            facts.contacts[f"match:{key}"] = found
        for row in answers.get(CONTACTS_BY_ID, []):
            facts.contacts.setdefault(f"id:{to_18(str(row['Id']))}", []).append(row)
        relationship = relationship_of(self.rules.contact_link)
        for row in answers.get(CONTACTS_BY_APP, []):
            contact = row.get(relationship)
            key = f"app:{to_18(str(row['Id']))}"
            facts.contacts[key] = (
                [dict(contact)] if isinstance(contact, dict) and contact.get("Id") else []
            )
        for row in answers.get(APPLICANTS, []):
            contact = row.get(self.rules.contact_link)
            if contact:
                facts.applicants.setdefault(to_18(str(contact)), []).append(row)
        if self.scan is not None:
            for contact_id, applicants in self.scan.applicants(fixed).items():
                facts.applicants.setdefault(contact_id, []).extend(applicants)
        self._file_facts(facts, answers, rows)
        for row in answers.get(TASKS, []):
            if row.get("WhoId"):
                facts.tasks.setdefault(to_18(str(row["WhoId"])), []).append(row)
        return facts

    def _file_facts(self, facts: Facts, answers: Answers, rows: Sequence[PlannedRow]) -> None:
        versions = answers.get(FILES, [])
        if not versions:
            return
        if FILE_LINKS in answers:
            owners: dict[str, list[str]] = {}
            for link in answers[FILE_LINKS]:
                owners.setdefault(str(link["ContentDocumentId"]), []).append(
                    to_18(str(link["LinkedEntityId"]))
                )
        else:  # one row, one Contact: every file found is on it
            contact = next(
                (to_18(str(c["Id"])) for found in facts.contacts.values() for c in found), None
            )
            owners = {str(v["ContentDocumentId"]): [contact] for v in versions if contact}
        for version in versions:
            for owner in owners.get(str(version["ContentDocumentId"]), []):
                facts.files.setdefault(owner, {}).setdefault(
                    str(version["Checksum"]),
                    {"Id": version["Id"], "ContentDocumentId": version["ContentDocumentId"]},
                )

    # -- queries --------------------------------------------------------------------------------

    def _contact_names(self) -> list[str]:
        rules = self.rules
        compared = rules.contact_fields if rules.when_found != "reuse" else ()
        return [
            "Id",
            "CreatedDate",
            *([rules.match_field] if rules.match_field else []),
            *compared,
            *self.selection.contact_fields,
        ]

    def _contact_fields(self) -> str:
        return _fields(self._contact_names())

    def _candidate_fields(self) -> str:
        """The Contact's fields read through an applicant's lookup to it."""
        link = self.rules.contact_link
        relationship = relationship_of(link)
        return _fields([link, *(f"{relationship}.{n}" for n in self._contact_names())])

    def _contact_queries(self, values: list[str], single: bool) -> list[str]:
        field_name = self.rules.match_field
        assert field_name is not None  # a row has a match value only when there is a field
        # One value: its first row is the one reused (oldest, or newest), so a dependent query
        # in the same call can reference records[0].
        order = "DESC" if single and self.rules.when_many == "newest" else "ASC"
        return in_queries(
            self.api,
            f"SELECT {self._contact_fields()} FROM {CONTACT} WHERE {field_name} IN {{values}} "
            f"ORDER BY CreatedDate {order}, Id {order}",
            values,
        )

    def _applicant_queries(self, contacts: list[str | Ref]) -> list[str]:
        rules = self.rules
        fields = _fields(
            [
                "Id",
                "CreatedDate",
                rules.contact_link,
                rules.job_link,
                rules.stage_link,
                *self.selection.applicant_fields,
            ]
        )
        return self._in_ids(
            f"SELECT {fields} FROM {APPLICANT} WHERE {rules.contact_link} IN {{values}} "
            "ORDER BY CreatedDate ASC, Id ASC",
            contacts,
        )

    def _task_queries(self, contacts: list[str | Ref], single: bool) -> list[str]:
        limit = f" LIMIT {RECENT_TASKS}" if single else ""
        return self._in_ids(
            f"SELECT {', '.join(TASK_FIELDS)} FROM {TASK} WHERE WhoId IN {{values}} "
            f"ORDER BY CreatedDate DESC, Id DESC{limit}",
            contacts,
        )

    def _in_ids(self, template: str, values: list[str | Ref]) -> list[str]:
        refs = [v for v in values if isinstance(v, Ref)]
        if refs:
            return [template.replace("{values}", quote_values(refs))]
        return in_queries(self.api, template, [str(v) for v in values])

    def _group_contacts(self, rows: list[Row], values: Sequence[str]) -> dict[str, list[Row]]:
        wanted = set(values)
        out: dict[str, list[Row]] = {}
        field_name = self.rules.match_field or ""
        for row in rows:
            value = self.rules.normalize(get_path(row, field_name))
            if value in wanted:
                out.setdefault(f"match:{value}", []).append(row)
        for matches in out.values():  # several queries may each hold some of one value's rows
            matches.sort(key=lambda m: (str(m.get("CreatedDate") or ""), to_18(str(m["Id"]))))
        return out


def _fields(names: Iterable[str]) -> str:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return ", ".join(seen.values())
