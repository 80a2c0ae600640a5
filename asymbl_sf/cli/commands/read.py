"""``asymbl-sf read MODEL``: Kombo-shaped unified models from the org, in full or as deltas.

A thin wrapper over :meth:`asymbl_sf.Asymbl.read`: the rows go to stdout (or ``--output``,
written atomically) as they arrive; one summary line goes to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from asymbl_sf.cli.common import OrgOpt, call, spent
from asymbl_sf.cli.output import fail, say, scrub
from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.reading import MODELS, ReadMapping, ReadStats, load_read_mapping
from asymbl_sf.reading.writers import FORMATS, csv_columns, open_atomically, write_rows

_MODELS = ", ".join(MODELS)


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    app.command("read")(read)


def read(
    model: Annotated[str, typer.Argument(help=f"What to read: {_MODELS}.", show_default=False)],
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="TIME|last",
            help="Only what changed after TIME (ISO 8601: 2026-01-05 or 2026-01-05T09:00:00Z), or "
            "since the last completed read of this model in this org ('last'); deleted "
            "records come with remote_deleted_at.",
        ),
    ] = None,
    include_deleted: Annotated[
        bool,
        typer.Option(
            "--include-deleted", help="Also deleted records (in the recycle bin) in a full read."
        ),
    ] = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="jsonl (one object per line), csv (dotted columns) or json (one array).",
        ),
    ] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (it appears only once complete) instead of stdout.",
        ),
    ] = None,
    created_only: Annotated[
        bool,
        typer.Option(
            "--created-only",
            help="Only the applications (or candidates) asymbl-sf created in "
            "this org (Kombo's 'sync only created applications').",
        ),
    ] = False,
    all_contacts: Annotated[
        bool,
        typer.Option(
            "--all-contacts", help="candidates: every Contact, not only those with an application."
        ),
    ] = False,
    remote_data: Annotated[
        bool,
        typer.Option("--remote-data", help="Add each record as Salesforce has it (remote_data)."),
    ] = False,
    read_mapping: Annotated[
        Path | None,
        typer.Option(
            "--read-mapping", help="YAML read mapping (default: the shipped mappings/read.yaml)."
        ),
    ] = None,
    org: OrgOpt = None,
) -> None:
    """Read users, jobs, candidates, applications, stages or hiring teams as unified JSON."""
    if fmt not in FORMATS:
        fail(PayloadError(Problem("--format", f"must be one of {', '.join(FORMATS)}")))
    if model not in MODELS:
        fail(PayloadError(Problem("MODEL", f"unknown model '{model}'; models: {_MODELS}")))
    try:
        mapping = load_read_mapping(read_mapping)
    except Exception as exc:
        fail(exc)
    client, stats = call(
        org,
        None,
        lambda c: _export(
            c,
            mapping,
            model,
            fmt,
            output,
            since=since,
            include_deleted=include_deleted,
            created_only=created_only,
            all_contacts=all_contacts,
            remote_data=remote_data,
        ),
    )
    say(_summary(stats, output) + f" ({spent(client)})")


def _export(
    client: Any, mapping: ReadMapping, model: str, fmt: str, output: Path | None, **options: Any
) -> ReadStats:
    stream = client.read(model, read_mapping=mapping, **options)
    columns = csv_columns(model, mapping) if fmt == "csv" else None
    if output is None:
        write_rows(stream, sys.stdout, fmt, columns=columns, clean=scrub)
        sys.stdout.flush()
    else:
        with open_atomically(output) as handle:
            write_rows(stream, handle, fmt, columns=columns, clean=scrub)
    stats: ReadStats = stream.stats
    return stats


def _summary(stats: ReadStats, output: Path | None) -> str:
    where = f" into {output}" if output else ""
    noun = stats.model.replace("_", " ")
    details = [f"{stats.deleted:,} deleted"] if stats.deleted else []
    if stats.skipped:
        details.append(f"{stats.skipped:,} already read before")
    extra = f" ({', '.join(details)})" if details else ""
    if stats.no_watermark:
        scope = "no earlier read to continue from, so everything was read"
    elif stats.since is not None:
        scope = f"changed since {stats.since.strftime('%Y-%m-%dT%H:%M:%SZ')} (overlap included)"
    else:
        scope = "full read"
    mark = (
        f"watermark {stats.watermark} saved for --since last"
        if stats.watermark
        else "no rows, watermark unchanged"
    )
    rows = f"{stats.rows:,} row{'s' if stats.rows != 1 else ''}"
    return f"read {noun}: {rows}{extra}{where}; {scope}; {mark}"
