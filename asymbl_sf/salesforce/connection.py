"""Opening a ``simple_salesforce.Salesforce`` client for each login mode, with timeouts.

simple-salesforce sets no timeout on its requests; a hung connection would hang an import
forever, so every session made here has one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from xml.parsers.expat import ExpatError

import jwt
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from asymbl_sf.errors import AuthenticationError, ConfigurationError

from .settings import ConnectionSettings

#: (connect, read) seconds. Reads are long because a Composite or Bulk call can take a while.
DEFAULT_TIMEOUT = (10.0, 120.0)


class TimeoutSession(requests.Session):
    """A session whose requests time out unless the caller says otherwise."""

    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


_MODE_NAMES = {
    "session": "existing session",
    "password": "username/password",
    "client_credentials": "OAuth client credentials",
    "jwt": "JWT bearer",
}


def open_salesforce(
    settings: ConnectionSettings, session: requests.Session | None = None
) -> Salesforce:
    """A logged-in client for the login mode ``settings`` describe.

    A refused login is an :class:`AuthenticationError`, as is a login server that cannot be
    reached; neither message ever holds a password, secret, token or private key.
    """
    mode = settings.login_mode()
    if mode == "local":
        raise ConfigurationError(
            "open_salesforce() does not open the local org; use asymbl_sf.connect(org='local').")
    session = session if session is not None else TimeoutSession()
    common: dict[str, Any] = {"version": settings.api_version, "session": session}
    domain = settings.domain or "login"
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
                domain=domain, **common)
        if mode == "client_credentials":
            assert settings.client_secret is not None
            return Salesforce(consumer_key=settings.client_id,
                              consumer_secret=settings.client_secret.get_secret_value(),
                              domain=domain, **common)
        assert mode == "jwt" and settings.private_key_file is not None
        _check_private_key(settings.private_key_file)
        return Salesforce(username=settings.username, consumer_key=settings.client_id,
                          privatekey_file=str(settings.private_key_file),
                          domain=domain, **common)
    except SalesforceAuthenticationFailed as exc:
        said = " ".join(str(getattr(exc, "auth_message", "") or "").split())
        said = said if len(said) <= 300 else said[:300] + "..."
        detail = _scrub(said or str(exc.code), settings)  # str() prefixes the error code
        raise AuthenticationError(
            f"Salesforce refused the {_MODE_NAMES[mode]} login at {domain}.salesforce.com "
            f"({detail})", error_code=_scrub(str(exc.code), settings), status=401) from None
    except ExpatError:
        raise AuthenticationError(
            f"the {_MODE_NAMES[mode]} login at {domain}.salesforce.com answered with something "
            "that is not a SOAP login response", error_code="LOGIN_RESPONSE_UNREADABLE") from None
    except requests.RequestException as exc:
        url = getattr(exc.request, "url", None)
        host = urlparse(url).hostname if isinstance(url, str) else None
        where = host or f"{domain}.salesforce.com"
        raise AuthenticationError(
            f"could not reach Salesforce at {where} to log in ({type(exc).__name__}); check the "
            "network and SF_DOMAIN / SF_INSTANCE_URL", error_code="CONNECTION_ERROR") from None


def _check_private_key(path: Path) -> None:
    """Sign a throwaway JWT with the key, so a bad key is a clear error, not a traceback."""
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"SF_PRIVATE_KEY_FILE: cannot read {path} ({exc.strerror or type(exc).__name__})."
        ) from None
    try:
        jwt.encode({"sub": "check"}, key, algorithm="RS256")
    except NotImplementedError:
        raise ConfigurationError(
            "JWT bearer login needs the 'cryptography' package to sign with RS256; install it."
        ) from None
    except Exception:  # a malformed key raises any of several types; none may echo the key
        raise ConfigurationError(
            f"SF_PRIVATE_KEY_FILE: {path} is not a PEM RSA private key (expected a file starting "
            "with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)."
        ) from None


def _scrub(text: str, settings: ConnectionSettings) -> str:
    """``text`` with every secret of ``settings`` replaced by ``********``."""
    values = [s.get_secret_value() for s in (settings.access_token, settings.password,
                                             settings.security_token, settings.client_secret)
              if s is not None]
    for value in sorted(values, key=len, reverse=True):
        if value:
            text = text.replace(value, "********")
    return text
