"""``asymbl-sf fields OBJECT``: the custom field explorer."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..common import MappingOpt, OrgOpt, call, every_command
from ..output import emit_json, say, shown, wants_json

#: Picklist values shown per field in the table (``--json`` has all of them).
_SHOWN_VALUES = 6


def _values(row: dict[str, Any]) -> str:
    values = row["picklist_values"]
    if not values:
        return ", ".join(row["reference_to"])  # a lookup: what it points to
    shown = ", ".join(values[:_SHOWN_VALUES])
    more = f", … (+{len(values) - _SHOWN_VALUES})" if len(values) > _SHOWN_VALUES else ""
    return f"{shown}{more}{' (restricted)' if row['restricted_picklist'] else ''}"


def fields_table(sobject: str, rows: list[dict[str, Any]]) -> Table:
    """The rows as a rich table: the field explorer's human output."""
    table = Table(
        title=f"{sobject}: {len(rows)} field{'s' if len(rows) != 1 else ''}", header_style="bold"
    )
    for column in ("name", "label", "type", "length", "required", "values / lookup to", "mapped"):
        table.add_column(column, overflow="fold", no_wrap=column in ("name", "type"))
    for row in rows:
        access = "" if row["createable"] else " (read-only)"
        table.add_row(
            shown(row["name"]),
            shown(row["label"]),
            row["type"] + access,
            str(row["length"] or ""),
            "yes" if row["required"] else "",
            shown(_values(row)),
            "yes" if row["used_by_mapping"] else "",
            style="bold" if row["used_by_mapping"] else None,
        )
    return table


def fields(
    sobject: Annotated[
        str,
        typer.Argument(
            metavar="OBJECT",
            help="The object's API name, e.g. Contact or bpats__ATS_Applicant__c.",
            show_default=False,
        ),
    ],
    custom: Annotated[
        bool, typer.Option("--custom", help="Only custom fields (names ending in __c).")
    ] = False,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
) -> None:
    """List an object's fields as the org describes them: name, label, type, length, required,
    picklist values, and whether the mapping uses each."""
    client, rows = call(org, mapping, lambda c: c.fields(sobject, custom_only=custom))
    if wants_json():
        emit_json({"object": sobject, "fields": rows})
    else:
        console = Console(highlight=False)
        if not console.is_terminal:
            # Piped into a file or a pager, rich would squeeze the table into 80 columns until
            # each header is a word per line; give it room instead (no terminal to fit).
            console = Console(highlight=False, width=200)
        console.print(fields_table(sobject, rows))
    used = sum(1 for r in rows if r["used_by_mapping"])
    say(
        f"{len(rows)} field{'s' if len(rows) != 1 else ''} of {sobject}, {used} used by the "
        f"mapping ({client.usage.calls} API call{'s' if client.usage.calls != 1 else ''})"
    )


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    app.command("fields")(every_command(fields))
