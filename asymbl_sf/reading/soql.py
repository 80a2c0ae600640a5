"""SOQL for reads: select lists, the delta condition, and ``IN`` lists sized to the URI limit.

Values always go through :func:`asymbl_sf.salesforce.soql.format_soql` (simple-salesforce's
quoting and escaping, hardened); field and object names come from the read mapping, whose loader
accepts only identifier syntax (``bpats__Stage__r.Name``), so no input is ever pasted into a
query as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from urllib.parse import urlencode

from asymbl_sf.salesforce.soql import format_soql

#: Fields every read selects: the id, deletion, and the three timestamps of the unified models.
SYSTEM_FIELDS = ("Id", "IsDeleted", "SystemModstamp", "CreatedDate", "LastModifiedDate")
#: Salesforce refuses a GET whose URI and headers pass 16,384 bytes (HTTP 431); the encoded
#: query gets 15,000 of them, leaving room for the URL's path and the headers.
MAX_ENCODED_QUERY = 15_000
#: Every read runs in this order: deterministic output, and the watermark's edge (the rows
#: changed last) arrives last.
DELTA_ORDER = ("SystemModstamp ASC", "Id ASC")


def relationship_of(field: str) -> str:
    """The name SOQL reaches a lookup's parent by: ``X__c`` → ``X__r``, ``OwnerId`` →
    ``Owner`` (Salesforce's naming rule for custom and standard lookups)."""
    if field.lower().endswith("__c"):
        return field[:-3] + "__r"
    if field.lower().endswith("id") and len(field) > 2:
        return field[:-2]
    return field


def select_list(fields: Iterable[str]) -> list[str]:
    """``fields`` without repeats (Salesforce refuses a field selected twice, in any case)."""
    seen: set[str] = set()
    out: list[str] = []
    for name in fields:
        if name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


def query(
    sobject: str,
    fields: Iterable[str],
    conditions: Sequence[str] = (),
    order_by: Sequence[str] = DELTA_ORDER,
) -> str:
    """``SELECT fields FROM sobject [WHERE a AND b] [ORDER BY ...]``; ``order_by`` items are
    written whole (``Name ASC NULLS LAST``)."""
    text = f"SELECT {', '.join(select_list(fields))} FROM {sobject}"
    if conditions:
        text += " WHERE " + " AND ".join(conditions)
    if order_by:
        text += " ORDER BY " + ", ".join(order_by)
    return text


def stage_order(fields: Sequence[str]) -> list[str]:
    """A job's stages in order: the write flow's order (nulls last), then the id for ties."""
    return [*(f"{name} ASC NULLS LAST" for name in fields), "Id ASC"]


def changed_after(moment: datetime) -> str:
    """The delta condition (``moment`` already includes the overlap)."""
    return format_soql("SystemModstamp > {}", moment)


def is_in(field: str, values: Sequence[str]) -> str:
    return format_soql(f"{field} IN {{}}", list(values))


def semi_join(field: str, sobject: str, link: str) -> str:
    """``field IN (SELECT link FROM sobject)``: e.g. the Contacts that have an applicant."""
    return f"{field} IN (SELECT {link} FROM {sobject})"


def _encoded_length(soql: str) -> int:
    return len(urlencode({"q": soql}))


def id_chunks(
    ids: Sequence[str], build: Callable[[Sequence[str]], str], budget: int = MAX_ENCODED_QUERY
) -> Iterator[list[str]]:
    """``ids`` cut into lists whose query ``build(chunk)`` stays within ``budget`` encoded
    characters. Ids have one length (18), so every id costs the same: measured once."""
    if not ids:
        return
    one = _encoded_length(build(ids[:1]))
    per_id = _encoded_length(build(ids[:2])) - one if len(ids) > 1 else 0
    if one > budget:
        raise ValueError(f"a query for even one id is longer than {budget} characters")
    size = len(ids) if per_id <= 0 else 1 + (budget - one) // per_id
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])
