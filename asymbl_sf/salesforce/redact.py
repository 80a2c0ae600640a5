"""Removing credentials from text before it leaves the process (messages, logs, files).

Two nets, because neither alone is enough: the *values* asymbl-sf knows are secret (the settings'
password, tokens and client secret, the current session id) are replaced wherever they appear,
and *shapes* that are secret whatever their value (a Salesforce session id ``00D…!…``, an
``Authorization`` header, ``password=…`` in a URL or form body, ``<sessionId>`` in a SOAP
envelope, a PEM private key) are masked too, so a token asymbl-sf never saw (issued by a login,
echoed by a proxy) cannot slip through either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "********"

#: Shorter values are not replaced: masking every "abc" would mangle all output.
MIN_SECRET_LENGTH = 4

_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|client_secret|consumer_secret|password"
    r"|passwd|security_token|session_?id|sid|assertion|private_key|api_?key"
)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A PEM private key, whole (or from its header to wherever the text was cut).
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        MASK,
    ),
    # A Salesforce session id / access token: the 15-character org id, "!", the token.
    (re.compile(r"\b00D[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?![0-9A-Za-z._\-]+"), MASK),
    # The credentials of an Authorization header. They hold a digit or one of ._~+/=!, mix
    # case inside the word (base64), or run to 20 characters and more; a plain word after the
    # scheme's name is prose ("the OAuth credentials flow", "Basic authentication") and stays.
    (
        re.compile(
            r"\b(?i:(Bearer|OAuth|Basic))(\s+)"
            r"(?=[A-Za-z\-]*[0-9._~+/=!]|[A-Za-z\-]*[a-z][A-Z]|[A-Za-z0-9._~+/=!\-]{20})"
            r"[A-Za-z0-9._~+/=!\-]{6,}"
        ),
        rf"\1\2{MASK}",
    ),
    # name=value and "name": "value" for secret names (URLs, form bodies, JSON, repr of dicts).
    (
        re.compile(rf"(?i)(\b(?:{_SECRET_NAMES})\b[\"']?\s*(?:=|:)\s*[\"']?)[^\s\"'&,;<>}}\]]+"),
        rf"\1{MASK}",
    ),
    # SOAP login: <n1:password>…</n1:password>, <sessionId>…</sessionId>.
    (re.compile(r"(?i)(<([\w:]*?(?:password|sessionId))>)[^<]*(</\2>)"), rf"\1{MASK}\3"),
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every value of ``secrets`` and every secret-shaped string masked."""
    values = sorted(
        {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
    )
    for value in values:
        text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
