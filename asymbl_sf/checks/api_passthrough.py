"""Passthrough: any REST call to the connected org, for what asymbl-sf does not cover.

Paths are relative to ``/services/data/vXX.X/`` (``sobjects/Contact/describe``) or absolute
under ``/services/`` (``/services/data/``, ``/services/apexrest/...``). A full URL is accepted only
when it names the org's own host: the session's token is sent with every request, so it must
never go anywhere else. The call goes through the API boundary like every other one (errors
translated, a GET retried, the call counted).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from asymbl_sf.errors import ConfigurationError
from asymbl_sf.salesforce.api import SalesforceApi

#: HTTP methods the Salesforce REST API uses.
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD")


def passthrough_url(api: SalesforceApi, path: str) -> str:
    """The full URL of ``path`` on the org's own host; :class:`ConfigurationError` for
    anything that would leave it."""
    text = path.strip()
    if not text:
        raise ConfigurationError("give a path, e.g. sobjects/Contact/describe or /services/data/")
    host = str(api.sf.sf_instance)
    origin = f"https://{host}"
    parts = urlsplit(text)
    if parts.scheme or text.startswith("//"):
        if parts.scheme != "https" or (parts.hostname or "").lower() != host.lower().split(":")[0]:
            # The session token would go along with the request: never to another host.
            raise ConfigurationError(
                f"refusing {text.split('?')[0]!r}: passthrough only calls this org "
                f"({origin}); give a path such as /services/data/ or sobjects/Contact/describe"
            )
        text = text[len(f"{parts.scheme}://{parts.netloc}") :] or "/"
    if text.startswith("/"):
        if not text.startswith("/services/"):
            raise ConfigurationError(
                f"refusing {text.split('?')[0]!r}: an absolute path must start with /services/ "
                "(e.g. /services/data/ or /services/apexrest/...); a relative path starts at "
                f"{api.base_path}/"
            )
        return origin + text
    return f"{origin}{api.base_path}/{text}"


def passthrough(
    api: SalesforceApi,
    method: str,
    path: str,
    data: Any = None,
    params: dict[str, str] | None = None,
) -> Any:
    """Send ``method path`` to the org and return the answer: parsed JSON, text, bytes (for a
    file body) or None (no content). A non-2xx answer raises the translated
    :class:`~asymbl_sf.errors.SalesforceError`."""
    verb = method.strip().upper()
    if verb not in METHODS:
        raise ConfigurationError(f"unknown HTTP method {method!r}; use one of {', '.join(METHODS)}")
    url = passthrough_url(api, path)
    kwargs: dict[str, Any] = {"params": params or None}
    if data is not None:
        if verb in ("GET", "HEAD", "DELETE"):
            raise ConfigurationError(f"{verb} takes no body; send data with POST, PATCH or PUT")
        kwargs["json"] = data
    response = api.http(verb, url, kind=f"passthrough {verb}", **kwargs)
    return _answer(response)


def _answer(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    kind = response.headers.get("Content-Type", "").lower()
    if "json" in kind:
        try:
            return response.json()
        except ValueError:
            return response.text
    if kind.startswith("text/") or "xml" in kind:
        return response.text
    return bytes(response.content)


def parse_data(text: str) -> Any:
    """``--data``: JSON text, or ``@file`` holding JSON; errors name the file."""
    source = "--data"
    if text.startswith("@"):
        from pathlib import Path

        source = text[1:]
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigurationError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigurationError(f"{source} is not valid JSON: {exc}") from None


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``--param k=v`` (repeatable) as a dict."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(f"--param {pair!r}: write it as name=value")
        out[key.strip()] = value
    return out
