"""Opening a ``simple_salesforce.Salesforce`` client for each login mode, with timeouts.

simple-salesforce sets no timeout on its requests; a hung connection would hang an import
forever, so every session made here has one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from xml.parsers.expat import ExpatError

import jwt
import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from asymbl_sf.errors import AuthenticationError, ConfigurationError

from .redact import redact
from .settings import ConnectionSettings
from .soap import fault_of

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
    reached; neither message ever holds a password, secret, token or private key. The client
    never logs in again by itself (simple-salesforce would, up to four times per call): renewing
    an expired session is :func:`session_renewer`'s job, once per call.
    """
    mode = settings.login_mode()
    if mode == "local":
        raise ConfigurationError(
            "open_salesforce() does not open the local org; use asymbl_sf.connect(org='local')."
        )
    session = session if session is not None else TimeoutSession()
    if mode == "session":
        assert settings.access_token is not None
        return Salesforce(
            instance_url=settings.instance_url,
            session_id=settings.access_token.get_secret_value(),
            version=settings.api_version,
            session=session,
        )
    session_id, instance = log_in(settings, session)
    return Salesforce(
        instance=instance,
        session_id=session_id,
        version=settings.api_version,
        session=session,
        domain=settings.domain or "login",
    )


def session_renewer(
    settings: ConnectionSettings, session: requests.Session
) -> Callable[[], str] | None:
    """What logs in again with ``settings`` when a session expires: a function returning the new
    session id, or None for an existing session (SF_ACCESS_TOKEN), which cannot be renewed."""
    if settings.login_mode() in ("session", "local"):
        return None

    def renew() -> str:
        return log_in(settings, session)[0]

    return renew


def log_in(settings: ConnectionSettings, session: requests.Session) -> tuple[str, str]:
    """Log in with the username/password, client credentials or JWT bearer ``settings``.

    Returns ``(session id, instance host)``; every failure is an :class:`AuthenticationError`
    (or :class:`ConfigurationError` for an unusable key file) without any secret in it.
    """
    mode = settings.login_mode()
    domain = settings.domain or "login"
    common: dict[str, Any] = {
        "session": session,
        "domain": domain,
        "sf_version": settings.api_version,
    }
    try:
        if mode == "password":
            assert settings.password is not None
            return SalesforceLogin(
                username=settings.username,
                password=settings.password.get_secret_value(),
                security_token=(
                    settings.security_token.get_secret_value() if settings.security_token else ""
                ),
                **common,
            )
        if mode == "client_credentials":
            assert settings.client_secret is not None
            return SalesforceLogin(
                consumer_key=settings.client_id,
                consumer_secret=settings.client_secret.get_secret_value(),
                **common,
            )
        if mode == "jwt":
            assert settings.private_key_file is not None
            _check_private_key(settings.private_key_file)
            return SalesforceLogin(
                username=settings.username,
                consumer_key=settings.client_id,
                privatekey_file=str(settings.private_key_file),
                **common,
            )
    except SalesforceAuthenticationFailed as exc:
        code, said = _login_refusal(exc)
        raise AuthenticationError(
            f"Salesforce refused the {_MODE_NAMES[mode]} login at {domain}.salesforce.com "
            f"({_scrub(said, settings)})",
            error_code=_scrub(code, settings),
            status=401,
        ) from None
    except (ExpatError, ValueError, KeyError, AttributeError):
        # An answer without the expected fields (a captive portal, a proxy's page): simple-
        # salesforce fails on it in one of several ways, none of which may be echoed.
        raise AuthenticationError(
            f"the {_MODE_NAMES[mode]} login at {domain}.salesforce.com answered with something "
            "that is not a Salesforce login response",
            error_code="LOGIN_RESPONSE_UNREADABLE",
        ) from None
    except requests.RequestException as exc:
        url = getattr(exc.request, "url", None)
        host = urlparse(url).hostname if isinstance(url, str) else None
        where = host or f"{domain}.salesforce.com"
        raise AuthenticationError(
            f"could not reach Salesforce at {where} to log in ({type(exc).__name__}); check the "
            "network and SF_DOMAIN / SF_INSTANCE_URL",
            error_code="CONNECTION_ERROR",
        ) from None
    raise ConfigurationError(f"log_in() cannot log in with {_MODE_NAMES.get(mode, mode)}")


def _login_refusal(exc: SalesforceAuthenticationFailed) -> tuple[str, str]:
    """Salesforce's code and reason for a refused login. A SOAP fault without
    ``sf:exceptionCode`` reaches simple-salesforce's error with no code and the whole envelope as
    its message: the fault's own code and text are read from it instead (never "None")."""
    code = exc.code if exc.code not in (None, "", "None") else None
    said = str(getattr(exc, "auth_message", "") or "")
    if said.lstrip().startswith("<"):
        fault_code, fault_text = fault_of(said)
        code = code or fault_code
        said = fault_text or ""
    said = " ".join(said.split())
    said = said if len(said) <= 300 else said[:300] + "..."
    code = str(code) if code is not None else "LOGIN_FAILED"
    return code, said or f"{code}, with no reason given"


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
    """``text`` without the secrets of ``settings`` or anything shaped like a credential."""
    return redact(text, settings.secrets())
