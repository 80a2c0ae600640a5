"""What every command shares: option types, reading a payload, connecting, reporting."""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from asymbl_sf import Asymbl, connect
from asymbl_sf.errors import AsymblError, ConfigurationError, PayloadError, Problem
from asymbl_sf.models.limits import DEFAULT_LIMITS, decode_json, too_big
from asymbl_sf.salesforce.settings import ConnectionSettings

from .choices import Dialect
from .output import MODE, emit_json, fail, register_secrets, say, set_mode, warn

T = TypeVar("T")

PayloadArg = Annotated[
    str,
    typer.Argument(
        help="The payload: a JSON file, or - to read standard input.", show_default=False
    ),
]
MappingOpt = Annotated[
    Path | None,
    typer.Option(
        "--mapping", "-m", help="YAML mapping file (default: the shipped mappings/asymbl.yaml)."
    ),
]
OrgOpt = Annotated[
    str | None,
    typer.Option(
        "--org",
        help="'local' or 'local:PATH' for the local org; default: credentials from the "
        "environment / .env, else the local org.",
    ),
]
DialectOpt = Annotated[
    Dialect | None,
    typer.Option(
        "--dialect", help="kombo, merge or truto (default: detected from the payload's shape)."
    ),
]


def read_payload(source: str) -> Any:
    """The payload as a dict (stdin) or a path (file), so errors can name the file; a body on
    standard input that is not a JSON object is refused at once.

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
        body = decode_json(text.removeprefix("\ufeff"), name)
        if not isinstance(body, dict):
            # Refused here: a JSON string handed on would be taken for a file path or JSON text.
            raise PayloadError(Problem("", "the body must be a JSON object", name))
        return body
    path = Path(source)
    if not path.is_file():  # the argument is wrong, not the payload's content
        raise ConfigurationError(f"no such file: {source}")
    return path


def payload_source(payload: str | None) -> str | None:
    """How messages name a payload argument: its path, or ``standard input`` for ``-``."""
    if payload is None:
        return None
    return "standard input" if payload == "-" else payload


_SWITCHES: dict[str, tuple[Any, Any, Any]] = {
    "as_json": (
        bool,
        typer.Option(
            "--json", help="The answer as one JSON document on stdout, a failure included."
        ),
        False,
    ),
    "quiet": (bool, typer.Option("--quiet", "-q", help="No messages on stderr but errors."), False),
    "verbose": (
        bool,
        typer.Option("--verbose", "-v", help="Also say each retry, wait and API call (on stderr)."),
        False,
    ),
}
_TARGET_ORG: tuple[Any, Any, Any] = (
    str | None,
    typer.Option(
        "--target-org",
        "-o",
        envvar="SF_TARGET_ORG",
        help="An org the Salesforce CLI is logged in to (its alias or username, as with "
        "sf org login web --alias ALIAS); uses sf org display.",
        show_default=False,
    ),
    None,
)


def every_command(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with the switches every command takes (:data:`asymbl_sf.cli.output.MODE`):
    ``--json``, ``--quiet``, ``--verbose``, and ``--target-org`` for the commands that reach an
    org (those with an ``org`` parameter)."""
    signature = inspect.signature(function, eval_str=True)  # real annotations for Typer
    added = dict(_SWITCHES)
    if "org" in signature.parameters:
        added["target_org"] = _TARGET_ORG
    extra = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=default,
            annotation=Annotated[kind, option],
        )
        for name, (kind, option, default) in added.items()
    ]
    params = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        else p
        for p in signature.parameters.values()
    ]

    @functools.wraps(function)
    def run(**kwargs: Any) -> Any:
        set_mode(
            json=kwargs.pop("as_json", False),
            quiet=kwargs.pop("quiet", False),
            verbose=kwargs.pop("verbose", False),
            target_org=kwargs.pop("target_org", None),
        )
        return function(**kwargs)

    run.__signature__ = signature.replace(parameters=[*params, *extra])  # type: ignore[attr-defined]
    return run


def call(
    org: str | None,
    mapping: Path | None,
    action: Callable[[Asymbl], T],
    *,
    source: str | None = None,
) -> tuple[Asymbl, T]:
    """Connect and run one client method; every failure becomes a message and exit code 1.

    ``source`` names the payload (:func:`payload_source`): a problem with the payload that does
    not name where it came from is reported as coming from there.
    """
    secure_settings()
    try:
        # With --quiet, the "using the local org" note is not said either.
        note = io.StringIO() if MODE.quiet else None
        client = connect(org, mapping=mapping, target_org=MODE.target_org, stderr=note)
        register_secrets([str(client.sf.session_id or "")])
        return client, action(client)
    except BrokenPipeError:
        raise  # the reader of the output went away: main() ends quietly
    except PayloadError as exc:
        fail(named(exc, source))
    except Exception as exc:  # every failure becomes a message, never a traceback
        fail(exc)


def named(error: PayloadError, source: str | None) -> PayloadError:
    """``error`` with ``source`` on every problem that names no source of its own."""
    if source is None or all(p.source for p in error.problems):
        return error
    return PayloadError(p if p.source else p.with_source(source) for p in error.problems)


def secure_settings() -> None:
    with contextlib.suppress(AsymblError):  # a settings problem is reported by connect()
        register_secrets(ConnectionSettings.from_env().secrets())


def report(result: dict[str, Any], client: Any) -> None:
    """Print the result; exit non-zero afterwards if any file of it failed to upload."""
    emit_json(result)
    for warning in result.get("warnings", []):
        warn(warning["message"])
    failed = [
        a for a in result.get("actions", {}).get("attachments", []) if a.get("action") == "failed"
    ]
    if failed:
        say(f"error: {len(failed)} attachment(s) failed to upload; see the warnings", style="red")
        raise typer.Exit(1)


def spent(client: Any) -> str:
    calls, remaining = client.usage.calls, client.usage.remaining
    budget = f"; {remaining:,} left today" if remaining is not None else ""
    return f"{calls} API call{'s' if calls != 1 else ''}{budget}"
