"""``asymbl-sf org load-schema``: give the local org a real org's describes (rehearse offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from asymbl_sf.checks.schema_copy import (
    FetchedDescribes,
    fetch_describes,
    objects_to_copy,
    overlay,
    read_directory,
    save_directory,
)
from asymbl_sf.errors import ConfigurationError

from ..common import MappingOpt, every_command, secure_settings
from ..output import emit_json, fail, say, warn


def _from_org(mapping: Path | None) -> tuple[FetchedDescribes, int]:
    """The describes of the org the environment's credentials name, and the calls spent."""
    from asymbl_sf import connect
    from asymbl_sf.mapping import load_mapping
    from asymbl_sf.salesforce.settings import ConnectionSettings

    settings = ConnectionSettings.from_env()
    if settings.org is not None or not settings.configured:
        raise ConfigurationError(
            "--from-org reads a real org: set its credentials (SF_INSTANCE_URL and "
            "SF_ACCESS_TOKEN, or a login; see docs/connecting.md) and unset ASYMBL_SF_ORG, or "
            "use --from DIR with saved describes"
        )
    mappings = [load_mapping()] + ([load_mapping(mapping)] if mapping is not None else [])
    client = connect(mapping=mappings[-1])  # also validates --mapping before any call
    fetched = fetch_describes(client.api, objects_to_copy(mappings))
    return fetched, client.usage.calls


def load_schema(
    from_org: Annotated[
        bool,
        typer.Option(
            "--from-org",
            help="Read the describes from the org the credentials in the environment / .env name.",
        ),
    ] = False,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="Read the describes from a folder of describe JSON files."),
    ] = None,
    mapping: MappingOpt = None,
    path: Annotated[Path, typer.Option("--path", help="Folder of the local org.")] = Path(
        ".asymbl-sf/org"
    ),
    save: Annotated[
        Path | None,
        typer.Option(
            "--save", help="Also write the describes into this folder (one OBJECT.json each)."
        ),
    ] = None,
) -> None:
    """Copy a real org's describes into the local org, so imports and check run against that
    org's own fields and picklist values. With --from-org the objects copied are the Asymbl ones
    plus every object of the default mapping and of --mapping."""
    from asymbl_sf.localorg import LocalOrg

    if from_org == (from_dir is not None):
        fail(ConfigurationError("give exactly one of --from-org and --from DIR"))
    secure_settings()
    try:
        if from_org:
            fetched, calls = _from_org(mapping)
        else:
            assert from_dir is not None
            fetched, calls = read_directory(from_dir), 0
        if save is not None:
            save_directory(fetched.bodies, save)
        local = LocalOrg(path)
        result = overlay(local.backend.store.schema, fetched.bodies)
        local.load_schema(result.schema)
    except Exception as exc:  # every failure becomes a message, never a traceback
        fail(exc)
    emit_json(
        {
            "path": str(path),
            "copied": result.copied,
            "missing": fetched.missing,
            "kept_key_prefixes": {
                k: {"org": o, "local": m} for k, (o, m) in result.kept_prefixes.items()
            },
            "saved_to": str(save) if save is not None else None,
            "api_calls": calls,
        }
    )
    for name in fetched.missing:
        warn(f"the org has no {name} (or this user cannot see it); the local org keeps its own")
    source = "the org" if from_org else str(from_dir)
    say(
        f"copied {len(result.copied)} describe{'s' if len(result.copied) != 1 else ''} from "
        f"{source} into the local org in {path}/ ({calls} API call{'s' if calls != 1 else ''})"
    )


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    org_app.command("load-schema")(every_command(load_schema))
