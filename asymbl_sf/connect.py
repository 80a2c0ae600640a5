"""``connect()``: an :class:`Asymbl` client from settings, or the local org when none are set."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from asymbl_sf.client import Asymbl
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.mapping import Mapping
from asymbl_sf.salesforce.connection import TimeoutSession, open_salesforce, session_renewer
from asymbl_sf.salesforce.retry import RetryPolicy
from asymbl_sf.salesforce.settings import ConnectionSettings, is_local_org

#: Where the CLI keeps the local org unless told otherwise.
DEFAULT_LOCAL_PATH = Path(".asymbl-sf") / "org"


def local_org_path(org: str) -> Path:
    """``local`` → ``.asymbl-sf/org``; ``local:PATH`` → PATH."""
    _, _, path = org.partition(":")
    return Path(path) if path else DEFAULT_LOCAL_PATH


def connect(
    org: str | None = None,
    *,
    mapping: Mapping | str | Path | None = None,
    dotenv_path: str | Path | None = None,
    api_version: str | None = None,
    stderr: TextIO | None = None,
    retry: RetryPolicy | None = None,
    target_org: str | None = None,
) -> Asymbl:
    """A client for the org the settings describe.

    ``target_org`` names a login the Salesforce CLI holds (an alias or username of
    ``sf org login web``): its instance URL and access token come from ``sf org display``, which
    also renews the session when it expires (:mod:`asymbl_sf.salesforce.sf_cli`).

    ``org="local"`` (or ``"local:PATH"``) gives the local emulated org kept on disk. With
    ``org=None`` the environment and ``.env`` decide; when they hold no credentials at all, the
    local org is used and one line on stderr says so. A client that logged in (username/password,
    client credentials, JWT bearer) logs in again once when its session expires; one given an
    existing session (SF_ACCESS_TOKEN) cannot. ``retry`` governs repeated reads (default
    :class:`RetryPolicy`).
    """
    settings = ConnectionSettings.from_env(dotenv_path=dotenv_path)
    if api_version:  # validated like SF_API_VERSION (model_copy would skip the check)
        settings = ConnectionSettings.model_validate({**dict(settings), "api_version": api_version})
    if target_org is not None:
        if org is not None:
            raise ConfigurationError(
                f"--org {org} and --target-org {target_org} name two orgs: give one of them"
            )
        return _connect_sf_cli(target_org, settings, mapping=mapping, retry=retry)
    chosen = org or settings.org
    if chosen is None and not settings.configured:
        chosen = "local"
        print(
            f"asymbl-sf: no Salesforce credentials configured; using the local org in "
            f"{DEFAULT_LOCAL_PATH}/ (see docs/connecting.md)",
            file=stderr or sys.stderr,
        )
    if chosen is not None and is_local_org(chosen):
        return connect_local(
            local_org_path(chosen), mapping=mapping, api_version=settings.api_version, retry=retry
        )
    if chosen is not None:
        raise ConfigurationError(
            f"unknown org {chosen!r}: use 'local', 'local:PATH', or leave it unset to use the "
            "credentials in the environment"
        )
    session = TimeoutSession()
    client = Asymbl(open_salesforce(settings, session), mapping=mapping, retry=retry)
    client.api.renew = session_renewer(settings, session)
    return client


def _connect_sf_cli(
    alias: str,
    settings: ConnectionSettings,
    *,
    mapping: Mapping | str | Path | None,
    retry: RetryPolicy | None,
) -> Asymbl:
    from simple_salesforce import Salesforce

    from asymbl_sf.salesforce.sf_cli import sf_login

    login = sf_login(alias)
    session = TimeoutSession()
    sf = Salesforce(
        instance_url=login.instance_url,
        session_id=login.access_token,
        version=settings.api_version,
        session=session,
    )
    client = Asymbl(sf, mapping=mapping, description=f"{alias} (sf CLI login)", retry=retry)
    client.api.renew = lambda: sf_login(alias).access_token  # sf refreshes the token itself
    return client


def connect_local(
    path: Path | None,
    *,
    mapping: Mapping | str | Path | None = None,
    api_version: str | None = None,
    retry: RetryPolicy | None = None,
) -> Asymbl:
    """A client for a local org kept in ``path`` (in memory when None).

    It behaves like a client that logged in: a session the org expires (the fault plan's
    ``expired_session``) is renewed once by "logging in" to the local org again.
    """
    from asymbl_sf.localorg import LocalOrg
    from asymbl_sf.localorg.env_steering import steer_from_env
    from asymbl_sf.localorg.org import SESSION_ID
    from asymbl_sf.schema.api_version import DEFAULT_API_VERSION

    local = LocalOrg(path, api_version=api_version or DEFAULT_API_VERSION)
    # Testing aid: latency, faults and a daily limit from ASYMBL_SF_LOCAL_* (env_steering.py),
    # so a test can steer the org of a CLI subprocess it cannot reach otherwise.
    steer_from_env(local)
    where = f"local org in {path}" if path else "in-memory local org"
    client = Asymbl(local.salesforce(), mapping=mapping, description=where, retry=retry)
    client.api.renew = lambda: SESSION_ID
    client.local_org = local  # type: ignore[attr-defined]
    return client
