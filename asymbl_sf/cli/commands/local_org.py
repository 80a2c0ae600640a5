"""``asymbl-sf org init | show | reset``: the local (emulated) org kept in a folder.

They take ``--org local:PATH`` like every other command (and ``ASYMBL_SF_ORG`` when it names a
local org); ``--path`` is the same folder given directly. ``org show`` draws each job's pipeline
on a terminal, and ``org reset`` deletes an org's own files only, never a folder that holds no
org.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from asymbl_sf.connect import DEFAULT_LOCAL_PATH, local_org_path
from asymbl_sf.errors import AsymblError, ConfigurationError
from asymbl_sf.reading.pipeline import REJECTED, JobFunnel, StageCount
from asymbl_sf.salesforce.settings import ConnectionSettings, is_local_org

from ..common import OrgOpt, every_command
from ..funnel import funnel_view
from ..output import MODE, emit_json, fail, say, wants_json

PathOpt = Annotated[
    Path | None,
    typer.Option("--path", help="The local org's folder (the same as --org local:PATH)."),
]
#: What ``org show`` counts.
COUNTED = (
    "User",
    "Contact",
    "bpats__Job__c",
    "bpats__ATS_Stage__c",
    "bpats__ATS_Applicant__c",
    "ContentVersion",
    "Task",
)


def org_folder(org: str | None, path: Path | None) -> Path:
    """The folder of the local org these commands work on (see the module)."""
    if path is not None and org is not None:
        raise ConfigurationError("give the local org by --org local:PATH or by --path, not both")
    if path is not None:
        return path
    chosen = org or ConnectionSettings.from_env().org
    if chosen is None:
        return DEFAULT_LOCAL_PATH
    if not is_local_org(chosen):
        raise ConfigurationError(
            f"org init, show and reset work on a local org, and {chosen!r} is not one: give "
            "--org local or --org local:PATH"
        )
    return local_org_path(chosen)


def org_init(org: OrgOpt = None, path: PathOpt = None) -> None:
    """Create the local org with its demo data (a no-op when it exists)."""
    from asymbl_sf.localorg import LocalOrg

    try:
        folder = org_folder(org, path)
        existed = (folder / "state.json").exists()
        LocalOrg(folder)
    except Exception as exc:
        fail(exc)
    say(f"local org {'already exists' if existed else 'created'} in {folder}/")
    _show(folder)


def org_show(org: OrgOpt = None, path: PathOpt = None) -> None:
    """What the local org holds: counts, each job's pipeline, the API usage (a table and funnels
    on a terminal, JSON otherwise)."""
    try:
        folder = org_folder(org, path)
        if not (folder / "state.json").exists():
            from asymbl_sf.localorg.persist import OrgFolder

            OrgFolder(folder).check_not_orphaned()  # a damaged org says so, not "no org"
            raise AsymblError(
                f"no local org in {folder}/; create it with: asymbl-sf org init --org "
                f"local:{folder}"
            )
        _show(folder)
    except typer.Exit:
        raise
    except Exception as exc:
        fail(exc)


def org_reset(
    org: OrgOpt = None,
    path: PathOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete the local org's records and seed it again. Only a local org's own files are
    deleted, and a folder that holds none is refused."""
    from asymbl_sf.localorg.persist import OrgFolder

    try:
        folder = org_folder(org, path)
    except Exception as exc:
        fail(exc)
    own = [folder / name for name in OrgFolder.OWN_FILES] + [folder / "blobs"]
    if folder.exists() and not any(p.exists() for p in own):
        fail(
            ConfigurationError(
                f"{folder}/ holds no local org (no state.json, usage.json, schema.json or "
                "blobs/), so org reset leaves it alone: give the folder of a local org"
            )
        )
    asking = folder.exists() and not yes
    if asking and (MODE.json or not typer.confirm(f"Delete the local org in {folder}/?")):
        say("nothing deleted (give --yes to reset without asking)")
        raise typer.Exit(1)
    for item in own:
        if item.is_dir():
            shutil.rmtree(item)
        elif item.exists():
            item.unlink()
    for leftover in folder.glob(".*.tmp") if folder.is_dir() else []:
        leftover.unlink()
    org_init(org=None, path=folder)


def _show(folder: Path) -> None:
    from asymbl_sf.localorg import LocalOrg

    local = LocalOrg(folder)
    counts = {name: local.count(name) for name in COUNTED}
    funnels = _funnels(local)
    emit_json(
        {
            "path": str(folder),
            "records": counts,
            "jobs": [f.as_dict() for f in funnels],
            "api_usage": local.api_usage,
        }
    )
    if wants_json():
        return
    console = Console(highlight=False)
    table = Table(title=f"local org in {folder}/", show_header=True, header_style="bold")
    table.add_column("object")
    table.add_column("records", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(f"API calls spent so far: {local.api_usage:,}\n")
    console.print(funnel_view(funnels, console.width))


def _funnels(local: Any) -> list[JobFunnel]:
    """Each job with its stages in order and the applications on each, from the org's records
    (no API call: ``org show`` reads the folder)."""
    stages = local.records("bpats__ATS_Stage__c")
    applicants = local.records("bpats__ATS_Applicant__c")
    out = []
    for job in sorted(local.records("bpats__Job__c"), key=lambda j: j["Name"]):
        own = sorted(
            (s for s in stages if s.get("bpats__Job__c") == job["Id"]),
            key=lambda s: (s.get("bpats__Sequence__c") is None, s.get("bpats__Sequence__c") or 0),
        )
        funnel = JobFunnel(
            job["Id"],
            job["Name"],
            job.get("bpats__Status__c"),
            [
                StageCount(
                    s["Id"], s["Name"], s.get("bpats__Sequence__c"), s.get("bpats__Stage_Type__c")
                )
                for s in own
            ],
        )
        by_stage: dict[str | None, StageCount] = {s.id: s for s in funnel.stages}
        for applicant in applicants:
            if applicant.get("bpats__Job__c") != job["Id"]:
                continue
            stage = by_stage.get(applicant.get("bpats__Stage__c"))
            if stage is None:
                stage = by_stage.setdefault(None, StageCount(None, "(no stage)"))
                if stage not in funnel.stages:
                    funnel.stages.append(stage)
            if applicant.get("bpats__Applicant_Status__c") == REJECTED:
                stage.rejected += 1
            else:
                stage.active += 1
        out.append(funnel)
    return out


def register(app: typer.Typer, org_app: typer.Typer) -> None:
    org_app.command("init")(every_command(org_init))
    org_app.command("show")(every_command(org_show))
    org_app.command("reset")(every_command(org_reset))
