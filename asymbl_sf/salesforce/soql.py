"""SOQL with values quoted so any string is matched literally, whatever it holds.

simple-salesforce's ``format_soql`` escapes what Salesforce's "Quoted String Escape Sequences"
require (backslash, both quotes, ``\\n \\r \\t \\b \\f``; ``%`` and ``_`` with ``{:like}``). Two
things it leaves raw matter here:

* ``@{``: a query sent inside a Composite request is scanned for ``@{ref.path}`` references,
  which Composite substitutes with an earlier answer *before* the query runs. A value holding
  ``@{job.records[0].Id}`` would be queried as some record's id instead of as written (or fail
  the whole request when the reference does not exist). The ``@`` is written ``\\u0040``, a SOQL
  escape, so the text no longer looks like a reference but SOQL still reads an ``@``.
* other control characters (NUL, ESC, DEL, the C1 range): written as ``\\uXXXX`` too, so the
  query text holds no raw control character anywhere on its way (URL, logs, proxies).

Usage is ``format_soql``'s: ``format_soql("SELECT Id FROM Contact WHERE Email = {}", email)``,
``{:like}`` for a LIKE pattern's text, ``{:literal}`` for trusted SOQL.
"""

from __future__ import annotations

import re
from typing import Any

from simple_salesforce.format import SoqlFormatter, quote_soql_value

_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_LIKE_ESCAPES = {"%": "\\%", "_": "\\_"}
_SPECIAL = re.compile(r"[\\'\"\x00-\x1f\x7f-\x9f]|@(?=\{)")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def escape_string(text: str) -> str:
    """``text`` escaped for the inside of a quoted SOQL string literal (quotes not added)."""
    return _SPECIAL.sub(_escape, text)


def escape_like(text: str) -> str:
    """``text`` escaped for the inside of a LIKE pattern: matched literally, ``%`` and ``_``
    included (add your own wildcards around it)."""
    return "".join(_LIKE_ESCAPES.get(c, c) for c in escape_string(text))


def quote(value: Any) -> str:
    """A value as a SOQL literal: strings quoted and escaped, lists as ``('a','b')``, dates,
    datetimes, numbers, booleans and None as simple-salesforce writes them."""
    if isinstance(value, str):
        return f"'{escape_string(value)}'"
    if isinstance(value, (list, set, tuple)):
        return "(" + ",".join(quote(member) for member in value) + ")"
    return str(quote_soql_value(value))


class _Formatter(SoqlFormatter):
    def format_field(self, value: Any, format_spec: str) -> Any:
        if not format_spec:
            return quote(value)
        if format_spec == "like":
            return escape_like(str(value))
        return super().format_field(value, format_spec)


def format_soql(query: str, *args: Any, **kwargs: Any) -> str:
    """``query`` with its ``{}`` fields replaced by quoted, escaped values (see the module)."""
    return _Formatter().vformat(query, args, kwargs)
