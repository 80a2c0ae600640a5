"""The one exception of the SOQL emulator, shaped like a Salesforce REST error entry."""

from __future__ import annotations

#: How much of a long query line is shown before the caret; Salesforce also shows only a window.
_WINDOW_BEFORE = 40
_WINDOW_AFTER = 60


class SoqlError(Exception):
    """A query Salesforce would refuse: ``error_code`` is its ``errorCode`` (``MALFORMED_QUERY``,
    ``INVALID_FIELD``, ``INVALID_TYPE``, ...) and ``message`` its ``message``."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


def unsupported(what: str) -> SoqlError:
    """Refuses valid SOQL the local org does not evaluate: better an error than a wrong answer."""
    return SoqlError("MALFORMED_QUERY", f"SOQL feature not supported by the local org: {what}")


def located(text: str, pos: int, message: str) -> str:
    """``message`` preceded by the query excerpt, caret and row/column, as Salesforce writes it::

    SELECT Id, Emial FROM Contact
               ^
    ERROR at Row:1:Column:12
    No such column 'Emial' on entity 'Contact'. ...
    """
    pos = max(0, min(pos, len(text)))
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    if line_end < 0:
        line_end = len(text)
    row = text.count("\n", 0, pos) + 1
    col = pos - line_start + 1
    shown_start, shown_end = line_start, line_end
    if line_end - line_start > _WINDOW_BEFORE + _WINDOW_AFTER:
        # A long line (a 500-value IN list) would drown the message: a window around the caret.
        shown_start = max(line_start, pos - _WINDOW_BEFORE)
        shown_end = min(line_end, pos + _WINDOW_AFTER)
    shown = text[shown_start:shown_end]
    caret = " " * (pos - shown_start) + "^"
    return f"{shown}\n{caret}\nERROR at Row:{row}:Column:{col}\n{message}"
