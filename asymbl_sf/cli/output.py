"""How the CLI speaks: JSON on stdout, human lines on stderr, secrets scrubbed from both.

Keeping data and messages on separate streams lets ``asymbl-sf ... > result.json`` work while the
admin still reads what happened.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Iterable
from typing import Any, NoReturn

import typer
from rich.console import Console

from asymbl_sf.errors import (
    AsymblError,
    PayloadError,
    RequestLimitError,
    SalesforceError,
    TransientError,
    WriteError,
)
from asymbl_sf.salesforce.redact import MIN_SECRET_LENGTH, redact

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)
_secrets: list[str] = []


def register_secrets(values: Iterable[str]) -> None:
    """Values that must never be printed (passwords, tokens, client secrets)."""
    _secrets.extend(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)


def scrub(text: str) -> str:
    """``text`` without the registered secrets and without anything shaped like a credential
    (session ids, Authorization headers, ``password=…``, private keys): see
    :mod:`asymbl_sf.salesforce.redact`."""
    return redact(text, _secrets)


def emit_json(data: Any) -> None:
    sys.stdout.write(scrub(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n")
    sys.stdout.flush()


def say(message: str, *, style: str | None = None) -> None:
    _stderr.print(scrub(message), style=style, markup=False)


def warn(message: str) -> None:
    say(f"warning: {message}", style="yellow")


class _SayHandler(logging.Handler):
    """The library's log records (``asymbl_sf``: waits for another run, retries) as lines on
    stderr, scrubbed like every other message."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            say(
                f"asymbl-sf: {record.getMessage()}",
                style="yellow" if record.levelno >= 30 else None,
            )
        except Exception:
            self.handleError(record)


def show_library_messages(level: int = logging.WARNING) -> None:
    """Show the library's log records of ``level`` and above on stderr (once per process)."""
    logger = logging.getLogger("asymbl_sf")
    if not any(isinstance(h, _SayHandler) for h in logger.handlers):
        logger.addHandler(_SayHandler())
    logger.setLevel(min(logger.level or level, level))


def fail(error: BaseException) -> NoReturn:
    """Report ``error`` on stderr, one line per problem, and exit non-zero (no traceback)."""
    if isinstance(error, (PayloadError, WriteError)) or hasattr(error, "problems"):
        problems = getattr(error, "problems", [])
        label = "rejected by Salesforce" if isinstance(error, WriteError) else "invalid input"
        say(
            f"error: {label} ({len(problems)} problem{'s' if len(problems) != 1 else ''}); "
            "nothing was written:",
            style="red",
        )
        for problem in problems:
            say(f"  {problem}", style="red")
    elif isinstance(error, SalesforceError):
        say(f"error: Salesforce said {error}", style="red")
        hint = _what_to_do(error)
        if hint:
            say(hint)
    elif isinstance(error, AsymblError):
        say(f"error: {error}", style="red")
    else:
        say(f"error: unexpected {type(error).__name__}: {error}", style="red")
        if os.environ.get("ASYMBL_SF_DEBUG"):
            say(traceback.format_exc())
        else:
            say("(set ASYMBL_SF_DEBUG=1 to see the traceback, and please report it)")
    raise typer.Exit(1)


def _what_to_do(error: SalesforceError) -> str | None:
    """One line of advice for failures whose message is Salesforce's own wording."""
    if isinstance(error, RequestLimitError):
        return (
            "The org's daily API request limit is spent (Setup > Company Information shows "
            "it); run the command again once it resets, or ask Salesforce for a higher one."
        )
    if isinstance(error, TransientError) and not error.maybe_applied:
        return (
            "Salesforce did not carry the request out and may be busy; asymbl-sf already "
            "tried again where that is safe. Run the command again in a few minutes."
        )
    return None  # a write that may have happened already says to check before repeating
