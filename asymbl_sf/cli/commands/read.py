"""``asymbl-sf read MODEL``: Kombo-shaped unified models from the org, in full or as deltas.

A thin wrapper over :meth:`asymbl_sf.Asymbl.read`: the rows go to stdout (or ``--output``,
written atomically) as they arrive; one summary line goes to stderr.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from asymbl_sf.cli.choices import ReadFormat
from asymbl_sf.cli.common import OrgOpt, call, every_command, spent
from asymbl_sf.cli.output import MODE, fail, say, scrub
from asymbl_sf.reading import MODELS, ReadMapping, ReadStats, load_read_mapping
from asymbl_sf.reading.writers import csv_columns, open_atomically, write_rows

_MODELS = ", ".join(MODELS)


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    app.command("read")(every_command(read))


#: The models, as the argument's closed set of values (another is a usage error, exit 2).
Model = Enum("Model", {name: name for name in MODELS}, type=str)  # type: ignore[misc]


def read(
    model: Annotated[Model, typer.Argument(help=f"What to read: {_MODELS}.", show_default=False)],
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
        ReadFormat,
        typer.Option(
            "--format",
            help="jsonl (one object per line), csv (dotted columns) or json (one array).",
        ),
    ] = ReadFormat.jsonl,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
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
    name = str(model.value)
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
            name,
            fmt.value,
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
    with _progress(model) as counted:
        rows = counted(stream)
        if output is None:
            write_rows(rows, sys.stdout, fmt, columns=columns, clean=scrub)
            sys.stdout.flush()
        else:
            with open_atomically(output) as handle:
                write_rows(rows, handle, fmt, columns=columns, clean=scrub, bom=True)
    stats: ReadStats = stream.stats
    return stats


@contextlib.contextmanager
def _progress(model: str) -> Iterator[Callable[[Iterable[Any]], Iterable[Any]]]:
    """On a terminal (stderr), rows read so far and their rate while the read runs; elsewhere,
    or with --quiet, nothing."""
    if MODE.quiet or not sys.stderr.isatty():
        yield lambda rows: rows
        return
    progress = Progress(
        TextColumn(f"reading {model.replace('_', ' ')}"),
        TextColumn("{task.completed:,} rows"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("read", total=None, rate="")
    started = time.monotonic()

    def counted(rows: Iterable[Any]) -> Iterator[Any]:
        for number, row in enumerate(rows, 1):
            if number % 500 == 0:
                rate = number / max(time.monotonic() - started, 1e-6)
                progress.update(task, completed=number, rate=f"{rate:,.0f}/s")
            yield row

    with progress:
        yield counted


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
