"""Logins the Salesforce CLI holds: ``--target-org ALIAS`` uses the org an admin logged in to
with ``sf org login web --alias ALIAS``.

``sf org display --target-org ALIAS --json`` answers the org's instance URL and a current access
token (refreshing it first when the CLI holds a refresh token), so asymbl-sf never sees a
password and a renewed session is one more ``sf org display`` away. Each way this can fail
becomes one line that says what to run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asymbl_sf.errors import AuthenticationError, ConfigurationError

from .redact import redact

#: What runs ``sf`` (replaced in tests; the default runs the ``sf`` on PATH).
Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]
#: Seconds ``sf org display`` may take (it may refresh the token over the network).
TIMEOUT = 120
_LOGIN_HINT = "run: sf org login web --alias {alias}"


@dataclass(frozen=True)
class SfLogin:
    alias: str
    instance_url: str
    access_token: str
    username: str | None = None
    api_version: str | None = None


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def sf_login(alias: str, *, runner: Runner | None = None) -> SfLogin:
    """The instance URL and access token of the org the sf CLI knows as ``alias``.

    :class:`ConfigurationError` when ``sf`` is not installed or knows no such alias;
    :class:`AuthenticationError` when its login expired. Each says what to run."""
    alias = alias.strip()
    if not alias or alias.startswith("-"):
        raise ConfigurationError(f"--target-org needs an org alias or username, not {alias!r}")
    if runner is None:
        if shutil.which("sf") is None:
            raise ConfigurationError(
                "--target-org uses the Salesforce CLI, and no 'sf' is on PATH: install it "
                "(npm install --global @salesforce/cli), then " + _LOGIN_HINT.format(alias=alias)
            )
        runner = _run
    try:
        done = runner(["sf", "org", "display", "--target-org", alias, "--json"])
    except subprocess.TimeoutExpired:
        raise ConfigurationError(
            f"'sf org display --target-org {alias}' did not answer within {TIMEOUT} s"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot run the Salesforce CLI (sf): {exc}") from None
    answer = _json(done.stdout)
    result = answer.get("result") if isinstance(answer.get("result"), dict) else {}
    if done.returncode != 0 or answer.get("status") not in (0, None) or not result:
        raise _refusal(alias, answer, done)
    status = str(result.get("connectedStatus") or "Connected")
    token, url = result.get("accessToken"), result.get("instanceUrl")
    if not token or not url or not (status == "Connected" or status.startswith("Unknown")):
        raise AuthenticationError(
            f"the sf CLI's login to {alias} is no longer valid ({status}); "
            + _LOGIN_HINT.format(alias=alias),
            error_code="SF_CLI_LOGIN_EXPIRED",
            status=401,
        )
    return SfLogin(
        alias,
        str(url).rstrip("/"),
        str(token),
        result.get("username"),
        result.get("apiVersion"),
    )


def _json(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _refusal(
    alias: str, answer: dict[str, Any], done: subprocess.CompletedProcess[str]
) -> ConfigurationError | AuthenticationError:
    name = str(answer.get("name") or "")
    said = str(answer.get("message") or done.stderr or done.stdout or "no answer").strip()
    said = redact(said.splitlines()[0] if said else "", [])
    if "NotFound" in name or "NoAuthInfo" in name or "No authorization" in said:
        return ConfigurationError(
            f"the sf CLI knows no org {alias!r} ({said}); " + _LOGIN_HINT.format(alias=alias)
        )
    if "expired" in said.lower() or "refresh" in said.lower() or "Auth" in name:
        return AuthenticationError(
            f"the sf CLI's login to {alias} expired ({said}); " + _LOGIN_HINT.format(alias=alias),
            error_code="SF_CLI_LOGIN_EXPIRED",
            status=401,
        )
    return ConfigurationError(f"'sf org display --target-org {alias}' failed: {said}")
