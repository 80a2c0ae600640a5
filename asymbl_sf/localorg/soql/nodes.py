"""The parsed form of a query: immutable syntax only, names not yet checked against describe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class FieldPath:
    """``Email`` (one part) or ``bpats__Stage__r.Name`` (relationship, field), as written."""

    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Literal:
    """A value in WHERE. ``kind``: string, number, date, datetime, boolean or null."""

    kind: str
    value: object  # str for string/date/datetime, int/float, bool, None
    text: str  # as written, for error messages
    pos: int
    like: str | None = None  # string only: the anchored LIKE regex (wildcards and \% \_ applied)


@dataclass(frozen=True)
class SelectField:
    path: FieldPath


@dataclass(frozen=True)
class SelectAggregate:
    """``COUNT()`` (``path`` None), or ``FUNCTION(field) [alias]`` with FUNCTION one of
    :data:`AGGREGATES`."""

    path: FieldPath | None
    alias: str | None
    pos: int
    function: str = "COUNT"


#: The aggregate functions the local org evaluates.
AGGREGATES = ("COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX")

SelectItem: TypeAlias = "SelectField | SelectAggregate"


@dataclass(frozen=True)
class Compare:
    """``field op literal`` with op one of = != < > <= >= (``<>`` is stored as ``!=``)."""

    path: FieldPath
    op: str
    value: Literal


@dataclass(frozen=True)
class Like:
    path: FieldPath
    value: Literal


@dataclass(frozen=True)
class InList:
    path: FieldPath
    negated: bool
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class InQuery:
    """Semi-join ``field [NOT] IN (SELECT one_field FROM ... [WHERE ...])``."""

    path: FieldPath
    negated: bool
    query: Query


@dataclass(frozen=True)
class And:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition: TypeAlias = "Compare | Like | InList | InQuery | And | Or | Not"


@dataclass(frozen=True)
class OrderItem:
    path: FieldPath
    descending: bool
    nulls_last: bool  # already defaulted: ASC -> nulls first, DESC -> nulls last


@dataclass(frozen=True)
class Query:
    text: str  # the whole statement; positions in the nodes index into it
    select: tuple[SelectItem, ...]
    sobject: str
    sobject_pos: int
    where: Condition | None = None
    group_by: tuple[FieldPath, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None

    def filtered_fields(self) -> list[str]:
        """Field paths used in this query's WHERE, as written (subqueries' own excluded); for
        checks like Salesforce's "ContentDocumentLink requires a filter by Id" restriction."""
        out: list[str] = []
        pending: list[Condition] = [] if self.where is None else [self.where]
        while pending:
            cond = pending.pop()
            if isinstance(cond, (And, Or)):
                pending.extend(reversed(cond.items))
            elif isinstance(cond, Not):
                pending.append(cond.item)
            else:
                out.append(cond.path.text)
        return out
