"""``asymbl-sf check``: does the mapping fit the org? Exit 1 when a write would fail."""

from __future__ import annotations

from typing import Annotated

import typer

from asymbl_sf.checks import CheckReport

from ..common import MappingOpt, OrgOpt, call, every_command
from ..output import MODE, emit_json, say

_STYLES = {"error": "red", "warning": "yellow", "ok": "green"}


def show_report(report: CheckReport, *, show_all: bool = False) -> None:
    """The report on stderr, problems first, one line per finding, then a summary.

    Lines rather than a table: a finding stays one line (terminals wrap it, ``grep`` finds it)
    however narrow the terminal, and starts with ``file:line`` as compilers do.
    """
    items = (
        report.sorted_items()
        if show_all
        else [i for i in report.sorted_items() if i.severity != "ok"]
    )
    for item in items:
        where = f"{item.location()}: " if item.location() else ""
        say(f"{item.severity:<7} {where}{item.text()}", style=_STYLES[item.severity])
    hidden = "" if show_all or not report.passed else " (--all lists them)"
    budget = f"; {report.api_remaining:,} left today" if report.api_remaining is not None else ""
    say(
        f"{len(report.errors)} error{'s' if len(report.errors) != 1 else ''}, "
        f"{len(report.warnings)} warning{'s' if len(report.warnings) != 1 else ''}, "
        f"{len(report.passed)} passed{hidden}; {report.api_calls} API call"
        f"{'s' if report.api_calls != 1 else ''}{budget}"
    )
    if report.ok:
        say(f"ok: the mapping fits {report.org}", style="green")
    else:
        say(
            "error: writes would fail; fix the errors above and run asymbl-sf check again",
            style="red",
        )


def check(
    mapping: MappingOpt = None,
    org: OrgOpt = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list the checks that passed.")
    ] = False,
) -> None:
    """Check the org and the mapping: login, API version, the Asymbl package, every mapped field
    (exists, writable, type, length, picklist values), required fields, the Candidate record type,
    the job key, the API budget. Exit code 1 when a write would fail."""
    _, report = call(org, mapping, lambda c: c.check())
    if MODE.json:
        emit_json(report.to_json())
    show_report(report, show_all=show_all)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    app.command("check")(every_command(check))
