"""What the org holds, read once for a large run: every Contact with a match value and every
application on the run's jobs, through Bulk API 2.0 query jobs (a few calls, however many
records), into the run state. :class:`OrgScanOf` then answers the facts' Contact and application
lookups from there instead of asking the org per chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from asymbl_sf.reading.convert import get_path
from asymbl_sf.salesforce.bulk import Bulk2
from asymbl_sf.salesforce.soql import format_soql
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import APPLICANT

from .rules import WriteRules
from .state import RunState, match_key

#: A SOQL statement holds at most 100,000 characters: about 4,000 job ids per query.
JOBS_PER_QUERY = 4_000


def scan_org(bulk: Bulk2, state: RunState, rules: WriteRules, job_ids: Iterable[str]) -> None:
    """Read every Contact with a match value, and every application on ``job_ids``, into
    ``state`` (see the module)."""
    field = rules.match_field
    assert field is not None  # a run that scans finds its Contacts by this field
    contact_rows = (
        (match_key(value), to_18(row["Id"]), row.get("CreatedDate") or "")
        for row in bulk.query(f"SELECT Id, {field}, CreatedDate FROM Contact WHERE {field} != null")
        if (value := rules.normalize(get_path(row, field))) is not None
    )
    state.add_org_contacts(contact_rows)
    jobs = sorted(set(job_ids))
    link, job_link = rules.contact_link, rules.job_link
    for start in range(0, len(jobs), JOBS_PER_QUERY):
        batch = jobs[start : start + JOBS_PER_QUERY]
        rows = bulk.query(
            f"SELECT Id, {link}, {job_link} FROM {APPLICANT} "
            f"WHERE {job_link} IN {format_soql('{}', batch)} AND {link} != null"
        )
        state.add_org_applicants(
            (to_18(row[link]), to_18(row[job_link]), to_18(row["Id"]))
            for row in rows
            if row.get(link) and row.get(job_link)
        )


class OrgScanOf:
    """The facts' Contact and application lookups, answered from a scan in ``state``."""

    def __init__(self, state: RunState, rules: WriteRules) -> None:
        self.state = state
        self.rules = rules

    def contacts(self, values: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        keys = {match_key(v): v for v in values}
        found = self.state.org_contacts(list(keys))
        return {keys[key]: matches for key, matches in found.items()}

    def applicants(self, contact_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        rules = self.rules
        return {
            contact: [
                {"Id": applicant, rules.contact_link: contact, rules.job_link: job}
                for job, applicant in pairs
            ]
            for contact, pairs in self.state.org_applicants(contact_ids).items()
        }
