"""Opening a ``simple_salesforce.Salesforce`` client for each login mode, with timeouts.

simple-salesforce sets no timeout on its requests; a hung connection would hang an import
forever, so every session made here has one.
"""

from __future__ import annotations

from typing import Any

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from asymbl_sf.errors import AuthenticationError

from .settings import ConnectionSettings

#: (connect, read) seconds. Reads are long because a Composite or Bulk call can take a while.
DEFAULT_TIMEOUT = (10.0, 120.0)


class TimeoutSession(requests.Session):
    """A session whose requests time out unless the caller says otherwise."""

    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def open_salesforce(
    settings: ConnectionSettings, session: requests.Session | None = None
) -> Salesforce:
    """A logged-in client for the login mode ``settings`` describe."""
    mode = settings.login_mode()
    session = session or TimeoutSession()
    common: dict[str, Any] = {"version": settings.api_version, "session": session}
    try:
        if mode == "session":
            assert settings.access_token is not None
            return Salesforce(instance_url=settings.instance_url,
                              session_id=settings.access_token.get_secret_value(), **common)
        if mode == "password":
            assert settings.password is not None
            return Salesforce(
                username=settings.username, password=settings.password.get_secret_value(),
                security_token=(settings.security_token.get_secret_value()
                                if settings.security_token else ""),
                domain=settings.domain or "login", **common)
        if mode == "client_credentials":
            assert settings.client_secret is not None
            return Salesforce(consumer_key=settings.client_id,
                              consumer_secret=settings.client_secret.get_secret_value(),
                              domain=settings.domain, **common)
        if mode == "jwt":
            return Salesforce(username=settings.username, consumer_key=settings.client_id,
                              privatekey_file=str(settings.private_key_file),
                              domain=settings.domain or "login", **common)
    except SalesforceAuthenticationFailed as exc:
        raise AuthenticationError(
            f"Salesforce refused the {mode.replace('_', ' ')} login: {exc.code}",
            error_code=str(exc.code), status=401) from None
    except requests.RequestException as exc:
        raise AuthenticationError(
            f"could not reach Salesforce to log in ({type(exc).__name__})",
            error_code="CONNECTION_ERROR") from None
    raise AssertionError(f"unhandled login mode {mode}")
