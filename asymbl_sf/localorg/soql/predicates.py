"""WHERE clauses compiled to closures ``record -> bool``, resolved and type-checked once.

SOQL logic is two-valued: a null field fails ``=``, ``<``, ``LIKE`` and ``IN`` but satisfies
``!=`` and ``NOT IN`` (``Email != 'a@x.com'`` returns the contacts without an email).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asymbl_sf.schema import SObjectDescribe

from .errors import SoqlError, located, unsupported
from .nodes import And, Compare, Condition, InList, InQuery, Like, Not, Or, Query
from .resolve import Record, ResolvedField, Resolver
from .values import BOOLEAN, ID, TEXT, key_function, kind_of, literal_key, stored_form

Predicate = Callable[[Record], bool]

_ORDERING = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}


@dataclass
class IndexCandidate:
    """A top-level ``field = x`` / ``field IN (...)`` conjunct the store may answer from an index.
    ``values`` is a thunk because a semi-join's values cost a subquery."""

    field: str
    values: Callable[[], list[Any]]
    size: int  # number of values, to try the most selective first (semi-joins last)


class WhereCompiler:
    def __init__(
        self,
        resolver: Resolver,
        base: SObjectDescribe,
        semijoin: Callable[[Query], Callable[[], set[str]]],
    ) -> None:
        self.resolver = resolver
        self.base = base
        self.text = resolver.text
        self.semijoin = semijoin
        self.candidates: list[IndexCandidate] = []

    def compile(self, cond: Condition, top_level: bool = True) -> Predicate:
        """``top_level``: ``cond`` is a conjunct of the whole WHERE, so usable for an index."""
        if isinstance(cond, And):
            parts = [self.compile(c, top_level) for c in cond.items]
            return lambda rec: all(p(rec) for p in parts)
        if isinstance(cond, Or):
            parts = [self.compile(c, False) for c in cond.items]
            return lambda rec: any(p(rec) for p in parts)
        if isinstance(cond, Not):
            inner = self.compile(cond.item, False)
            return lambda rec: not inner(rec)
        if isinstance(cond, Compare):
            return self._compare(cond, top_level)
        if isinstance(cond, Like):
            return self._like(cond)
        if isinstance(cond, InList):
            return self._in_list(cond, top_level)
        return self._in_query(cond, top_level)

    def _field(self, cond: Compare | Like | InList | InQuery) -> tuple[ResolvedField, str]:
        f = self.resolver.filter_field(self.base, cond.path)
        return f, kind_of(f.type)

    def _compare(self, cond: Compare, top_level: bool) -> Predicate:
        f, kind = self._field(cond)
        lit = literal_key(cond.value, f.type, f.name, self.text)
        key, get, op = key_function(kind), f.get, cond.op
        if kind == BOOLEAN and op not in ("=", "!="):
            raise unsupported(f"operator {op} on boolean field '{f.name}'")
        if op == "=":
            if lit is None:
                return lambda rec: key(get(rec)) is None
            if top_level and f.relationship is None:
                self._candidate(f.name, [stored_form(cond.value, kind)])
            return lambda rec: key(get(rec)) == lit
        if op == "!=":
            if lit is None:
                return lambda rec: key(get(rec)) is not None
            return lambda rec: key(get(rec)) != lit
        compare = _ORDERING[op]
        if lit is None:
            return lambda rec: False  # nothing is greater or smaller than null

        def ordered(rec: Record) -> bool:
            value = key(get(rec))
            return value is not None and compare(value, lit)

        return ordered

    def _like(self, cond: Like) -> Predicate:
        f, kind = self._field(cond)
        if kind != TEXT:
            message = f"invalid operator on {f.type} field: LIKE on '{f.name}'"
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR", located(self.text, cond.path.pos, message)
            )
        rx = re.compile(cond.value.like or "", re.IGNORECASE | re.DOTALL)
        get = f.get

        def like(rec: Record) -> bool:
            value = get(rec)
            return value is not None and value != "" and rx.fullmatch(str(value)) is not None

        return like

    def _in_list(self, cond: InList, top_level: bool) -> Predicate:
        f, kind = self._field(cond)
        if kind == BOOLEAN:
            raise unsupported(f"IN on boolean field '{f.name}'")
        keys = {literal_key(v, f.type, f.name, self.text) for v in cond.values}
        keys.discard(None)  # a null field never satisfies IN
        key, get = key_function(kind), f.get
        if cond.negated:
            return lambda rec: key(get(rec)) not in keys
        if top_level and f.relationship is None:
            self._candidate(f.name, [stored_form(v, kind) for v in cond.values])
        return lambda rec: key(get(rec)) in keys

    def _in_query(self, cond: InQuery, top_level: bool) -> Predicate:
        f, kind = self._field(cond)
        if kind != ID:
            message = f"semi join field '{f.name}' must be an id or a reference"
            raise SoqlError("INVALID_FIELD", located(self.text, cond.path.pos, message))
        # Compiled (and so validated) now, run at most once and only if a record needs it.
        run = self.semijoin(cond.query)
        get, key = f.get, key_function(kind)
        cache: list[set[str]] = []

        def ids() -> set[str]:
            if not cache:
                cache.append(run())
            return cache[0]

        if top_level and not cond.negated and f.relationship is None:
            self.candidates.append(IndexCandidate(f.name, lambda: sorted(ids()), 1 << 30))
        if cond.negated:
            return lambda rec: key(get(rec)) not in ids()
        return lambda rec: key(get(rec)) in ids()

    def _candidate(self, field: str, values: list[Any]) -> None:
        # Null entries match nothing, so looking up the others alone loses no record.
        usable = [v for v in values if v is not None]
        if usable:
            self.candidates.append(IndexCandidate(field, lambda: usable, len(usable)))
