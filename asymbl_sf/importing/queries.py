"""Batched SOQL for imports: ``IN`` lists sized to Salesforce's limits, five queries per call.

A lookup of thousands of emails is split into queries whose URL stays under the 16,384-byte
limit Salesforce puts on a request line and headers (SOQL's own limit, 100,000 characters, is
far above that once the query is URL-encoded), and the queries go out five at a time inside one
Composite request (Composite takes at most five query subrequests): 2,000 emails cost about one
API call. A query with more rows than one page follows ``nextRecordsUrl`` (one call per page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import quote

from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.salesforce.soql import format_soql

#: Longest query URL sent: the 16,384 bytes Salesforce allows for the request line and headers,
#: less room for the headers (authorization, content type, user agent).
MAX_QUERY_URL = 14_000
#: Composite allows five query (or collection) subrequests per call.
QUERIES_PER_CALL = 5


def in_queries(api: SalesforceApi, template: str, values: Iterable[str]) -> list[str]:
    """``template`` (with one ``{values}`` placeholder for the IN list) filled with as many
    ``values`` per query as fit in :data:`MAX_QUERY_URL`."""
    out: list[str] = []
    batch: list[str] = []
    base = len(api.query_url(template.replace("{values}", "()")))
    size = base
    for value in sorted(set(values)):
        # The quoted, escaped literal as it appears URL-encoded, plus the encoded comma.
        piece = len(quote(format_soql("{}", value), safe="")) + len("%2C")
        if batch and size + piece > MAX_QUERY_URL:
            out.append(_fill(template, batch))
            batch, size = [], base
        batch.append(value)
        size += piece
    if batch:
        out.append(_fill(template, batch))
    return out


def _fill(template: str, values: list[str]) -> str:
    return template.replace("{values}", format_soql("{}", values))


def run_queries(
    api: SalesforceApi,
    soqls: Sequence[str],
    *,
    max_concurrency: int = 1,
) -> list[list[dict[str, Any]]]:
    """Every row of each query (in the order given), five queries per Composite call, up to
    ``max_concurrency`` calls at a time. A query Salesforce refuses raises its error."""
    groups = [list(soqls[i : i + QUERIES_PER_CALL]) for i in range(0, len(soqls), QUERIES_PER_CALL)]
    answers = map_concurrently(lambda group: _run_group(api, group), groups, max_concurrency)
    return [rows for group in answers for rows in group]


def _run_group(api: SalesforceApi, soqls: list[str]) -> list[list[dict[str, Any]]]:
    if len(soqls) == 1:
        return [api.query(soqls[0])]
    subs = [SubRequest("GET", api.query_url(soql), f"q{i}") for i, soql in enumerate(soqls)]
    answers = api.composite(subs, all_or_none=False)
    out: list[list[dict[str, Any]]] = []
    for sub in subs:
        answer = answers.get(sub.reference_id)
        if answer is None or not answer.ok:
            raise (
                answer.error()
                if answer is not None
                else RuntimeError("Salesforce answered without one of the queries sent")
            )
        body = answer.body if isinstance(answer.body, dict) else {}
        rows = list(body.get("records") or [])
        next_url = body.get("nextRecordsUrl")
        while not body.get("done", True) and next_url:
            body = api.restful(_relative(api, str(next_url))) or {}
            rows.extend(body.get("records") or [])
            next_url = body.get("nextRecordsUrl")
        out.append(rows)
    return out


def _relative(api: SalesforceApi, url: str) -> str:
    """``/services/data/vXX.X/query/01g...`` → ``query/01g...`` (what ``restful`` takes)."""
    marker = f"{api.base_path}/"
    return url.split(marker, 1)[1] if marker in url else url.lstrip("/")


T = TypeVar("T")
R = TypeVar("R")


def map_concurrently(
    function: Callable[[T], R], items: Sequence[T], max_concurrency: int
) -> list[R]:
    """``[function(item) ...]`` with at most ``max_concurrency`` running at once, in order.

    The first exception raised by any call is raised once every started call has finished
    (calls not started yet are not started).
    """
    if max_concurrency <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(max_concurrency, len(items))) as pool:
        futures = [pool.submit(function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise
