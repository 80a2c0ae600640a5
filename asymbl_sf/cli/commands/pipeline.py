"""``asymbl-sf pipeline [JOB ...]``: each job's applications per stage, drawn as a funnel."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ..common import MappingOpt, OrgOpt, call, every_command
from ..funnel import funnel_view
from ..output import emit_json, say, wants_json


def pipeline(
    jobs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Jobs by Salesforce id or exact name (default: every job).", show_default=False
        ),
    ] = None,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
) -> None:
    """Draw each job's pipeline: applications per stage as bars with counts, rejected apart
    (one API call: the org counts them)."""
    client, funnels = call(org, mapping, lambda c: c.pipeline(jobs or ()))
    console = Console(highlight=False)
    if wants_json():
        emit_json({"jobs": [f.as_dict() for f in funnels]})
    else:
        console.print(funnel_view(funnels, console.width))
    total = sum(f.total for f in funnels)
    say(
        f"{len(funnels)} job{'s' if len(funnels) != 1 else ''}, {total:,} application"
        f"{'s' if total != 1 else ''} ({client.usage.calls} API call"
        f"{'s' if client.usage.calls != 1 else ''})"
    )


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    app.command("pipeline")(every_command(pipeline))
