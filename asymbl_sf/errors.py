"""Errors a user of asymbl-sf can see.

Every exception raised on purpose derives from one root, so callers can catch them all::

    AsymblError
    ├── PayloadError          a payload (Kombo, Merge or Truto body) does not validate, or names
    │                         a job or stage the org does not have
    ├── MappingError          a YAML mapping file is invalid (unknown key, bad transform, cycle...)
    ├── ConfigurationError    settings are missing or contradictory (credentials, org)
    └── SalesforceError       Salesforce refused a call (``error_code`` is Salesforce's own)
        ├── AuthenticationError   invalid session or refused login
        ├── RequestLimitError     REQUEST_LIMIT_EXCEEDED: the daily API budget is spent
        ├── TransientError        5xx, dropped connection, row lock: a retry may succeed
        └── WriteError            records refused; ``.problems`` name record and field

Errors that come from bad *input* carry a list of :class:`Problem` s, all of them at once, each
naming where it is (file, line, dotted path) and what is wrong, so a user can fix everything in
one pass instead of one error per run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Characters a terminal acts on instead of showing: C0 and C1 controls (ESC starts the sequences
#: that clear a screen or move the cursor back over a line; CSI U+009B is ESC [ on some
#: terminals), DEL, and the bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: What ``json.dumps(..., ensure_ascii=False)`` leaves raw (it escapes C0 itself), plus the line
#: and paragraph separators that some readers take for line breaks.
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def visible(text: str, *, keep: str = "") -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\u202e``),
    except those in ``keep`` (``"\\n"`` for a message of several lines).

    Messages quote payload values back; a value holding ``ESC [ 2 J`` would otherwise clear the
    admin's screen and could print forged lines, on the terminal or later through ``cat`` of a
    results file."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def json_visible(text: str) -> str:
    """JSON text (from ``json.dumps``) with the characters it leaves raw that a terminal acts on
    written as ``\\u`` escapes: it decodes to the very same values."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where.

    ``path`` is a dotted path into the input (``candidate.email_address``,
    ``attachments[0].data``, ``objects.Contact.fields.Email``); empty when the problem is about
    the input as a whole. ``source`` names the file or record; ``line``/``column`` (1-based) point
    into a text file when known.
    """

    path: str
    message: str
    source: str | None = None
    line: int | None = None
    column: int | None = None

    def location(self) -> str:
        """``file:line:col`` (the parts that are known), or an empty string."""
        parts: list[str] = []
        if self.source:
            parts.append(self.source)
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def with_source(self, source: str | None) -> Problem:
        return Problem(self.path, self.message, source, self.line, self.column)

    def __str__(self) -> str:
        prefix = "".join(f"{part}: " for part in (self.location(), self.path) if part)
        return visible(f"{prefix}{self.message}")


class AsymblError(Exception):
    """Root of every error asymbl-sf raises on purpose."""


class _ProblemsError(AsymblError):
    """An error made of one or more :class:`Problem` s; ``str()`` has one line per problem."""

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        self.problems: list[Problem] = (
            [problems] if isinstance(problems, Problem) else list(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class PayloadError(_ProblemsError):
    """A payload is not valid; ``.problems`` lists every problem found."""


class MappingError(_ProblemsError):
    """A mapping file is not valid; ``.problems`` carry the file and line of each problem."""


class ConfigurationError(AsymblError):
    """Settings are missing or contradictory (credentials, org, files); says what to set."""


class SalesforceError(AsymblError):
    """Salesforce refused a call. ``error_code`` is Salesforce's own (``REQUIRED_FIELD_MISSING``).

    Subclasses say what a caller can do about it: :class:`AuthenticationError` (log in again or fix
    the credentials), :class:`RequestLimitError` (the org's daily API budget is spent: stop and
    resume later), :class:`TransientError` (a retry may succeed).
    """

    def __init__(
        self,
        message: str,
        *,
        error_code: str = "UNKNOWN",
        status: int | None = None,
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.status = status
        self.fields = fields

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}" if self.error_code else self.message


class AuthenticationError(SalesforceError):
    """The session is invalid or expired, or the login was refused."""


class RequestLimitError(SalesforceError):
    """``REQUEST_LIMIT_EXCEEDED``: the org's API budget is spent."""


class TransientError(SalesforceError):
    """A failure that may pass: 5xx, a dropped connection, a row lock.

    ``maybe_applied`` is True when the request was a write that Salesforce may have carried out
    although no answer arrived (a connection lost after sending, a 500): repeating it blindly
    could write twice, so look first. False means the org certainly did nothing (a 503, a row
    lock, a connection that never opened) or the request was a read.
    """

    def __init__(
        self,
        message: str,
        *,
        error_code: str = "UNKNOWN",
        status: int | None = None,
        fields: tuple[str, ...] = (),
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message, error_code=error_code, status=status, fields=fields)
        self.maybe_applied = maybe_applied


class WriteError(SalesforceError):
    """Salesforce refused records of one write; ``.problems`` name each record and field.

    A single application is written with ``allOrNone``, so when this is raised nothing of it exists.
    """

    def __init__(self, problems: Iterable[Problem], *, error_code: str = "WRITE_FAILED") -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems), error_code=error_code)

    def __str__(self) -> str:
        return self.message
