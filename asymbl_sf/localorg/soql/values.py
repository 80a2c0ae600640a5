"""How values of each describe field type compare, sort and accept literals.

Every field type maps to a *kind*; each kind has a ``key`` function turning a stored value into
something Python compares the way Salesforce does (text case-insensitively, ids in their
18-character form, dates and datetimes as instants), and a literal check that refuses what
Salesforce refuses (``Name = 5``, ``Birthdate = '2024-01-01'``, ``Id = 'nope'``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from asymbl_sf.schema import TEXT_TYPES
from asymbl_sf.schema.ids import looks_like_id, to_18

from .errors import SoqlError, located, unsupported
from .nodes import Literal

TEXT = "text"
ID = "id"
NUMBER = "number"
BOOLEAN = "boolean"
DATE = "date"
DATETIME = "datetime"
OTHER = "other"

# Multi-select picklists compare as value sets (and take INCLUDES/EXCLUDES): not emulated, so
# they fall to OTHER, which refuses filters rather than compare them as plain text.
_KINDS = {
    **dict.fromkeys(TEXT_TYPES - {"multipicklist"}, TEXT),
    "id": ID,
    "reference": ID,
    **dict.fromkeys(("double", "currency", "percent", "int", "long"), NUMBER),
    "boolean": BOOLEAN,
    "date": DATE,
    "datetime": DATETIME,
}

# The type names Salesforce puts in "must be of type X" messages.
_TYPE_WORD = {DATETIME: "dateTime", ID: "id", TEXT: "string", BOOLEAN: "boolean", DATE: "date"}

_DATETIME_RX = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def kind_of(field_type: str) -> str:
    return _KINDS.get(field_type, OTHER)


def parse_date(text: str) -> date:
    return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))


def parse_datetime(text: str) -> datetime:
    """An aware datetime from ``2024-01-31T10:00:00.000+0000``, ``...Z``, ``...+02:00``; a bare
    date is midnight UTC. Hand-written because Python 3.10's ``fromisoformat`` lacks ``Z``."""
    m = _DATETIME_RX.match(text)
    if not m:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(parse_date(text), datetime.min.time(), timezone.utc)
        raise ValueError(f"not a datetime: {text!r}")
    y, mo, d, h, mi, s, frac, zone = m.groups()
    micro = int((frac or "0").ljust(6, "0")[:6])
    tz = timezone.utc
    if zone and zone.upper() != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tz)


def _text_key(v: Any) -> Any:
    # Salesforce stores an empty text as null, so '' and null are the same value.
    if v is None or v == "":
        return None
    return str(v).casefold()


def _id_key(v: Any) -> Any:
    if v is None or v == "":
        return None
    s = str(v)
    return to_18(s) if looks_like_id(s) else s


def _number_key(v: Any) -> Any:
    if v is None or v == "" or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _boolean_key(v: Any) -> Any:
    # Checkboxes are never null in Salesforce: a missing value is false.
    if isinstance(v, str):
        return v.lower() == "true"
    return bool(v)


def _date_key(v: Any) -> Any:
    if v is None or v == "":
        return None
    try:
        return parse_date(str(v)[:10])
    except ValueError:
        return None


_CANONICAL_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(?:\+0000|Z)$")


def _datetime_key(v: Any) -> Any:
    """The instant as a UTC string ``YYYY-MM-DDTHH:MM:SS.ffffff``: such strings order like the
    instants, and the store's own format (``...000+0000``) converts without parsing, which
    matters when 100,000 rows are compared."""
    if v is None or v == "":
        return None
    s = str(v)
    if _CANONICAL_UTC.match(s):
        return s[:23] + "000"
    try:
        utc = parse_datetime(s).astimezone(timezone.utc).replace(tzinfo=None)
        return utc.isoformat(timespec="microseconds")
    except ValueError:
        return None


def _other_key(v: Any) -> Any:
    return None if v is None or v == "" else str(v)


_KEYS: dict[str, Callable[[Any], Any]] = {
    TEXT: _text_key,
    ID: _id_key,
    NUMBER: _number_key,
    BOOLEAN: _boolean_key,
    DATE: _date_key,
    DATETIME: _datetime_key,
    OTHER: _other_key,
}


def key_function(kind: str) -> Callable[[Any], Any]:
    """Stored value -> comparable key (None for null) for fields of ``kind``."""
    return _KEYS[kind]


def literal_key(lit: Literal, field_type: str, field_name: str, text: str) -> Any:
    """The comparable key of a WHERE literal for a field of ``kind``; refuses mismatched types
    with Salesforce's errors so a query that fails there fails here too."""
    kind = kind_of(field_type)
    if lit.kind == "null":
        return None
    if kind == OTHER:
        raise unsupported(f"filtering on field '{field_name}' of this type")

    def wrong_type() -> SoqlError:
        quoted = kind in (TEXT, ID)
        advice = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        word = _TYPE_WORD.get(kind, field_type)
        message = (
            f"value of filter criterion for field '{field_name}' must be of type {word} "
            f"and {advice}"
        )
        return SoqlError("INVALID_FIELD", located(text, lit.pos, message))

    if kind == TEXT:
        if lit.kind != "string":
            raise wrong_type()
        return _text_key(lit.value)
    if kind == ID:
        if lit.kind != "string":
            raise wrong_type()
        value = str(lit.value)
        if value == "":
            return None
        if not looks_like_id(value):
            message = f"invalid ID field: {value}"
            raise SoqlError("INVALID_QUERY_FILTER_OPERATOR", located(text, lit.pos, message))
        return to_18(value)
    expected = {NUMBER: "number", BOOLEAN: "boolean", DATE: "date", DATETIME: "datetime"}[kind]
    if lit.kind != expected:
        raise wrong_type()
    if kind == DATE:
        return _date_key(lit.value)
    if kind == DATETIME:
        return _datetime_key(lit.value)
    if kind == NUMBER:
        return float(lit.value)  # type: ignore[arg-type]
    return bool(lit.value)


def stored_form(lit: Literal, kind: str) -> Any:
    """The literal as the store keeps it, for ``indexed_lookup`` (None: cannot be looked up)."""
    if lit.kind == "null" or lit.value == "":
        return None
    if kind == ID:
        return to_18(str(lit.value))  # already validated by literal_key
    if kind in (TEXT, NUMBER, DATE):
        return lit.value
    return None
