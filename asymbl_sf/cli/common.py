"""What every command shares: option types, reading a payload, connecting, reporting."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from asymbl_sf import Asymbl, connect
from asymbl_sf.errors import AsymblError, PayloadError, Problem
from asymbl_sf.models.limits import DEFAULT_LIMITS, decode_json, too_big
from asymbl_sf.salesforce.settings import ConnectionSettings

from .output import emit_json, fail, register_secrets, say, warn

T = TypeVar("T")

PayloadArg = Annotated[str, typer.Argument(
    help="The payload: a JSON file, or - to read standard input.", show_default=False)]
MappingOpt = Annotated[Path | None, typer.Option(
    "--mapping", "-m", help="YAML mapping file (default: the shipped mappings/asymbl.yaml).")]
OrgOpt = Annotated[str | None, typer.Option(
    "--org", help="'local' or 'local:PATH' for the local org; default: credentials from the "
                  "environment / .env, else the local org.")]
DialectOpt = Annotated[str | None, typer.Option(
    "--dialect", help="kombo, merge or truto (default: detected from the payload's shape).")]


def read_payload(source: str) -> Any:
    """The payload as a dict (stdin) or a path (file), so errors can name the file.

    Standard input is read only up to the payload size cap plus one character, so an endless
    or enormous stream is refused without being held in memory.
    """
    if source == "-":
        name = "standard input"
        try:
            text = sys.stdin.read(DEFAULT_LIMITS.max_bytes + 1)
        except UnicodeDecodeError as exc:
            raise PayloadError(Problem("", f"not UTF-8 text: {exc.reason}", name)) from None
        if len(text) > DEFAULT_LIMITS.max_bytes:
            raise PayloadError(too_big(None, name))
        return decode_json(text.removeprefix("\ufeff"), name)
    path = Path(source)
    if not path.is_file():
        raise PayloadError(Problem("", f"no such file: {source}"))
    return path


def call(
    org: str | None, mapping: Path | None, action: Callable[[Asymbl], T]
) -> tuple[Asymbl, T]:
    """Connect and run one client method; every failure becomes a message and exit code 1."""
    secure_settings()
    try:
        client = connect(org, mapping=mapping)
        return client, action(client)
    except Exception as exc:  # every failure becomes a message, never a traceback
        fail(exc)


def secure_settings() -> None:
    with contextlib.suppress(AsymblError):  # a settings problem is reported by connect()
        register_secrets(ConnectionSettings.from_env().secrets())


def report(result: dict[str, Any], client: Any) -> None:
    """Print the result; exit non-zero afterwards if any file of it failed to upload."""
    emit_json(result)
    for warning in result.get("warnings", []):
        warn(warning["message"])
    failed = [a for a in result.get("actions", {}).get("attachments", [])
              if a.get("action") == "failed"]
    if failed:
        say(f"error: {len(failed)} attachment(s) failed to upload; see the warnings",
            style="red")
        raise typer.Exit(1)


def spent(client: Any) -> str:
    calls, remaining = client.usage.calls, client.usage.remaining
    budget = f"; {remaining:,} left today" if remaining is not None else ""
    return f"{calls} API call{'s' if calls != 1 else ''}{budget}"
