"""``asymbl-sf api METHOD PATH``: passthrough to any REST resource of the org."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from asymbl_sf.checks.api_passthrough import METHODS, parse_data, parse_params
from asymbl_sf.errors import ConfigurationError

from ..common import OrgOpt, call, every_command, spent
from ..output import emit_json, fail, say, scrub


def _print(answer: Any) -> None:
    if answer is None:
        return
    if isinstance(answer, bytes):
        sys.stdout.buffer.write(answer)
        sys.stdout.flush()
    elif isinstance(answer, str):
        sys.stdout.write(scrub(answer) + ("" if answer.endswith("\n") else "\n"))
    else:
        emit_json(answer)


def api(
    method: Annotated[
        str,
        typer.Argument(metavar="METHOD", help=f"One of {', '.join(METHODS)}.", show_default=False),
    ],
    path: Annotated[
        str,
        typer.Argument(
            metavar="PATH",
            help="Relative to /services/data/vXX.X/ (sobjects/Contact/describe, "
            "query?q=...), or absolute under /services/.",
            show_default=False,
        ),
    ],
    data: Annotated[
        str | None,
        typer.Option("--data", "-d", help="The JSON body, or @FILE to read it from a file."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A query parameter name=value (repeatable)."),
    ] = None,
    org: OrgOpt = None,
) -> None:
    """Call any REST resource of the org and print its JSON answer (for what asymbl-sf does not
    cover). A non-2xx answer is an error with exit code 1."""
    if method.strip().upper() not in METHODS:
        fail(ConfigurationError(f"unknown HTTP method {method!r}; use one of {', '.join(METHODS)}"))
    try:
        body = parse_data(data) if data is not None else None
        params = parse_params(param or [])
    except ConfigurationError as exc:
        fail(exc)
    client, answer = call(
        org, None, lambda c: c.passthrough(method, path, data=body, params=params)
    )
    _print(answer)
    say(f"{method.upper()} {path.split('?')[0]}: ok ({spent(client)})")


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    app.command("api")(every_command(api))
