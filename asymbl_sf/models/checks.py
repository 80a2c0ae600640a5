"""Value checks shared by the dialect parsers (email, country, base64, content type, dates).

Each returns None when the value is fine, or the plain-English problem message.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime

from asymbl_sf.models.countries import ISO_COUNTRY_CODES
from asymbl_sf.models.problems import echo

# Close to what Salesforce accepts in an Email field: one @, a non-empty local part without
# spaces, a domain of dot-separated labels (letters, digits, hyphens) with at least one dot and
# no empty label. Quoted local parts and IP-literal domains are legal per RFC 5321 but no
# applicant uses them and Salesforce rejects them.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*(?:\s*;.*)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)


def email_problem(value: str) -> str | None:
    bad = f"value is not a valid email address (got {echo(value)})"
    if value.count("@") != 1 or any(ch.isspace() for ch in value) or len(value) > 254:
        return bad
    local, domain = value.split("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        return bad
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return bad
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return bad
    if labels[-1].isdigit():
        return bad
    return None


def country_problem(value: str) -> str | None:
    if value in ISO_COUNTRY_CODES:
        return None
    hint = ""
    if value.upper() in ISO_COUNTRY_CODES:
        hint = f"; write it in capitals: {value.upper()}"
    return f"must be an ISO 3166-1 alpha-2 code such as DE (got {echo(value)}){hint}"


def content_type_problem(value: str) -> str | None:
    if _CONTENT_TYPE.match(value):
        return None
    return f"must look like type/subtype, e.g. application/pdf (got {echo(value)})"


def decode_base64(value: str) -> bytes:
    """Strictly decoded bytes; raises ``ValueError`` with a user-facing message."""
    # Line breaks are common in base64 produced by tools (76-column MIME style); they carry
    # no data, so strip them before the strict check.
    compact = re.sub(r"[\r\n]", "", value)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be valid base64 (A-Z, a-z, 0-9, +, / and = padding)") from None


def parse_date_or_datetime(value: str) -> date:
    """``2021-01-01`` or ``2021-01-01T09:00:00Z`` → the date; raises ``ValueError`` otherwise."""
    try:
        if _DATE.match(value):
            return date.fromisoformat(value)
        if _DATETIME.match(value):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    raise ValueError(f"must be a date (YYYY-MM-DD) or date-time (got {echo(value)})")
