"""Fit a value to the type of the Salesforce field it goes into (from the org's describe).

The REST API is strict about JSON types: a date field wants ``"2021-01-01"``, a currency field a
number, a checkbox ``true``/``false``. Doing this after the mapping's transforms means an admin
rarely needs a type transform at all.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from asymbl_sf.mapping.transforms import (
    NUMBER_TYPES,
    TransformError,
    salesforce_datetime,
    to_bool,
    to_date,
    to_number,
)
from asymbl_sf.schema import TEXT_TYPES
from asymbl_sf.schema.ids import looks_like_id


def _text(value: Any, sf_type: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return salesforce_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        if sf_type == "multipicklist":
            # Salesforce's wire format for several picklist values.
            return ";".join(str(v) for v in value)
        raise TransformError("is a list; add a transform such as first or join")
    if isinstance(value, (BaseModel, dict)):
        raise TransformError("is an object; point 'from' at one of its parts")
    return str(value)


def coerce(value: Any, sf_type: str) -> Any:
    """``value`` in the JSON form a field of ``sf_type`` takes; :class:`TransformError` if it
    cannot be."""
    if sf_type in TEXT_TYPES:
        # Most values are text already (the hot path of an import): skip the type checks.
        return value if type(value) is str else _text(value, sf_type)
    if sf_type == "date":
        return to_date(value).isoformat()
    if sf_type == "datetime":
        return salesforce_datetime(value)
    if sf_type in NUMBER_TYPES:
        return to_number(value)
    if sf_type == "boolean":
        return to_bool(value)
    if sf_type == "reference":
        text = str(value).strip()
        if not looks_like_id(text):
            raise TransformError("is not a Salesforce record id (15 or 18 characters)")
        return text
    if sf_type == "base64":
        raise TransformError("is a file-content field; the writer fills it from the attachment")
    return value
