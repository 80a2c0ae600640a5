"""Runs a parsed query against a record store: plan, candidate fetch, filter, sort, page, shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from asymbl_sf.schema import SObjectDescribe

from .errors import SoqlError, located
from .nodes import FieldPath, OrderItem, Query, SelectAggregate, SelectField
from .predicates import IndexCandidate, Predicate, WhereCompiler
from .resolve import Record, ResolvedField, Resolver
from .values import ID, key_function, kind_of

__all__ = ["QueryResult", "QuerySource", "execute"]

#: Salesforce refuses larger offsets.
MAX_OFFSET = 2000
#: Rows an aggregate query may answer: it has no query locator to page with.
MAX_AGGREGATE_ROWS = 2000


class QuerySource(Protocol):
    """What the evaluator needs from the local org's record store."""

    def describe(self, sobject: str) -> SObjectDescribe | None: ...

    def records(self, sobject: str, include_deleted: bool) -> Iterable[dict[str, Any]]: ...

    def get_record(self, sobject: str, record_id: str) -> dict[str, Any] | None: ...

    def indexed_lookup(
        self, sobject: str, field: str, values: list[Any], include_deleted: bool
    ) -> Iterable[dict[str, Any]] | None: ...


@dataclass
class QueryResult:
    records: list[dict[str, Any]]
    total_size: int


@dataclass
class _Plan:
    sobject: str  # canonical name
    where: Predicate | None
    candidates: list[IndexCandidate]


def execute(
    query: Query, source: QuerySource, *, include_deleted: bool = False, api_version: str = "59.0"
) -> QueryResult:
    """The answer Salesforce's ``query`` (``queryAll`` with ``include_deleted``) would give.

    Every name and literal is checked before any record is read, so a bad query fails the same
    way whatever the data.
    """
    run = _Run(source, query.text, include_deleted, api_version.lstrip("vV"))
    describe = run.resolver.describe(query.sobject, query.sobject_pos)
    aggregates = [s for s in query.select if isinstance(s, SelectAggregate)]
    selected = [s for s in query.select if isinstance(s, SelectField)]
    fields = [run.resolver.field(describe, s.path) for s in selected]
    if query.group_by:
        groups = [run.resolver.group_field(describe, g) for g in query.group_by]
        _check_grouped(query, list(zip(selected, fields, strict=True)), groups)
    else:
        groups = []
        _check_select(query, list(zip(selected, fields, strict=True)), aggregates)
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise SoqlError(
            "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
        )
    plan = run.plan(query, describe)
    # Each SELECT item with the field it reads (None for COUNT()).
    columns: list[tuple[SelectAggregate | SelectField, ResolvedField | None]] = []
    by_field = iter(fields)
    for item in query.select:
        if isinstance(item, SelectField):
            columns.append((item, next(by_field)))
        else:
            columns.append(
                (item, None if item.path is None else run.resolver.field(describe, item.path))
            )
    sort = [(run.resolver.sort_field(describe, o.path), o) for o in query.order_by]

    rows = run.matching(plan)
    if query.group_by:
        return _grouped(query, rows, list(zip(query.group_by, groups, strict=True)), columns)
    if aggregates and aggregates[0].path is not None:
        # Aggregate query without GROUP BY: one row, whatever LIMIT/OFFSET say.
        return QueryResult([_aggregate_row(columns, rows)], 1)
    rows = _sorted(rows, sort)
    start = query.offset or 0
    rows = rows[start:] if query.limit is None else rows[start : start + query.limit]
    if aggregates:  # COUNT(): only the number
        return QueryResult([], len(rows))
    shape = _shaper(fields, describe.name, run.url)
    return QueryResult([shape(r) for r in rows], len(rows))


class _Run:
    """State of one execution: the resolver (with its parent cache) and the options."""

    def __init__(
        self, source: QuerySource, text: str, include_deleted: bool, api_version: str
    ) -> None:
        self.source = source
        self.resolver = Resolver(source, text)
        self.include_deleted = include_deleted
        self.api_version = api_version

    def url(self, sobject: str, record_id: Any) -> str:
        return f"/services/data/v{self.api_version}/sobjects/{sobject}/{record_id}"

    def plan(self, query: Query, describe: SObjectDescribe) -> _Plan:
        compiler = WhereCompiler(self.resolver, describe, self.semijoin)
        where = None if query.where is None else compiler.compile(query.where)
        # Most selective first; a semi-join (size 2**30) only if nothing else is indexable.
        candidates = sorted(compiler.candidates, key=lambda c: c.size)
        return _Plan(describe.name, where, candidates)

    def semijoin(self, sub: Query) -> Callable[[], set[str]]:
        """Validates ``field IN (SELECT x FROM ...)``'s subquery now; the thunk runs it."""
        text = self.resolver.text
        describe = self.resolver.describe(sub.sobject, sub.sobject_pos)
        if len(sub.select) != 1 or not isinstance(sub.select[0], SelectField):
            pos = getattr(sub.select[0], "pos", sub.sobject_pos)
            raise SoqlError(
                "MALFORMED_QUERY", located(text, pos, "semi join sub-selects must select one field")
            )
        field = self.resolver.field(describe, sub.select[0].path)
        if kind_of(field.type) != ID:
            message = "semi join sub-selects can only select an id or reference field"
            raise SoqlError("INVALID_FIELD", located(text, sub.select[0].path.pos, message))
        plan = self.plan(sub, describe)
        key, get = key_function(ID), field.get

        def run() -> set[str]:
            values = (key(get(rec)) for rec in self.matching(plan))
            return {v for v in values if v is not None}

        return run

    def matching(self, plan: _Plan) -> list[Record]:
        """Records satisfying the WHERE, from an index when one conjunct allows it."""
        found: Iterable[Record] | None = None
        for cand in plan.candidates:
            found = self.source.indexed_lookup(
                plan.sobject, cand.field, cand.values(), self.include_deleted
            )
            if found is not None:
                break
        if found is None:
            found = self.source.records(plan.sobject, self.include_deleted)
        where, keep_deleted = plan.where, self.include_deleted
        out: list[Record] = []
        seen: set[Any] = set()
        for rec in found:
            if not keep_deleted and rec.get("IsDeleted"):
                continue
            rid = rec.get("Id")
            if rid is not None:
                if rid in seen:
                    continue  # an index may list a record under several values
                seen.add(rid)
            if where is None or where(rec):
                out.append(rec)
        return out


def _check_select(
    query: Query, fields: list[tuple[SelectField, ResolvedField]], counts: list[SelectAggregate]
) -> None:
    """Salesforce's rules for the SELECT list that hold without GROUP BY."""
    text = query.text
    if any(c.path is None for c in counts) and len(query.select) > 1:
        pos = next(c.pos for c in counts if c.path is None)
        raise SoqlError(
            "MALFORMED_QUERY", located(text, pos, "COUNT() must be the only element in SELECT")
        )
    if counts and fields:
        first = fields[0][0]
        message = f"Field must be grouped or aggregated: {first.path.text}"
        raise SoqlError("MALFORMED_QUERY", located(text, first.path.pos, message))
    _check_unique(query, fields)


def _check_unique(query: Query, fields: list[tuple[SelectField, ResolvedField]]) -> None:
    seen: set[str] = set()
    for item, f in fields:
        key = _field_key(f)
        if key in seen:
            message = f"duplicate field selected: {item.path.text}"
            raise SoqlError("MALFORMED_QUERY", located(query.text, item.path.pos, message))
        seen.add(key)


def _field_key(f: ResolvedField) -> str:
    return f"{f.relationship}.{f.name}".lower() if f.relationship else f.name.lower()


def _check_grouped(
    query: Query, fields: list[tuple[SelectField, ResolvedField]], groups: list[ResolvedField]
) -> None:
    """Salesforce's rules for a GROUP BY query: every selected or ordered field is grouped."""
    text = query.text
    grouped = {_field_key(g) for g in groups}
    if any(isinstance(s, SelectAggregate) and s.path is None for s in query.select) and fields:
        pos = fields[0][0].path.pos
        raise SoqlError(
            "MALFORMED_QUERY", located(text, pos, "COUNT() must be the only element in SELECT")
        )
    for item, f in fields:
        if _field_key(f) not in grouped:
            message = f"Field must be grouped or aggregated: {item.path.text}"
            raise SoqlError("MALFORMED_QUERY", located(text, item.path.pos, message))
    _check_unique(query, fields)


def _grouped(
    query: Query,
    rows: list[Record],
    groups: list[tuple[FieldPath, ResolvedField]],
    columns: list[tuple[SelectAggregate | SelectField, ResolvedField | None]],
) -> QueryResult:
    """One AggregateResult per distinct combination of the grouped fields' values (text
    compared without case, as Salesforce groups it), ordered as ORDER BY says."""
    keyed = [(key_function(kind_of(f.type)), f.get) for _, f in groups]
    buckets: dict[tuple[Any, ...], list[Record]] = {}
    for rec in rows:
        buckets.setdefault(tuple(key(get(rec)) for key, get in keyed), []).append(rec)
    if any(isinstance(s, SelectAggregate) and s.path is None for s in query.select):
        return QueryResult([], len(buckets))  # COUNT() ... GROUP BY: the number of groups
    out = [(members, _aggregate_row(columns, members)) for members in buckets.values()]
    if query.order_by:
        for item in reversed(query.order_by):
            order_field = next(
                (f for path, f in groups if path.text.lower() == item.path.text.lower()), None
            )
            if order_field is None:
                message = f"Ordered field must be grouped or aggregated: {item.path.text}"
                raise SoqlError("MALFORMED_QUERY", located(query.text, item.path.pos, message))
            sort_key = _sort_key(order_field, item)
            out.sort(key=lambda pair, k=sort_key: k(pair[0][0]), reverse=item.descending)  # type: ignore[misc]
    start = query.offset or 0
    out = out[start:] if query.limit is None else out[start : start + query.limit]
    if len(out) > MAX_AGGREGATE_ROWS:
        raise SoqlError(
            "EXCEEDED_ID_LIMIT",
            "Aggregate query does not support queryMore(), use LIMIT to restrict the results "
            "to a single batch",
        )
    return QueryResult([row for _, row in out], len(out))


def _aggregate_row(
    columns: list[tuple[SelectAggregate | SelectField, ResolvedField | None]], rows: list[Record]
) -> dict[str, Any]:
    """One AggregateResult: a grouped field by its own name (its value taken from the group's
    first record), an aggregate by its alias or ``exprN`` (Salesforce numbers the unnamed
    ones)."""
    row: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    unnamed = 0
    for item, f in columns:
        if isinstance(item, SelectField):
            assert f is not None
            row[f.name] = f.get(rows[0]) if rows else None
            continue
        if item.alias:
            name = item.alias
        else:
            name = f"expr{unnamed}"
            unnamed += 1
        row[name] = _aggregate(item.function, f, rows)
    return row


def _aggregate(function: str, f: ResolvedField | None, rows: list[Record]) -> Any:
    if f is None:
        return len(rows)
    key, get = key_function(kind_of(f.type)), f.get
    values = [(key(v), v) for v in map(get, rows) if v is not None]
    values = [(k, v) for k, v in values if k is not None]
    if function == "COUNT":
        return len(values)
    if function == "COUNT_DISTINCT":
        return len({k for k, _ in values})
    if not values:
        return None
    if function == "MIN":
        return min(values, key=lambda kv: kv[0])[1]
    if function == "MAX":
        return max(values, key=lambda kv: kv[0])[1]
    total = sum(float(v) for _, v in values)
    if function == "SUM":
        return total
    return total / len(values)  # AVG


def _sorted(rows: list[Record], order: list[tuple[ResolvedField, OrderItem]]) -> list[Record]:
    """Stable sorts from the last ORDER BY item to the first (so the first one wins)."""
    for f, item in reversed(order):
        rows = sorted(rows, key=_sort_key(f, item), reverse=item.descending)
    return rows


def _sort_key(f: ResolvedField, item: OrderItem) -> Callable[[Record], tuple[Any, ...]]:
    key, get = key_function(kind_of(f.type)), f.get
    # Nulls are placed by a rank; ``reverse`` flips the ranks along with the values, so for
    # DESC the rank that puts nulls last is the lower one.
    null_rank = 0 if item.nulls_last == item.descending else 1
    value_rank = 1 - null_rank

    def sort_key(rec: Record) -> tuple[Any, ...]:
        value = key(get(rec))
        return (null_rank,) if value is None else (value_rank, value)

    return sort_key


def _shaper(
    fields: list[ResolvedField], sobject: str, url: Callable[[str, Any], str]
) -> Callable[[Record], dict[str, Any]]:
    """Record -> REST output: attributes, then the SELECT list in order; parent fields nest
    under their relationship name (first mention fixes its position), null for empty lookups."""
    columns: list[tuple[str, ResolvedField | list[ResolvedField]]] = []
    by_rel: dict[str, list[ResolvedField]] = {}
    for f in fields:
        if f.relationship is None:
            columns.append((f.name, f))
        elif f.relationship in by_rel:
            by_rel[f.relationship].append(f)
        else:
            by_rel[f.relationship] = [f]
            columns.append((f.relationship, by_rel[f.relationship]))

    def shape(rec: Record) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": {"type": sobject, "url": url(sobject, rec.get("Id"))}}
        for name, col in columns:
            if isinstance(col, ResolvedField):
                out[name] = rec.get(name)
                continue
            parent = col[0].get_parent(rec) if col[0].get_parent else None
            if parent is None:
                out[name] = None
                continue
            ptype, prec = parent
            nested: dict[str, Any] = {
                "attributes": {"type": ptype, "url": url(ptype, prec.get("Id"))}
            }
            for f in col:
                nested[f.name] = f.get(rec)
            out[name] = nested
        return out

    return shape
