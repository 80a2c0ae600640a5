"""The ``asymbl-sf`` command: thin commands over the client's methods, no logic of their own.

The write actions and ``org`` live here; every other concept has its own module in
:mod:`asymbl_sf.cli.commands`, each with a ``register(app, org_app)`` function.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from asymbl_sf.errors import PayloadError

from .choices import OnExisting, value
from .common import (
    DialectOpt,
    MappingOpt,
    OrgOpt,
    PayloadArg,
    call,
    every_command,
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
    context_settings={"help_option_names": ["-h", "--help"]},
)
org_app = typer.Typer(
    help="Manage the local (emulated) org kept under .asymbl-sf/.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(org_app, name="org")


def _version(value: bool) -> None:
    if value:
        from asymbl_sf import __version__

        sys.stdout.write(f"asymbl-sf {__version__}\n")
        raise typer.Exit()


@app.callback()
def _every_command(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Write recruiting data (Kombo, Merge, Truto payloads) straight into Asymbl ATS on
    Salesforce. With no credentials configured, commands run against the local org."""
    show_library_messages()


@app.command("create-application")
@every_command
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
            read_payload(payload), job_id=job_id, dry_run=dry_run, dialect=value(dialect)
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
@every_command
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
            read_payload(payload),
            job_id=job_id,
            dialect=value(dialect),
            source=payload_source(payload),
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
@every_command
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
        OnExisting,
        typer.Option(
            "--on-existing",
            help="reuse (default): apply an existing Contact with the same email, "
            "with a warning; fail: refuse it, as Merge does.",
        ),
    ] = OnExisting.reuse,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; print the plan.")
    ] = False,
    mapping: MappingOpt = None,
    org: OrgOpt = None,
    dialect: DialectOpt = None,
) -> None:
    """Create a candidate (a Contact, reused by email), and the application when a job is given."""
    client, result = call(
        org,
        mapping,
        lambda c: c.create_candidate(
            read_payload(payload),
            dry_run=dry_run,
            job_id=job_id,
            dialect=value(dialect),
            on_existing=on_existing.value,
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
@every_command
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
            application_id, read_payload(payload), candidate_id=candidate_id, dialect=value(dialect)
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
@every_command
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
            dialect=value(dialect),
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
@every_command
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
            dialect=value(dialect),
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
@every_command
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
        say("interrupted", always=True)
        raise SystemExit(130) from None
    except BrokenPipeError:
        # The reader of the output went away (asymbl-sf read ... | head -1): stop quietly, and
        # keep Python from complaining about the closed stdout on the way out.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0) from None
