"""``asymbl-sf update``, ``duplicates`` and ``undo``: one-off data fixes with a diff and an undo.

Thin commands over :meth:`Asymbl.update`, :meth:`Asymbl.duplicates` and :meth:`Asymbl.undo`:
the diff or plan as lines on stderr, the whole answer as JSON on stdout, the journal's path on
stderr (and as ``"journal"`` in the JSON). Exit 0 only when every record got what was asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from asymbl_sf.errors import ConfigurationError

from ..choices import Api, Survivor
from ..common import MappingOpt, OrgOpt, call, every_command
from ..output import fail, report


def _assignments(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            fail(
                ConfigurationError(
                    f"--set {value!r}: write FIELD=VALUE (an empty VALUE clears the field)"
                )
            )
        out[name.strip()] = text
    return out


def update(
    sobject: Annotated[
        str,
        typer.Argument(
            help="The object to update, e.g. bpats__ATS_Applicant__c.", show_default=False
        ),
    ],
    file: Annotated[
        str | None,
        typer.Argument(
            help="CSV, JSON Lines or JSON array of rows: the --key column names each record, the "
            "other columns its new values; - reads standard input.",
            show_default=False,
        ),
    ] = None,
    where: Annotated[
        str | None,
        typer.Option(
            "--where",
            help='A SOQL condition selecting the records, e.g. "bpats__Job__r.Name = '
            "'Registered Nurse' AND bpats__Stage__r.Name = 'Interview'\".",
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="FIELD=VALUE for every record (repeat it); values resolve like the "
            "mapping's: a stage by name on the record's own job, a job by "
            "remote:<value>, a user by email.",
        ),
    ] = None,
    key: Annotated[
        str,
        typer.Option(
            "--key",
            help="The column naming each row's record: Id, a unique or external-id field, "
            "or Email for Contacts.",
        ),
    ] = "Id",
    format: Annotated[
        str | None,
        typer.Option("--format", help="csv, jsonl or json (default: from the file name)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show every record's diff; write nothing.")
    ] = False,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            help="Every record's outcome and diff (JSON Lines; CSV if the name ends .csv). "
            "Default: <FILE>.results.jsonl, or beside the journal.",
        ),
    ] = None,
    api: Annotated[
        Api,
        typer.Option(
            "--api", help="auto (Bulk API 2.0 above 10,000 records to write), rest or bulk."
        ),
    ] = Api.auto,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
) -> None:
    """Update many records with a per-record diff, skipping those already right; a journal
    of the values before makes it undoable (asymbl-sf undo JOURNAL)."""
    values = _assignments(set_ or [])
    rows = None if file is None else (Path(file) if file != "-" else "-")
    _, summary = call(
        org,
        mapping,
        lambda c: c.update(
            sobject,
            rows,
            where=where,
            set=values,
            key=key,
            dry_run=dry_run,
            format=format,
            results=results,
            api=api.value,
        ),
        source=file,
    )
    report(summary)


def duplicates(
    merge: Annotated[
        bool,
        typer.Option("--merge", help="Keep one Contact per group and move everything onto it."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --merge: list every move, write nothing.")
    ] = False,
    survivor: Annotated[
        Survivor,
        typer.Option(
            "--survivor",
            help="Which Contact of a group is kept: oldest, newest or most-applications.",
        ),
    ] = Survivor.oldest,
    keys: Annotated[
        list[str] | None,
        typer.Option(
            "--key", help="A Contact field that must match too, besides the email (repeat it)."
        ),
    ] = None,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
) -> None:
    """Find the Contacts that are the same candidate (the same email once trimmed and
    case-folded), with what hangs on each; --merge merges them, undoably."""
    if dry_run and not merge:
        fail(ConfigurationError("--dry-run goes with --merge (without it nothing is written)"))
    _, result = call(
        org,
        mapping,
        lambda c: c.duplicates(
            merge=merge, dry_run=dry_run, survivor=survivor.value, keys=keys or ()
        ),
    )
    report(result)


def undo(
    journal: Annotated[
        str,
        typer.Argument(help="A journal a fix wrote (its path was printed).", show_default=False),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be put back; write nothing.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Put values back even where someone changed them since the fix."
        ),
    ] = False,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
) -> None:
    """Put back what a fix changed: values, moved links, deleted records (with their ids)."""
    _, summary = call(org, mapping, lambda c: c.undo(journal, dry_run, force=force))
    report(summary)


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    app.command("update")(every_command(update))
    app.command("duplicates")(every_command(duplicates))
    app.command("undo")(every_command(undo))
