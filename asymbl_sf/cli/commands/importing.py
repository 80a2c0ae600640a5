"""``asymbl-sf import``: many applications from a file, batched and resumable.

A thin command over :meth:`asymbl_sf.Asymbl.import_records`: the summary goes to stderr as
lines and to stdout as JSON; progress is a bar on a terminal, plain lines otherwise.

Exit codes: 0 when every row ended ``created``, ``reused`` or ``exists`` (a dry run: when no row
would fail); 1 when some row failed or was blocked, or the import could not run; 3 when the
org's daily API limit stopped it (rerun the same command to resume); 2 for a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from asymbl_sf.cli.choices import Api, InputFormat, ResultsFormat, value
from asymbl_sf.cli.common import DialectOpt, MappingOpt, OrgOpt, call, every_command
from asymbl_sf.cli.output import MODE, emit_json, say
from asymbl_sf.importing import BarProgress, ImportSummary, LineProgress
from asymbl_sf.importing.summary import STOPPED_REQUEST_LIMIT

#: Exit code when the daily API limit stopped the import.
EXIT_REQUEST_LIMIT = 3


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    app.command("import")(every_command(import_command))


def import_command(
    source: Annotated[
        str,
        typer.Argument(
            help="A JSON array, JSON Lines or CSV file of application payloads (any dialect per "
            "record); - reads standard input (then --results is required).",
            show_default=False,
        ),
    ],
    format: Annotated[
        InputFormat | None,
        typer.Option(
            "--format",
            help="json (an array), jsonl or csv; default: from the file name or its "
            "first character.",
        ),
    ] = None,
    job_id: Annotated[
        str | None,
        typer.Option(
            "--job-id", help="The job of records that name none: a Salesforce id or remote:<value>."
        ),
    ] = None,
    dialect: DialectOpt = None,
    api: Annotated[
        Api,
        typer.Option(
            "--api", help="auto (Bulk API 2.0 above 10,000 rows, else REST), rest or bulk."
        ),
    ] = Api.auto,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Read the org, write nothing; the results file shows each row's planned outcome.",
        ),
    ] = False,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            help="Results file (default: <input>.results.jsonl; a dry run: <input>.dry-run.jsonl).",
        ),
    ] = None,
    results_format: Annotated[
        ResultsFormat | None,
        typer.Option(
            "--results-format",
            help="jsonl or csv (default: from the --results file's extension, else jsonl).",
        ),
    ] = None,
    retry_from: Annotated[
        Path | None,
        typer.Option(
            "--retry-from",
            help="A results file of an earlier run: import only its failed and blocked rows again.",
        ),
    ] = None,
    column_map: Annotated[
        Path | None,
        typer.Option(
            "--column-map",
            help="YAML file naming, for each CSV column, a path in a Kombo "
            "application body (see docs/importing.md).",
        ),
    ] = None,
    max_concurrency: Annotated[
        int,
        typer.Option("--max-concurrency", min=1, max=32, help="API requests in flight at once."),
    ] = 4,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
) -> None:
    """Import many applications: Contacts reused by email, batched writes, a results file."""
    progress: Any = None
    bar: BarProgress | None = None
    if not MODE.quiet:
        if sys.stderr.isatty():
            bar = BarProgress(Console(stderr=True))
            progress = bar
        else:
            progress = LineProgress(sys.stderr)
    try:
        _, summary = call(
            org,
            mapping,
            lambda client: client.import_records(
                source,
                format=value(format),
                job_id=job_id,
                dialect=value(dialect),
                api=api.value,
                dry_run=dry_run,
                results=results,
                results_format=value(results_format),
                retry_from=retry_from,
                column_map=column_map,
                max_concurrency=max_concurrency,
                progress=progress,
            ),
        )
    finally:
        if bar is not None:
            bar.close()
    report(summary)


def report(summary: ImportSummary) -> None:
    """Print the summary (lines on stderr, JSON on stdout) and exit with the right code."""
    style = None if summary.ok else "yellow"
    say(summary.text(), style=style, always=not summary.ok)  # failures show even with --quiet
    emit_json(summary.as_dict())
    if summary.stopped_reason == STOPPED_REQUEST_LIMIT:
        raise typer.Exit(EXIT_REQUEST_LIMIT)
    if not summary.ok:
        raise typer.Exit(1)
