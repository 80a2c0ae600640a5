"""Connection settings, read from the environment and a ``.env`` file.

Which variables are set decides the login mode:

- ``SF_ACCESS_TOKEN`` + ``SF_INSTANCE_URL``: an existing session (no login call);
- ``SF_CLIENT_ID`` + ``SF_USERNAME`` + ``SF_PRIVATE_KEY_FILE`` (+ ``SF_DOMAIN``): OAuth JWT bearer;
- ``SF_CLIENT_ID`` + ``SF_CLIENT_SECRET`` + ``SF_DOMAIN`` (My Domain, e.g. ``acme.my``): OAuth
  client credentials;
- ``SF_USERNAME`` + ``SF_PASSWORD`` (+ ``SF_SECURITY_TOKEN``, ``SF_DOMAIN``): username/password
  (SOAP; retired by Salesforce from API 65.0);
- ``ASYMBL_SF_ORG=local`` or ``local:PATH``: the local (emulated) org.

``SF_DOMAIN`` is ``login`` (default), ``test`` for sandboxes, or a My Domain such as ``acme.my``.
``SF_API_VERSION`` overrides the pinned API version.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from asymbl_sf.errors import ConfigurationError
from asymbl_sf.schema.api_version import DEFAULT_API_VERSION

LoginMode = Literal["session", "password", "client_credentials", "jwt", "local"]

_ENV_NAMES = (
    "SF_INSTANCE_URL",
    "SF_ACCESS_TOKEN",
    "SF_USERNAME",
    "SF_PASSWORD",
    "SF_SECURITY_TOKEN",
    "SF_DOMAIN",
    "SF_CLIENT_ID",
    "SF_CLIENT_SECRET",
    "SF_PRIVATE_KEY_FILE",
    "SF_API_VERSION",
    "ASYMBL_SF_ORG",
)


class ConnectionSettings(BaseModel):
    """What is needed to reach one org. Secrets are ``SecretStr`` so they never print."""

    model_config = ConfigDict(frozen=True)

    instance_url: str | None = None
    access_token: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    domain: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    private_key_file: Path | None = None
    api_version: str = DEFAULT_API_VERSION
    org: str | None = None

    @field_validator("domain")
    @classmethod
    def _normalise_domain(cls, value: str | None) -> str | None:
        """``https://acme.my.salesforce.com/`` → ``acme.my`` (what simple-salesforce wants)."""
        if value is None:
            return None
        value = re.sub(r"^https?://", "", value.strip()).rstrip("/")
        value = re.sub(r"\.salesforce\.com$", "", value, flags=re.IGNORECASE)
        return value or None

    @field_validator("instance_url")
    @classmethod
    def _normalise_instance_url(cls, value: str | None) -> str | None:
        """``acme.my.salesforce.com`` → ``https://acme.my.salesforce.com`` (a bare host would
        otherwise give simple-salesforce no hostname at all)."""
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if value and not re.match(r"^https?://", value, flags=re.IGNORECASE):
            value = "https://" + value
        return value or None

    @field_validator("api_version")
    @classmethod
    def _check_api_version(cls, value: str) -> str:
        """``62.0`` (a leading ``v`` is dropped); anything else is a configuration error."""
        version = value.strip().removeprefix("v").removeprefix("V")
        if not re.fullmatch(r"\d{2,3}\.\d", version):
            raise ConfigurationError(
                f"SF_API_VERSION: {value!r} is not a Salesforce API version; use a number such "
                f"as {DEFAULT_API_VERSION}."
            )
        return version

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = None
    ) -> ConnectionSettings:
        """Settings from ``environ`` (default: the process environment) over a ``.env`` file.

        The environment wins over ``.env``, as with every dotenv tool; a missing ``.env`` is fine.
        """
        env = dict(environ if environ is not None else os.environ)
        path = Path(dotenv_path) if dotenv_path is not None else Path.cwd() / ".env"
        file_values = (
            {k: v for k, v in dotenv_values(path).items() if v is not None}
            if path.is_file()
            else {}
        )
        merged = {**file_values, **{k: v for k, v in env.items() if k in _ENV_NAMES}}

        def get(name: str) -> str | None:
            value = merged.get(name)
            return value.strip() if value and value.strip() else None

        key_file = get("SF_PRIVATE_KEY_FILE")
        return cls(
            instance_url=get("SF_INSTANCE_URL"),
            access_token=_secret(get("SF_ACCESS_TOKEN")),
            username=get("SF_USERNAME"),
            password=_secret(get("SF_PASSWORD")),
            security_token=_secret(get("SF_SECURITY_TOKEN")),
            domain=get("SF_DOMAIN"),
            client_id=get("SF_CLIENT_ID"),
            client_secret=_secret(get("SF_CLIENT_SECRET")),
            private_key_file=Path(key_file) if key_file else None,
            api_version=get("SF_API_VERSION") or DEFAULT_API_VERSION,
            org=get("ASYMBL_SF_ORG"),
        )

    @property
    def configured(self) -> bool:
        """True when any credential is set (so the local org is not the silent default).

        A half-filled set counts: it must end in an error naming what is missing, not silently in
        the local org.
        """
        return any(
            (
                self.instance_url,
                self.access_token,
                self.username,
                self.password,
                self.security_token,
                self.client_id,
                self.client_secret,
                self.private_key_file,
            )
        )

    def login_mode(self) -> LoginMode:
        """Which login these settings describe.

        A half-filled set is a :class:`ConfigurationError` naming exactly what is missing.
        """
        if self.org is not None:
            if is_local_org(self.org):
                return "local"
            raise ConfigurationError(
                f"ASYMBL_SF_ORG: unknown org {self.org!r}; use 'local' or 'local:PATH', or unset "
                "it to use the SF_* credentials."
            )
        if self.access_token:
            self._require("an existing session", SF_INSTANCE_URL=self.instance_url)
            return "session"
        if self.private_key_file:
            self._require(
                "JWT bearer login", SF_CLIENT_ID=self.client_id, SF_USERNAME=self.username
            )
            if not self.private_key_file.is_file():
                raise ConfigurationError(
                    f"SF_PRIVATE_KEY_FILE: no such file: {self.private_key_file}. Point it at the "
                    "PEM private key whose certificate is on the connected app."
                )
            return "jwt"
        if self.client_secret:
            self._require(
                "OAuth client credentials login", SF_CLIENT_ID=self.client_id, SF_DOMAIN=self.domain
            )
            if self.domain in ("login", "test"):
                raise ConfigurationError(
                    f"OAuth client credentials login needs SF_DOMAIN set to the org's My Domain "
                    f"(such as acme.my, or acme--uat.sandbox.my for a sandbox), not "
                    f"{self.domain!r}: {self.domain}.salesforce.com does not issue client "
                    "credentials tokens."
                )
            return "client_credentials"
        if self.client_id and not self.password:
            for_cc = ["SF_CLIENT_SECRET"] + ([] if self.domain else ["SF_DOMAIN"])
            for_jwt = ["SF_PRIVATE_KEY_FILE"] + ([] if self.username else ["SF_USERNAME"])
            raise ConfigurationError(
                f"a connected app client id is set, but OAuth client credentials login needs "
                f"{' and '.join(for_cc)} and JWT bearer login needs {' and '.join(for_jwt)} "
                "(not set)."
            )
        if self.username or self.password or self.security_token:
            self._require(
                "username/password login", SF_USERNAME=self.username, SF_PASSWORD=self.password
            )
            return "password"
        if self.instance_url:
            self._require("an existing session", SF_ACCESS_TOKEN=self.access_token)
        raise ConfigurationError(
            "No Salesforce credentials configured. Set SF_INSTANCE_URL and SF_ACCESS_TOKEN, or "
            "see docs/connecting.md for the other login modes; ASYMBL_SF_ORG=local uses the "
            "local org."
        )

    @staticmethod
    def _require(what: str, **values: object) -> None:
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise ConfigurationError(f"{what} needs {' and '.join(missing)} (not set).")

    def secrets(self) -> list[str]:
        """Every secret value, so output can be scrubbed of them: the password, security token,
        access token and client secret, and each line of the private key's body (a message
        quoting part of a key file must not leak that part either).

        Values shorter than 4 characters are left out: scrubbing them would mangle all output.
        """
        out = [
            s.get_secret_value()
            for s in (self.access_token, self.password, self.security_token, self.client_secret)
            if s
        ]
        if self.password and self.security_token:  # the SOAP login sends them joined
            out.append(self.password.get_secret_value() + self.security_token.get_secret_value())
        out.extend(_private_key_lines(self.private_key_file))
        return [s for s in out if len(s) >= 4]


def is_local_org(org: str) -> bool:
    """``local`` or ``local:PATH``."""
    return org == "local" or org.startswith("local:")


def _private_key_lines(path: Path | None) -> list[str]:
    """The body lines of a PEM key file (not its ``-----BEGIN …-----`` armour); none when the
    file cannot be read, which the login reports on its own."""
    if path is None:
        return []
    try:
        text = path.read_text(encoding="ascii", errors="ignore")
    except OSError:
        return []
    return [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----")
    ]


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value else None
