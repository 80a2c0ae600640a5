"""The ``asymbl-sf`` command: thin commands over the client's methods, no logic of their own.

The write actions and ``org`` live here; every other concept has its own module in
:mod:`asymbl_sf.cli.commands`, each with a ``register(app, org_app)`` function.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from asymbl_sf.errors import AsymblError, PayloadError, Problem

from .common import (
    DialectOpt,
    MappingOpt,
    OrgOpt,
    PayloadArg,
    call,
    named,
    payload_source,
    read_payload,
    report,
    spent,
)
from .output import emit_json, fail, say, show_library_messages, warn

app = typer.Typer(
    name="asymbl-sf",
    help="Write recruiting data (Kombo, Merge, Truto payloads) straight into Asymbl ATS on "
    "Salesforce. With no credentials configured, commands run against the local org.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
org_app = typer.Typer(
    help="Manage the local (emulated) org kept under .asymbl-sf/.", no_args_is_help=True
)
app.add_typer(org_app, name="org")


@app.callback()
def _every_command() -> None:
    """Write recruiting data (Kombo, Merge, Truto payloads) straight into Asymbl ATS on
    Salesforce. With no credentials configured, commands run against the local org."""
    show_library_messages()


@app.command("create-application")
def create_application(
    payload: PayloadArg,
    job_id: Annotated[
        str | None,
        typer.Option(
            "--job-id",
            help="The job: a Salesforce id (15 or 18 characters) or remote:<value> "
            "(looked up by the mapping's settings.job_remote_key).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read the org, write nothing, print the plan.")
    ] = False,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Create an application: the candidate's Contact (reused by email) and the applicant."""
    client, result = call(
        org,
        mapping,
        lambda c: c.create_application(
            read_payload(payload), job_id=job_id, dry_run=dry_run, dialect=dialect
        ),
        source=payload_source(payload),
    )
    report(result, client)
    say(_summary(result, client.usage.calls, client.usage.remaining))


def _summary(result: dict[str, Any], calls: int, remaining: int | None) -> str:
    budget = f"; {remaining:,} left today" if remaining is not None else ""
    spent = f"{calls} API call{'s' if calls != 1 else ''}{budget}"
    if result.get("status") == "dry_run":
        actions = result["plan"]["actions"]
        return (
            f"dry run: candidate {actions['candidate']['action']}, application "
            f"{actions['application']['action']}; nothing written ({spent})"
        )
    actions = result.get("actions", {})
    data = result["data"]
    candidate = actions.get("candidate", {}).get("action", "?")
    application = actions.get("application", {}).get("action", "?")
    # The applicant's record name (APP-00001) is among the read mapping's custom fields.
    name = (data.get("custom_fields") or {}).get("Name") or data.get("id")
    return (
        f"{'created' if application == 'create' else 'found existing'} application "
        f"{name} ({data.get('id')}) on job "
        f"'{data['job']['name']}', stage '{data['current_stage']['name']}'; candidate "
        f"{'created' if candidate == 'create' else candidate + 'd'} "
        f"({data.get('candidate_id')}) ({spent})"
    )


@app.command()
def render(
    payload: PayloadArg,
    job_id: Annotated[
        str | None, typer.Option("--job-id", help="The job, as for create-application.")
    ] = None,
    mapping: MappingOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Show the records a payload becomes under a mapping, offline (no org needed)."""
    from asymbl_sf.mapping import load_mapping
    from asymbl_sf.mapping import render as render_plan
    from asymbl_sf.models import parse_application

    try:
        application = parse_application(
            read_payload(payload), job_id=job_id, dialect=dialect, source=payload_source(payload)
        )
        plan = render_plan(application, load_mapping(mapping))
    except PayloadError as exc:
        fail(named(exc, payload_source(payload)))
    except Exception as exc:
        fail(exc)
    emit_json(
        {
            "records": [
                {
                    "sobject": r.sobject,
                    "key": r.key,
                    "fields": r.fields,
                    "refs": r.refs,
                    "record_type": r.record_type,
                }
                for r in plan.records
            ],
            "warnings": plan.warnings,
            "problems": [str(p) for p in plan.problems],
        }
    )
    for message in plan.warnings:
        warn(message)
    if plan.problems:
        fail(PayloadError(plan.problems))


@app.command("create-candidate")
def create_candidate(
    payload: PayloadArg,
    job_id: Annotated[
        str | None,
        typer.Option(
            "--job-id",
            help="Also apply to this job (id or remote:<value>); Kombo bodies may carry "
            "application.job_id instead.",
        ),
    ] = None,
    on_existing: Annotated[
        str,
        typer.Option(
            "--on-existing",
            help="reuse (default): apply an existing Contact with the same email, "
            "with a warning; fail: refuse it, as Merge does.",
        ),
    ] = "reuse",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; print the plan.")
    ] = False,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Create a candidate (a Contact, reused by email), and the application when a job is given."""
    if on_existing not in ("reuse", "fail"):
        fail(PayloadError(Problem("--on-existing", "must be reuse or fail")))
    client, result = call(
        org,
        mapping,
        lambda c: c.create_candidate(
            read_payload(payload),
            dry_run=dry_run,
            job_id=job_id,
            dialect=dialect,
            on_existing=on_existing,
        ),
        source=payload_source(payload),
    )
    report(result, client)
    if result.get("status") == "dry_run":
        say(_summary(result, client.usage.calls, client.usage.remaining))
        return
    action = result["actions"]["candidate"]["action"]
    apps = len(result["data"].get("applications") or [])
    say(
        f"candidate {'created' if action == 'create' else action + 'd'} "
        f"({result['data']['id']}), {apps} application{'s' if apps != 1 else ''} "
        f"({spent(client)})"
    )


@app.command("add-attachment")
def add_attachment(
    payload: PayloadArg,
    application_id: Annotated[
        str | None,
        typer.Option(
            "--application-id", help="The application; the file is stored on its candidate."
        ),
    ] = None,
    candidate_id: Annotated[
        str | None, typer.Option("--candidate-id", help="Or the candidate (Contact) directly.")
    ] = None,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Add a file (base64 data or a URL) to an application's candidate."""
    client, result = call(
        org,
        mapping,
        lambda c: c.add_attachment(
            application_id, read_payload(payload), candidate_id=candidate_id, dialect=dialect
        ),
        source=payload_source(payload),
    )
    report(result, client)
    data = result["data"]
    verb = "uploaded" if result["actions"]["attachment"] != "skip" else "already there:"
    say(
        f"{verb} {data['file_name']} ({data['id']}) on candidate {data['candidate_id']} "
        f"({spent(client)})"
    )


@app.command("create-activity")
def create_activity(
    payload: PayloadArg,
    candidate_id: Annotated[
        str | None,
        typer.Option(
            "--candidate-id", help="The candidate's Contact (when the payload does not name it)."
        ),
    ] = None,
    application_id: Annotated[
        str | None,
        typer.Option(
            "--application-id", help="The application it is about (Kombo notes take it here)."
        ),
    ] = None,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Log an email, note or other activity as a Task on the candidate."""
    client, result = call(
        org,
        mapping,
        lambda c: c.create_activity(
            read_payload(payload),
            candidate_id=candidate_id,
            application_id=application_id,
            dialect=dialect,
        ),
        source=payload_source(payload),
    )
    report(result, client)
    data = result["data"]
    verb = "logged" if result["actions"]["activity"] == "create" else "already logged:"
    say(
        f"{verb} Task {data['id']} '{data['subject']}' on candidate {data['candidate_id']} "
        f"({spent(client)})"
    )


@app.command("move-stage")
def move_stage(
    application_id: Annotated[
        str | None,
        typer.Argument(
            help="The application (bpats__ATS_Applicant__c) id; Truto payloads carry it."
        ),
    ] = None,
    stage: Annotated[
        str | None, typer.Argument(help="A stage of the application's job: its id or name.")
    ] = None,
    payload: Annotated[
        str | None,
        typer.Option(
            "--payload",
            help="A stage-move body instead (Kombo {stage_id}, Merge "
            "{job_interview_stage}, Truto {application_id, stage_id}); - for stdin.",
        ),
    ] = None,
    org: OrgOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Move an application to another stage of its job."""
    client, result = call(
        org,
        None,
        lambda c: c.move_application_stage(
            application_id,
            stage,
            payload=read_payload(payload) if payload is not None else None,
            dialect=dialect,
        ),
        source=payload_source(payload),
    )
    report(result, client)
    data = result["data"]
    say(
        f"application {data.get('name')} ({data['id']}) is on stage "
        f"'{data['current_stage']['name']}' ({spent(client)})"
    )


@app.command("get-attachments")
def get_attachments(
    candidate_id: Annotated[str, typer.Argument(help="The candidate's Contact id.")],
    download: Annotated[
        Path | None,
        typer.Option("--download", help="Save the files into this folder (safe, unique names)."),
    ] = None,
    org: OrgOpt = None,
) -> None:
    """List a candidate's files (Kombo's attachment shape); optionally download them."""
    client, attachments = call(
        org, None, lambda c: c.get_candidate_attachments(candidate_id, download=download)
    )
    emit_json({"status": "success", "data": {"results": attachments}, "warnings": []})
    where = f", saved in {download}/" if download else ""
    say(
        f"{len(attachments)} attachment{'s' if len(attachments) != 1 else ''}{where} "
        f"({spent(client)})"
    )


# -- the local org ------------------------------------------------------------------------------

PathOpt = Annotated[Path, typer.Option("--path", help="Folder of the local org.")]


def _default_path() -> Path:
    from asymbl_sf.connect import DEFAULT_LOCAL_PATH

    return DEFAULT_LOCAL_PATH


@org_app.command("init")
def org_init(path: PathOpt = Path(".asymbl-sf/org")) -> None:
    """Create the local org with its demo data (a no-op when it exists)."""
    from asymbl_sf.localorg import LocalOrg

    existed = (path / "state.json").exists()
    try:
        LocalOrg(path)
    except Exception as exc:
        fail(exc)
    say(f"local org {'already exists' if existed else 'created'} in {path}/")
    org_show(path)


@org_app.command("show")
def org_show(path: PathOpt = Path(".asymbl-sf/org")) -> None:
    """Print what the local org holds: counts, jobs with their stages, the API usage."""
    from asymbl_sf.localorg import LocalOrg

    if not (path / "state.json").exists():
        fail(AsymblError(f"no local org in {path}/; create it with: asymbl-sf org init"))
    local = LocalOrg(path)
    stages = local.records("bpats__ATS_Stage__c")
    jobs = []
    for job in sorted(local.records("bpats__Job__c"), key=lambda j: j["Name"]):
        own = sorted(
            (s for s in stages if s.get("bpats__Job__c") == job["Id"]),
            key=lambda s: s.get("bpats__Sequence__c") or 0,
        )
        jobs.append(
            {
                "id": job["Id"],
                "name": job["Name"],
                "status": job.get("bpats__Status__c"),
                "stages": [
                    {"id": s["Id"], "name": s["Name"], "sequence": s.get("bpats__Sequence__c")}
                    for s in own
                ],
            }
        )
    counts = {
        name: local.count(name)
        for name in (
            "User",
            "Contact",
            "bpats__Job__c",
            "bpats__ATS_Stage__c",
            "bpats__ATS_Applicant__c",
            "ContentVersion",
            "Task",
        )
    }
    emit_json({"path": str(path), "records": counts, "jobs": jobs, "api_usage": local.api_usage})


@org_app.command("reset")
def org_reset(
    path: PathOpt = Path(".asymbl-sf/org"),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete everything in the local org and seed it again."""
    if path.exists() and not yes and not typer.confirm(f"Delete the local org in {path}/?"):
        raise typer.Exit(1)
    if path.exists():
        shutil.rmtree(path)
    org_init(path)


def _register_command_modules() -> None:
    from asymbl_sf.cli import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(app, org_app)


_register_command_modules()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        say("interrupted")
        raise SystemExit(130) from None
