"""What the org already holds: Contacts by match value, applications by (Contact, job).

Two ways to ask, one interface (:class:`OrgLookup`):

- :class:`RestLookup` asks per chunk, with ``IN`` lists five queries to a Composite call
  (:mod:`asymbl_sf.importing.queries`): the right cost for thousands of records.
- :class:`ScannedLookup` answers from a Bulk API 2.0 scan done once before the records are
  decided (:func:`scan_org`): every Contact with a match value, and every application on the
  file's jobs, streamed into the run's temporary database. A few calls whatever the volume.

The same REST lookups check, after a write whose answer was lost, what actually landed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from asymbl_sf.dedupe import normalize_email
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.bulk import Bulk2
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.schema.ids import to_18

from .planning import APPLICANT
from .queries import in_queries, run_queries
from .state import RunState, match_key

Pair = tuple[str, str]  # (Contact id, job id)


class OrgLookup(Protocol):
    def contacts(self, values: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Contacts whose match field equals each (normalised) value, oldest first."""

    def applicants(self, pairs: Sequence[Pair]) -> dict[Pair, str]:
        """The id of an application for each (Contact id, job id) that has one."""


class RestLookup:
    """Lookups through REST queries, batched."""

    def __init__(
        self,
        api: SalesforceApi,
        match_field: str,
        *,
        contact_field: str,
        job_field: str,
        max_concurrency: int = 1,
    ) -> None:
        self.api = api
        self.match_field = match_field
        self.contact_field = contact_field
        self.job_field = job_field
        self.max_concurrency = max_concurrency

    def contacts(self, values: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        if not values:
            return {}
        field = self.match_field
        soqls = in_queries(
            self.api,
            f"SELECT Id, {field}, CreatedDate FROM Contact WHERE "
            f"{field} IN {{values}} ORDER BY CreatedDate ASC, Id ASC",
            values,
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for rows in run_queries(self.api, soqls, max_concurrency=self.max_concurrency):
            for row in rows:
                value = normalize_email(_get(row, field))
                if value is not None:
                    out.setdefault(value, []).append(
                        {"Id": to_18(str(row["Id"])), "CreatedDate": row.get("CreatedDate")}
                    )
        for matches in out.values():  # several queries may each hold some of one value's rows
            matches.sort(key=lambda m: (str(m.get("CreatedDate") or ""), m["Id"]))
        return out

    def applicants(self, pairs: Sequence[Pair]) -> dict[Pair, str]:
        if not pairs:
            return {}
        wanted = set(pairs)
        jobs = sorted({job for _, job in wanted})
        template = (
            f"SELECT Id, {self.contact_field}, {self.job_field} FROM {APPLICANT} "
            f"WHERE {self.job_field} IN {format_soql('{}', jobs)} AND "
            f"{self.contact_field} IN {{values}} ORDER BY CreatedDate ASC, Id ASC"
        )
        soqls = in_queries(self.api, template, [contact for contact, _ in wanted])
        out: dict[Pair, str] = {}
        for rows in run_queries(self.api, soqls, max_concurrency=self.max_concurrency):
            for row in rows:
                contact, job = row.get(self.contact_field), row.get(self.job_field)
                pair = (to_18(str(contact)), to_18(str(job)))
                if pair in wanted:
                    out.setdefault(pair, to_18(str(row["Id"])))
        return out


class ScannedLookup:
    """Lookups answered from the run's temporary database, filled by :func:`scan_org`."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def contacts(self, values: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        keys = {match_key(v): v for v in values}
        found = self.state.org_contacts(list(keys))
        return {keys[key]: matches for key, matches in found.items()}

    def applicants(self, pairs: Sequence[Pair]) -> dict[Pair, str]:
        return self.state.org_applicants(pairs)


def scan_org(
    bulk: Bulk2,
    state: RunState,
    *,
    match_field: str,
    contact_field: str,
    job_field: str,
    job_ids: Iterable[str],
) -> None:
    """Read every Contact with a match value, and every application on ``job_ids``, with Bulk
    API 2.0 query jobs, into ``state`` (a few API calls, however many records)."""
    contact_rows = (
        (match_key(value), to_18(row["Id"]), row.get("CreatedDate") or "")
        for row in bulk.query(
            f"SELECT Id, {match_field}, CreatedDate FROM Contact WHERE {match_field} != null"
        )
        if (value := normalize_email(_get(row, match_field))) is not None
    )
    state.add_org_contacts(contact_rows)
    jobs = sorted(set(job_ids))
    # A SOQL statement holds at most 100,000 characters: about 4,000 job ids per query.
    for start in range(0, len(jobs), 4_000):
        batch = jobs[start : start + 4_000]
        rows = bulk.query(
            f"SELECT Id, {contact_field}, {job_field} FROM {APPLICANT} "
            f"WHERE {job_field} IN {format_soql('{}', batch)} "
            f"AND {contact_field} != null"
        )
        state.add_org_applicants(
            (to_18(row[contact_field]), to_18(row[job_field]), to_18(row["Id"]))
            for row in rows
            if row.get(contact_field) and row.get(job_field)
        )


def _get(row: dict[str, Any], name: str) -> Any:
    """A field of a row, whatever the case of its name (SOQL answers with the field's own)."""
    if name in row:
        return row[name]
    lowered = name.lower()
    return next((v for k, v in row.items() if k.lower() == lowered), None)
