"""Lookups sent in as few API calls as Salesforce's limits allow, for one record or a million.

Three limits shape every lookup:

* a query goes in a URL, and Salesforce refuses a request line and headers over 16,384 bytes,
  so an ``IN`` list of thousands of emails is split into queries of at most :data:`MAX_QUERY_URL`
  bytes each (:func:`in_queries`);
* one Composite call carries at most five query subrequests (and 25 subrequests in all), so
  queries travel five at a time, up to ``max_concurrency`` calls at once;
* a lookup that depends on another one's answer (the applications of the Contacts found by
  email) needs that answer first. For a single record, Composite can carry both in one call:
  the dependent query names the first record of the other answer with a reference
  (``'@{contacts.records[0].Id}'``), which Composite substitutes before running it. For many
  records (or when the call is full) the dependent queries wait for the answer and are built from
  its ids.

:class:`LookupBatch` does all three: callers declare lookups, the batch packs them into calls.
A dependent query whose reference cannot be resolved (the query it depends on found nothing)
fails in Composite; that failure just means "nothing found".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from asymbl_sf.errors import SalesforceError
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest, SubResponse
from asymbl_sf.salesforce.concurrency import map_concurrently
from asymbl_sf.salesforce.soql import format_soql

#: Longest query URL sent: the 16,384 bytes Salesforce allows for the request line and headers,
#: less room for the headers (authorization, content type, user agent).
MAX_QUERY_URL = 14_000
#: Composite allows five query (or collection) subrequests per call, 25 subrequests in all.
QUERIES_PER_CALL = 5
SUBREQUESTS_PER_CALL = 25

Row = dict[str, Any]
#: Rows found per lookup key (every query of the lookup, concatenated).
Answers = dict[str, list[Row]]


@dataclass(frozen=True)
class Ref:
    """A value not known yet: ``field`` of the first record another lookup (``key``) finds,
    written as a Composite reference so both can travel in one call."""

    key: str
    field: str = "Id"

    def soql(self) -> str:
        return f"'@{{{self.key}.records[0].{self.field}}}'"


def quote_values(values: Sequence[str | Ref]) -> str:
    """An ``IN`` list: ``('a','b')``, references left as references."""
    return (
        "("
        + ",".join(v.soql() if isinstance(v, Ref) else format_soql("{}", v) for v in values)
        + ")"
    )


def in_queries(api: SalesforceApi, template: str, values: Iterable[str]) -> list[str]:
    """``template`` (with one ``{values}`` placeholder for the IN list) filled with as many
    ``values`` per query as fit in :data:`MAX_QUERY_URL`. No values: no query."""
    out: list[str] = []
    batch: list[str] = []
    base = len(api.query_url(template.replace("{values}", "()")))
    size = base
    for value in sorted(set(values)):
        # The quoted, escaped literal as it appears URL-encoded, plus the encoded comma.
        piece = len(quote(format_soql("{}", value), safe="")) + len("%2C")
        if batch and size + piece > MAX_QUERY_URL:
            out.append(template.replace("{values}", format_soql("{}", batch)))
            batch, size = [], base
        batch.append(value)
        size += piece
    if batch:
        out.append(template.replace("{values}", format_soql("{}", batch)))
    return out


@dataclass
class Lookup:
    """One thing to find out: the rows of one or more queries, under ``key``.

    ``build(None)`` gives the queries with :class:`Ref` values for what the lookups in ``needs``
    find (only when ``foldable``: each need is one record); ``build(answers)`` gives them with the
    ids those lookups found. A lookup without needs ignores its argument. An empty list of
    queries means nothing needs to be asked.
    """

    key: str
    build: Callable[[Answers | None], list[str]]
    needs: tuple[str, ...] = ()
    #: Whether its queries may reference the needs' first record (one record each).
    foldable: bool = False


class LookupBatch:
    """Lookups (and describes) to send together; :meth:`run` sends them in as few calls as fit."""

    def __init__(self, api: SalesforceApi, *, max_concurrency: int = 1) -> None:
        self.api = api
        self.max_concurrency = max(1, max_concurrency)
        self.lookups: list[Lookup] = []
        self.describes: list[str] = []

    def add(self, lookup: Lookup) -> None:
        self.lookups.append(lookup)

    def describe(self, names: Iterable[str]) -> None:
        """Read the describes of ``names`` in the first call (remembered by the api)."""
        self.describes.extend(n for n in names if n not in self.describes)

    def run(self) -> Answers:
        answers: Answers = {}
        independent = [lk for lk in self.lookups if not lk.needs]
        dependent = [lk for lk in self.lookups if lk.needs]
        first = {lk.key: lk.build(None) for lk in independent}
        folded = {lk.key: lk.build(None) for lk in dependent if lk.foldable}
        count = sum(len(q) for q in first.values())
        describes = len(self.describes)
        if (
            dependent
            and len(folded) == len(dependent)
            and count + sum(len(q) for q in folded.values()) <= QUERIES_PER_CALL
            and describes + count + sum(len(q) for q in folded.values()) <= SUBREQUESTS_PER_CALL
        ):
            # One call: the dependent queries ride along as references.
            answers.update(self._one_call({**first, **folded}, needs=_needs(dependent)))
            return answers
        answers.update(self._send(first))
        # The needs are met now: build with the ids found. (A lookup depends on independent
        # ones only; a deeper chain would need more rounds, and none is asked for.)
        built = {lk.key: lk.build(answers) for lk in dependent}
        answers.update(self._send(built))
        return answers

    # -- sending --------------------------------------------------------------------------------

    def _one_call(
        self, queries: dict[str, list[str]], *, needs: dict[str, tuple[str, ...]]
    ) -> Answers:
        subs = self._describe_subrequests()
        keyed: list[tuple[str, SubRequest]] = []
        for key, soqls in queries.items():
            for i, soql in enumerate(soqls):
                ref = key if len(soqls) == 1 else f"{key}_{i}"
                keyed.append((key, SubRequest("GET", self.api.query_url(soql), ref)))
        subs.extend(sub for _, sub in keyed)
        replies = self.api.composite(subs, all_or_none=False) if subs else {}
        self._remember_describes(replies)
        out: Answers = {key: [] for key in queries}
        for key, sub in keyed:
            reply = replies.get(sub.reference_id)
            if reply is None:
                raise SalesforceError("Salesforce answered without one of the lookups sent")
            if reply.ok:
                out[key].extend(self._all_pages(reply))
                continue
            unmet = [n for n in needs.get(key, ()) if not out.get(n)]
            if unmet and _is_unresolved_reference(reply):
                continue  # what it depends on found nothing: so does it
            raise reply.error()
        return out

    def _send(self, queries: dict[str, list[str]]) -> Answers:
        """Independent queries, five per call, several calls at once; the describes ride in the
        first call."""
        flat = [(key, soql) for key, soqls in queries.items() for soql in soqls]
        groups = [flat[i : i + QUERIES_PER_CALL] for i in range(0, len(flat), QUERIES_PER_CALL)]
        if self.describes and not groups:
            groups = [[]]
        with_describes = [True] + [False] * (len(groups) - 1) if groups else []
        results = map_concurrently(
            lambda item: self._send_group(item[0], describes=item[1]),
            list(zip(groups, with_describes, strict=True)),
            self.max_concurrency,
        )
        out: Answers = {key: [] for key in queries}
        for group in results:
            for key, rows in group:
                out[key].extend(rows)
        return out

    def _send_group(
        self, group: list[tuple[str, str]], *, describes: bool
    ) -> list[tuple[str, list[Row]]]:
        subs = self._describe_subrequests() if describes else []
        if not subs and len(group) == 1:
            return [(group[0][0], self.api.query(group[0][1]))]
        keyed = [
            (key, SubRequest("GET", self.api.query_url(soql), f"q{i}"))
            for i, (key, soql) in enumerate(group)
        ]
        replies = self.api.composite([*subs, *(s for _, s in keyed)], all_or_none=False)
        if describes:
            self._remember_describes(replies)
        out: list[tuple[str, list[Row]]] = []
        for key, sub in keyed:
            reply = replies.get(sub.reference_id)
            if reply is None or not reply.ok:
                raise (
                    reply.error()
                    if reply is not None
                    else SalesforceError("Salesforce answered without one of the queries sent")
                )
            out.append((key, self._all_pages(reply)))
        return out

    def _all_pages(self, reply: SubResponse) -> list[Row]:
        body = reply.body if isinstance(reply.body, dict) else {}
        rows = list(body.get("records") or [])
        next_url = body.get("nextRecordsUrl")
        while not body.get("done", True) and next_url:
            body = self.api.restful(_relative(self.api, str(next_url))) or {}
            rows.extend(body.get("records") or [])
            next_url = body.get("nextRecordsUrl")
        return rows

    def _describe_subrequests(self) -> list[SubRequest]:
        return [
            SubRequest("GET", self.api.describe_url(name), f"describe_{i}")
            for i, name in enumerate(self.describes)
        ]

    def _remember_describes(self, replies: dict[str, SubResponse]) -> None:
        for i, name in enumerate(self.describes):
            reply = replies.get(f"describe_{i}")
            if reply is None or not reply.ok:
                raise (
                    reply.error()
                    if reply is not None
                    else SalesforceError(f"the describe of {name} got no answer")
                )
            self.api.remember_describe(reply.body)
        self.describes = []


def run_queries(
    api: SalesforceApi, soqls: Sequence[str], *, max_concurrency: int = 1
) -> list[list[Row]]:
    """Every row of each query (in the order given), five queries per Composite call, up to
    ``max_concurrency`` calls at a time. A query Salesforce refuses raises its error."""
    batch = LookupBatch(api, max_concurrency=max_concurrency)
    for i, soql in enumerate(soqls):
        batch.add(Lookup(f"q{i}", _fixed(soql)))
    answers = batch.run()
    return [answers[f"q{i}"] for i in range(len(soqls))]


def _fixed(soql: str) -> Callable[[Answers | None], list[str]]:
    """A lookup's builder that always gives ``soql``."""
    return lambda _answers: [soql]


def _needs(lookups: Sequence[Lookup]) -> dict[str, tuple[str, ...]]:
    return {lk.key: lk.needs for lk in lookups}


def _is_unresolved_reference(reply: SubResponse) -> bool:
    """Composite's answer to a subrequest whose ``@{...}`` named a value that does not exist."""
    return reply.status == 400 and "Invalid reference specified" in str(reply.body)


def _relative(api: SalesforceApi, url: str) -> str:
    """``/services/data/vXX.X/query/01g...`` → ``query/01g...`` (what ``restful`` takes)."""
    marker = f"{api.base_path}/"
    return url.split(marker, 1)[1] if marker in url else url.lstrip("/")


__all__ = [
    "MAX_QUERY_URL",
    "QUERIES_PER_CALL",
    "Answers",
    "Lookup",
    "LookupBatch",
    "Ref",
    "in_queries",
    "map_concurrently",
    "quote_values",
    "run_queries",
]
