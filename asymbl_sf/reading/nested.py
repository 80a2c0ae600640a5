"""What a page of rows needs besides itself: records looked up by the page's ids.

A job's stages, a candidate's applications and a stage's index are not on the row; fetching them
row by row would cost one API call per row, and fetching them all up front would hold the whole
org in memory. So they are fetched per page of the main query (2,000 rows), with ``IN`` lists cut
to Salesforce's URI limit: a handful of calls per page, and only one page in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence

from asymbl_sf.reading.convert import Row, get_path
from asymbl_sf.reading.soql import MAX_ENCODED_QUERY, id_chunks, is_in, query, stage_order
from asymbl_sf.reading.spec import ModelSpec
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.schema.ids import looks_like_id, to_18

#: Jobs whose stage order :class:`StageIndex` remembers (least recently used ones are dropped
#: and fetched again if needed), so memory does not grow with the number of jobs.
STAGE_INDEX_JOBS = 2_000


def ids_of(values: Iterable[object]) -> list[str]:
    """The distinct ids among ``values`` (18 characters; nulls and non-ids left out)."""
    out: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and looks_like_id(value):
            out[to_18(value)] = None
    return list(out)


class PageLookups:
    """Queries by a list of ids, cut into chunks whose URL Salesforce accepts."""

    def __init__(self, api: SalesforceApi, budget: int = MAX_ENCODED_QUERY) -> None:
        self.api = api
        self.budget = budget

    def rows(
        self,
        sobject: str,
        fields: Sequence[str],
        key_field: str,
        ids: Sequence[str],
        order_by: Sequence[str],
    ) -> Iterator[Row]:
        """Live rows of ``sobject`` whose ``key_field`` is one of ``ids``."""

        def build(chunk: Sequence[str]) -> str:
            return query(sobject, fields, [is_in(key_field, chunk)], order_by)

        for chunk in id_chunks(ids, build, self.budget):
            yield from self.api.query_iter(build(chunk))


class StageIndex:
    """The place (0, 1, ...) of each stage among its job's stages, counted the way the write
    results count it (``bpats__Sequence__c``, nulls last, then name)."""

    def __init__(
        self, lookups: PageLookups, job_stages: ModelSpec, capacity: int = STAGE_INDEX_JOBS
    ) -> None:
        self.lookups = lookups
        self.sobject = job_stages.sobject
        link = job_stages.fields["job_id"].field
        assert link is not None  # a link is a plain field (checked by the loader)
        self.job_field = link
        self.order = stage_order(job_stages.order_by)
        self.capacity = capacity
        self._jobs: OrderedDict[str, dict[str, int]] = OrderedDict()

    def prefetch(self, job_ids: Iterable[object]) -> None:
        """Fetch the stage order of the jobs not known yet (one query per chunk of jobs)."""
        missing = [j for j in ids_of(job_ids) if j not in self._jobs]
        if not missing:
            return
        found: dict[str, dict[str, int]] = {j: {} for j in missing}
        for row in self.lookups.rows(
            self.sobject, ["Id", self.job_field], self.job_field, missing, self.order
        ):
            job = get_path(row, self.job_field)
            if isinstance(job, str) and job in found:
                found[job][row["Id"]] = len(found[job])
        for job, places in found.items():
            self._remember(job, places)

    def _remember(self, job: str, places: dict[str, int]) -> None:
        self._jobs[job] = places
        self._jobs.move_to_end(job)
        while len(self._jobs) > self.capacity:
            self._jobs.popitem(last=False)

    def index(self, job_id: object, stage_id: object) -> int | None:
        if not isinstance(job_id, str):
            return None
        # Salesforce answers with 18-character ids, so the common case is a plain dict hit.
        places = self._jobs.get(job_id)
        if places is None:
            if not looks_like_id(job_id):
                return None
            job_id = to_18(job_id)
            if job_id not in self._jobs:
                self.prefetch([job_id])
            places = self._jobs[job_id]
        self._jobs.move_to_end(job_id)
        if not isinstance(stage_id, str):
            return None
        found = places.get(stage_id)
        if found is None and looks_like_id(stage_id):
            found = places.get(to_18(stage_id))
        return found

    def learn(self, job_id: str, stage_ids: Sequence[str]) -> None:
        """Remember a job's stages, already fetched in order by someone else."""
        self._remember(to_18(job_id), {to_18(s): i for i, s in enumerate(stage_ids)})


def grouped(rows: Iterable[Row], key: Callable[[Row], object]) -> dict[str, list[Row]]:
    """Rows by the id ``key`` gives (rows without one are left out), in arrival order."""
    out: dict[str, list[Row]] = {}
    for row in rows:
        value = key(row)
        if isinstance(value, str) and looks_like_id(value):
            out.setdefault(to_18(value), []).append(row)
    return out
