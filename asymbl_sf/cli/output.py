"""How the CLI speaks: JSON on stdout, human lines on stderr, secrets scrubbed from both.

Keeping data and messages on separate streams lets ``asymbl-sf ... > result.json`` work while the
admin still reads what happened. Every command takes the same switches (:data:`MODE`, set by
:func:`asymbl_sf.cli.common.every_command`):

- ``--json``: the answer as one JSON document on stdout, a failure too (an envelope with
  ``status``, ``name``, ``message``, ``exitCode``, like the ``sf`` CLI's). Without it, a pipe or
  a file gets the JSON as well, and a terminal the readable lines and tables alone;
- ``--quiet``: no lines on stderr but errors; ``--verbose``: also what the library logs (retries,
  waits for another run, each API call).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

import typer
from rich.console import Console
from rich.text import Text

from asymbl_sf.errors import (
    AsymblError,
    PayloadError,
    RequestLimitError,
    SalesforceError,
    TransientError,
    WriteError,
    json_visible,
    visible,
)
from asymbl_sf.salesforce.redact import MIN_SECRET_LENGTH, redact

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)
_secrets: list[str] = []


@dataclass
class Mode:
    """The switches every command takes (see the module)."""

    json: bool = False
    quiet: bool = False
    verbose: bool = False
    #: ``--target-org``: an org the Salesforce CLI holds a login for.
    target_org: str | None = None


MODE = Mode()


def set_mode(
    *, json: bool = False, quiet: bool = False, verbose: bool = False, target_org: str | None = None
) -> None:
    MODE.json, MODE.quiet, MODE.verbose, MODE.target_org = json, quiet, verbose, target_org
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    show_library_messages(level)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def wants_json() -> bool:
    """Whether stdout gets the JSON answer: asked for, or going to a pipe or a file."""
    return MODE.json or not stdout_is_terminal()


def register_secrets(values: Iterable[str]) -> None:
    """Values that must never be printed (passwords, tokens, client secrets)."""
    _secrets.extend(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)


def scrub(text: str) -> str:
    """``text`` without the registered secrets and without anything shaped like a credential
    (session ids, Authorization headers, ``password=…``, private keys): see
    :mod:`asymbl_sf.salesforce.redact`."""
    return redact(text, _secrets)


def emit_json(data: Any) -> None:
    """The answer as JSON on stdout, when :func:`wants_json` (a terminal without ``--json``
    gets the command's readable lines instead)."""
    if wants_json():
        _write_json(data)


def _write_json(data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(json_visible(scrub(text)) + "\n")
    sys.stdout.flush()


def say(message: str, *, style: str | None = None, always: bool = False) -> None:
    """A line for the admin on stderr (not with ``--quiet``, unless ``always``: errors)."""
    if MODE.quiet and not always:
        return
    _stderr.print(visible(scrub(message), keep="\n\t"), style=style, markup=False)


class Summary(Protocol):
    """What a fix answers: lines for the admin, JSON for a program, and whether all went well."""

    @property
    def ok(self) -> bool: ...

    def text(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


def report(summary: Summary) -> None:
    """A fix's summary: its lines on stderr (even with ``--quiet`` when something failed), its
    JSON on stdout, and exit code 1 unless everything went well."""
    say(summary.text(), style=None if summary.ok else "yellow", always=not summary.ok)
    emit_json(summary.as_dict())
    if not summary.ok:
        raise typer.Exit(1)


def shown(value: str, style: str = "") -> Text:
    """A value from the org or a payload as a table cell: secrets masked, control characters
    escaped, and never read as rich markup (a job named ``[/]`` must not break the table)."""
    return Text(visible(scrub(value)), style=style)


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
                always=record.levelno >= logging.ERROR,
            )
        except Exception:
            self.handleError(record)


def show_library_messages(level: int = logging.WARNING) -> None:
    """Show the library's log records of ``level`` and above on stderr."""
    logger = logging.getLogger("asymbl_sf")
    if not any(isinstance(h, _SayHandler) for h in logger.handlers):
        logger.addHandler(_SayHandler())
    logger.setLevel(level)


def fail(error: BaseException, exit_code: int = 1) -> NoReturn:
    """Report ``error`` on stderr, one line per problem, and exit non-zero (no traceback); with
    ``--json`` also as the error envelope on stdout."""
    lines = describe_failure(error)
    for text, style in lines:
        say(text, style=style, always=True)
    if MODE.json:
        _write_json(envelope(error, lines, exit_code))
    raise typer.Exit(exit_code)


def describe_failure(error: BaseException) -> list[tuple[str, str | None]]:
    """The lines that report ``error``, with their style."""
    out: list[tuple[str, str | None]] = []
    if isinstance(error, (PayloadError, WriteError)) or hasattr(error, "problems"):
        problems = getattr(error, "problems", [])
        label = "rejected by Salesforce" if isinstance(error, WriteError) else "invalid input"
        out.append(
            (
                f"error: {label} ({len(problems)} problem{'s' if len(problems) != 1 else ''}); "
                "nothing was written:",
                "red",
            )
        )
        out.extend((f"  {problem}", "red") for problem in problems)
    elif isinstance(error, SalesforceError):
        out.append((f"error: Salesforce said {error}", "red"))
        hint = _what_to_do(error)
        if hint:
            out.append((hint, None))
    elif isinstance(error, AsymblError):
        out.append((f"error: {error}", "red"))
    else:
        out.append((f"error: unexpected {type(error).__name__}: {error}", "red"))
        if os.environ.get("ASYMBL_SF_DEBUG"):
            out.append((traceback.format_exc(), None))
        else:
            out.append(("(set ASYMBL_SF_DEBUG=1 to see the traceback, and please report it)", None))
    return out


def envelope(
    error: BaseException, lines: list[tuple[str, str | None]], exit_code: int
) -> dict[str, Any]:
    """A failure as ``sf --json`` reports one: ``status``, ``name``, ``message``, ``exitCode``,
    plus the problems one by one and Salesforce's code when it gave one."""
    out: dict[str, Any] = {
        "status": exit_code,
        "name": type(error).__name__,
        "message": "\n".join(text for text, _ in lines).removeprefix("error: "),
        "exitCode": exit_code,
    }
    problems = getattr(error, "problems", None)
    if problems:
        out["problems"] = [
            {"path": p.path, "message": p.message, "source": p.source, "line": p.line}
            for p in problems
        ]
    code = getattr(error, "error_code", None)
    if code:
        out["errorCode"] = code
    out["warnings"] = []
    return out


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
