"""``read(model, since, include_deleted)``: unified objects streamed from Salesforce.

The main query runs in ``SystemModstamp, Id`` order and is consumed page by page (Salesforce's
pages of 2,000 rows through ``nextRecordsUrl``): each page's nested data is fetched with a few
``IN`` queries, its rows are converted and handed out one by one, and the page is dropped. So
memory stays flat however many rows the org has. See ``docs/reading.md`` for API call counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from asymbl_sf.errors import ConfigurationError, PayloadError, Problem, SalesforceError
from asymbl_sf.reading.catalog import MODELS
from asymbl_sf.reading.delta import EdgeTracker, Watermark, parse_since
from asymbl_sf.reading.errors import explain
from asymbl_sf.reading.models import READERS, ModelReader, ReadContext
from asymbl_sf.reading.nested import PageLookups, StageIndex, ids_of
from asymbl_sf.reading.soql import MAX_ENCODED_QUERY, changed_after, id_chunks, is_in
from asymbl_sf.reading.spec import ReadMapping
from asymbl_sf.reading.watermarks import WatermarkStore
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.state.ledger import CreatedLedger

#: Rows converted together (Salesforce's own page size): what nested lookups are batched by.
PAGE_SIZE = 2_000
#: Models that ``created_only`` applies to.
CREATED_ONLY_MODELS = ("applications", "candidates")


@dataclass
class ReadStats:
    """What one read did; complete once its stream is exhausted."""

    model: str
    #: The model plus the filters that narrow it: the key of its watermark.
    scope: str
    #: Where the delta started (overlap included), or None for a full read.
    since: datetime | None = None
    #: True when ``since="last"`` found no watermark and so read everything.
    no_watermark: bool = False
    rows: int = 0
    deleted: int = 0
    #: Rows the previous read already returned (its watermark's edge), not returned again.
    skipped: int = 0
    api_calls: int = 0
    #: The watermark saved when the read completed (None: the read saw no row).
    watermark: str | None = None
    complete: bool = False


class ReadStream(Iterator[dict[str, Any]]):
    """The unified objects of one read, one at a time; ``stats`` fills in as they come."""

    def __init__(self, rows: Iterator[dict[str, Any]], stats: ReadStats) -> None:
        self._rows = rows
        self.stats = stats

    def __iter__(self) -> ReadStream:
        return self

    def __next__(self) -> dict[str, Any]:
        return next(self._rows)


@dataclass
class ReadRequest:
    model: str
    since: datetime | str | None = None
    include_deleted: bool = False
    created_only: bool = False
    all_contacts: bool = False
    remote_data: bool = False

    @property
    def scope(self) -> str:
        narrowed = [
            name
            for name, on in (
                ("created_only", self.created_only),
                ("all_contacts", self.all_contacts),
            )
            if on
        ]
        return ".".join([self.model, *narrowed])


class Reader:
    """Reads unified models from one org through one read mapping."""

    def __init__(
        self,
        api: SalesforceApi,
        mapping: ReadMapping,
        instance_url: str,
        watermarks: WatermarkStore,
        ledger: CreatedLedger | None,
        *,
        page_size: int = PAGE_SIZE,
        query_budget: int = MAX_ENCODED_QUERY,
    ) -> None:
        self.api = api
        self.mapping = mapping
        self.instance_url = instance_url
        self.watermarks = watermarks
        self.ledger = ledger
        self.page_size = page_size
        self.query_budget = query_budget

    def read(
        self,
        model: str,
        since: datetime | str | None = None,
        include_deleted: bool = False,
        *,
        created_only: bool = False,
        all_contacts: bool = False,
        remote_data: bool = False,
    ) -> ReadStream:
        """Check the request now (a mistake fails before any API call); read lazily."""
        request = ReadRequest(
            model, parse_since(since), include_deleted, created_only, all_contacts, remote_data
        )
        self._check(request)
        stats = ReadStats(model, request.scope)
        return ReadStream(self._rows(request, stats), stats)

    def _check(self, request: ReadRequest) -> None:
        if request.model not in MODELS:
            known = ", ".join(MODELS)
            raise PayloadError(
                Problem("model", f"unknown model '{request.model}'; models: {known}")
            )
        if request.created_only and request.model not in CREATED_ONLY_MODELS:
            raise PayloadError(Problem("created_only", "only for applications and candidates"))
        if request.all_contacts and request.model != "candidates":
            raise PayloadError(Problem("all_contacts", "only for candidates"))
        if request.all_contacts and request.created_only:
            raise PayloadError(Problem("all_contacts", "cannot be combined with created_only"))
        if request.created_only and self.ledger is None:
            raise ConfigurationError(
                "created_only needs the ledger of created records, and this client keeps none "
                "(it was made with ledger=False)"
            )

    # -- the stream -----------------------------------------------------------------------------

    def _rows(self, request: ReadRequest, stats: ReadStats) -> Iterator[dict[str, Any]]:
        start = self.api.usage.calls
        try:
            yield from self._read(request, stats)
        except SalesforceError as exc:
            raise explain(exc, self.mapping) from None
        finally:
            stats.api_calls = self.api.usage.calls - start

    def _read(self, request: ReadRequest, stats: ReadStats) -> Iterator[dict[str, Any]]:
        lookups = PageLookups(self.api, self.query_budget)
        ctx = ReadContext(
            self.mapping,
            self.instance_url,
            lookups,
            StageIndex(lookups, self.mapping.model("job_stages")),
            request.remote_data,
            request.all_contacts,
        )
        reader = READERS[request.model](ctx)
        overlap = timedelta(seconds=self.mapping.settings.overlap_seconds)
        previous = self._previous(request, stats)
        moment = previous.moment if previous else request.since
        if isinstance(moment, datetime):
            stats.since = moment - overlap
        with_deleted = request.include_deleted or stats.since is not None
        tracker = EdgeTracker(overlap)
        for soql, query_all in self._queries(reader, request, stats.since, with_deleted):
            rows = self.api.query_iter(soql, include_deleted=query_all, prefetch=True)
            while page := list(islice(rows, self.page_size)):
                kept = []
                for row in page:
                    tracker.see(row["Id"], row["SystemModstamp"])
                    if previous is not None and previous.already_read(
                        row["Id"], row["SystemModstamp"]
                    ):
                        stats.skipped += 1
                    else:
                        kept.append(row)
                reader.prepare(kept)
                for row in kept:
                    for out in reader.convert(row):
                        stats.rows += 1
                        stats.deleted += out["remote_deleted_at"] is not None
                        yield out
        mark = tracker.watermark()
        if mark is not None:
            self.watermarks.save(request.scope, mark)
            stats.watermark = mark.stamp
        stats.complete = True

    def _previous(self, request: ReadRequest, stats: ReadStats) -> Watermark | None:
        if request.since != "last":
            return None
        previous = self.watermarks.load(request.scope)
        stats.no_watermark = previous is None
        return previous

    def _queries(
        self, reader: ModelReader, request: ReadRequest, since: datetime | None, with_deleted: bool
    ) -> Iterator[tuple[str, bool]]:
        """The main queries of a read (usually one) and whether each is a ``queryAll``."""
        delta = [changed_after(since)] if since is not None else []
        if request.created_only:
            ids = sorted(self._created_ids(reader))
            for chunk in id_chunks(
                ids, lambda c: reader.query([*delta, is_in("Id", c)]), self.query_budget
            ):
                yield reader.query([*delta, is_in("Id", chunk)]), with_deleted
        elif reader.deleted_apart and with_deleted and reader.conditions():
            yield reader.query([*delta, *reader.conditions(), "IsDeleted = false"]), True
            yield reader.query([*delta, "IsDeleted = true"]), True
        else:
            yield reader.query([*delta, *reader.conditions()]), with_deleted

    def _created_ids(self, reader: ModelReader) -> set[str]:
        """Ids in the ledger; for candidates, the Contacts created and the candidates of the
        applications created (an application on an existing Contact makes it ours to sync)."""
        assert self.ledger is not None
        applications = self.mapping.model("applications")
        created_applications = self.ledger.ids(applications.sobject)
        if reader.name == "applications":
            return created_applications
        ids = self.ledger.ids(reader.sobject)
        link = applications.fields["candidate_id"].field or ""
        rows = PageLookups(self.api, self.query_budget).rows(
            applications.sobject, ["Id", link], "Id", sorted(created_applications), []
        )
        ids.update(ids_of(row.get(link) for row in rows))
        return ids
