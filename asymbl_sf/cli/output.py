"""How the CLI speaks: JSON on stdout, human lines on stderr, secrets scrubbed from both.

Keeping data and messages on separate streams lets ``asymbl-sf ... > result.json`` work while the
admin still reads what happened.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Iterable
from typing import Any, NoReturn

import typer
from rich.console import Console

from asymbl_sf.errors import AsymblError, PayloadError, SalesforceError, WriteError

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)
_secrets: list[str] = []


def register_secrets(values: Iterable[str]) -> None:
    """Values that must never be printed (passwords, tokens, client secrets)."""
    _secrets.extend(v for v in values if v and len(v) >= 4)


def scrub(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "********")
    return text


def emit_json(data: Any) -> None:
    sys.stdout.write(scrub(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n")
    sys.stdout.flush()


def say(message: str, *, style: str | None = None) -> None:
    _stderr.print(scrub(message), style=style, markup=False)


def warn(message: str) -> None:
    say(f"warning: {message}", style="yellow")


def fail(error: BaseException) -> NoReturn:
    """Report ``error`` on stderr, one line per problem, and exit non-zero (no traceback)."""
    if isinstance(error, (PayloadError, WriteError)) or hasattr(error, "problems"):
        problems = getattr(error, "problems", [])
        label = "rejected by Salesforce" if isinstance(error, WriteError) else "invalid input"
        say(f"error: {label} ({len(problems)} problem{'s' if len(problems) != 1 else ''}); "
            "nothing was written:", style="red")
        for problem in problems:
            say(f"  {problem}", style="red")
    elif isinstance(error, SalesforceError):
        say(f"error: Salesforce said {error}", style="red")
    elif isinstance(error, AsymblError):
        say(f"error: {error}", style="red")
    else:
        say(f"error: unexpected {type(error).__name__}: {error}", style="red")
        if os.environ.get("ASYMBL_SF_DEBUG"):
            say(traceback.format_exc())
        else:
            say("(set ASYMBL_SF_DEBUG=1 to see the traceback, and please report it)")
    raise typer.Exit(1)
