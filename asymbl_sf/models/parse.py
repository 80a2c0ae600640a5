"""Entry points: any supported payload (dict, JSON text or JSON file) → canonical models.

Dialects live in a registry; adding Merge or Truto is one parser class with the
:class:`DialectParser` methods plus one line in :data:`DIALECTS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models.canonical import Application
from asymbl_sf.models.kombo import KomboParser


class DialectParser(Protocol):
    name: str

    def mismatch(self, payload: Any) -> str | None:
        """None when ``payload`` has this dialect's shape, else a short reason why not."""

    def parse_application(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[Application | None, list[Problem]]: ...

    def parse_candidate(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[Application | None, list[Problem]]: ...


#: Tried in this order by :func:`detect_dialect`.
DIALECTS: dict[str, DialectParser] = {"kombo": KomboParser()}


def load_payload(payload: Mapping[str, Any] | str | Path) -> tuple[Any, str | None]:
    """The decoded JSON body and the file name it came from (None for a dict or JSON text).

    A ``str`` that starts with ``{`` or ``[`` is JSON text; any other ``str`` is a file path.
    """
    if isinstance(payload, Mapping):
        return payload, None
    source: str | None = None
    if isinstance(payload, Path) or not payload.lstrip().startswith(("{", "[")):
        path = Path(payload)
        source = path.name
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise PayloadError(
                Problem("", "no such file (pass a JSON file, a JSON string or a dict)", source)
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PayloadError(Problem("", f"cannot read the file: {exc}", source)) from None
    else:
        text = payload
    try:
        return json.loads(text), source
    except json.JSONDecodeError as exc:
        raise PayloadError(
            Problem("", f"not valid JSON: {exc.msg}", source, exc.lineno, exc.colno)
        ) from None


def detect_dialect(payload: Any) -> str:
    """The name of the first dialect whose shape ``payload`` has; :class:`PayloadError` listing
    every dialect tried and why it did not fit otherwise."""
    reasons = []
    for name, parser in DIALECTS.items():
        reason = parser.mismatch(payload)
        if reason is None:
            return name
        reasons.append(f"{name}: {reason}")
    raise PayloadError(
        Problem("", "cannot tell which dialect this payload is in (" + "; ".join(reasons) + ")")
    )


def _parser(dialect: str | None, body: Any, source: str | None) -> DialectParser:
    if dialect is None:
        try:
            dialect = detect_dialect(body)
        except PayloadError as exc:
            raise PayloadError(p.with_source(source) for p in exc.problems) from None
    parser = DIALECTS.get(dialect.lower())
    if parser is None:
        raise PayloadError(
            Problem("", f"unknown dialect '{dialect}'; known: {', '.join(DIALECTS)}", source)
        )
    reason = parser.mismatch(body)
    if reason is not None:
        raise PayloadError(Problem("", f"not a {parser.name} payload: {reason}", source))
    return parser


def _parse(
    kind: str,
    payload: Mapping[str, Any] | str | Path,
    job_id: str | None,
    dialect: str | None,
    source: str | None,
) -> Application:
    body, file_name = load_payload(payload)
    source = source or file_name
    parser = _parser(dialect, body, source)
    method = parser.parse_application if kind == "application" else parser.parse_candidate
    result, problems = method(body, job_id=job_id)
    if problems or result is None:
        raise PayloadError(p.with_source(source) for p in problems)
    return result


def parse_application(
    payload: Mapping[str, Any] | str | Path,
    *,
    job_id: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
) -> Application:
    """A create-application payload as a canonical :class:`Application`.

    ``job_id`` is the job of the URL path (Kombo's ``/ats/jobs/{job_id}/applications``): a
    Salesforce id or ``remote:<value>``. ``dialect`` skips detection. ``source`` names the
    payload in problems (defaults to the file name when ``payload`` is a path). Raises
    :class:`PayloadError` with every problem found.
    """
    return _parse("application", payload, job_id, dialect, source)


def parse_candidate(
    payload: Mapping[str, Any] | str | Path,
    *,
    job_id: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
) -> Application:
    """A create-candidate payload. Kombo's (deprecated) create candidate always creates one
    application too, so the result is an :class:`Application` whose ``candidate`` is set."""
    return _parse("candidate", payload, job_id, dialect, source)
