"""Entry points: any supported payload (dict, JSON text or JSON file) → canonical models.

Dialects live in a registry (:data:`DIALECTS`): one parser class per dialect with the
:class:`DialectParser` methods. Each entry point parses one kind of payload (application,
candidate, attachment, activity, stage move); without ``dialect=`` the dialect is detected from
the body's shape for that kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models.canonical import Activity, Application, Attachment, StageMove
from asymbl_sf.models.common import is_object
from asymbl_sf.models.kombo import KomboParser
from asymbl_sf.models.limits import check_value, decode_json, read_json_file
from asymbl_sf.models.merge import MergeParser
from asymbl_sf.models.truto import TrutoParser


class DialectParser(Protocol):
    name: str

    def mismatch(self, payload: Any, kind: str = "application") -> str | None:
        """None when ``payload`` has this dialect's shape for ``kind``, else a short reason."""

    def parse_application(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[Application | None, list[Problem]]: ...

    def parse_candidate(
        self, payload: Mapping[str, Any], *, job_id: str | None = None
    ) -> tuple[Application | None, list[Problem]]: ...

    def parse_attachment(
        self,
        payload: Mapping[str, Any],
        *,
        candidate_id: str | None = None,
        application_id: str | None = None,
    ) -> tuple[Attachment | None, list[Problem]]: ...

    def parse_activity(
        self,
        payload: Mapping[str, Any],
        *,
        candidate_id: str | None = None,
        application_id: str | None = None,
    ) -> tuple[Activity | None, list[Problem]]: ...

    def parse_stage_move(
        self, payload: Mapping[str, Any], *, application_id: str | None = None
    ) -> tuple[StageMove | None, list[Problem]]: ...


#: Every dialect, by name; :func:`detect_dialect` tries them all.
DIALECTS: dict[str, DialectParser] = {
    "kombo": KomboParser(),
    "merge": MergeParser(),
    "truto": TrutoParser(),
}

Kind = Literal["application", "candidate", "attachment", "activity", "stage_move"]

_KIND_WORDS = {
    "application": "create-application",
    "candidate": "create-candidate",
    "attachment": "attachment",
    "activity": "activity",
    "stage_move": "stage-move",
}


def load_payload(
    payload: Mapping[str, Any] | str | Path, *, limits_checked: bool = False
) -> tuple[Any, str | None]:
    """The decoded JSON body and the file name it came from (None for a dict or JSON text).

    A ``str`` that starts with ``{`` or ``[`` is JSON text; any other ``str`` is a file path.
    Every payload passes :mod:`asymbl_sf.models.limits` (size, depth, valid text) first, but
    a decoded value whose caller says it did already (``limits_checked``: an import's reader
    decoded the line with :func:`~asymbl_sf.models.limits.decode_json`).
    """
    if (
        type(payload) is dict  # the usual case, answered before the slower ABC check
        or isinstance(payload, Mapping)
        or payload is None
        or isinstance(payload, (list, tuple, bool, int, float))
    ):
        # An already-decoded JSON value (the CLI decodes standard input): checked like text;
        # a body that is not an object is refused afterwards, with the dialect's words.
        if not limits_checked:
            check_value(payload)
        return payload, None
    if not isinstance(payload, (str, Path)):
        raise PayloadError(
            Problem(
                "",
                f"cannot read a payload from a {type(payload).__name__}: "
                "pass a dict, JSON text or the path of a JSON file",
            )
        )
    if isinstance(payload, Path) or not payload.lstrip().startswith(("{", "[")):
        path = Path(payload)
        return read_json_file(path), path.name
    return decode_json(payload), None


def detect_dialect(payload: Any, kind: Kind = "application") -> str:
    """The name of the one dialect whose ``kind`` body shape ``payload`` has.

    :class:`PayloadError` when no dialect fits, or more than one does; the message names every
    dialect tried and why it did or did not fit.
    """
    fits: list[str] = []
    mismatches: list[tuple[str, str]] = []
    for name, parser in DIALECTS.items():
        reason = parser.mismatch(payload, kind)
        if reason is None:
            fits.append(name)
        else:
            mismatches.append((name, reason))
    if len(fits) == 1:  # every record of an import: the reasons are worded only when needed
        return fits[0]
    reasons = [f"{name}: {reason}" for name, reason in mismatches]
    what = f"{_KIND_WORDS.get(kind, kind)} payload"
    if fits:
        message = (
            f"cannot tell which dialect this {what} is in: it has the shape of "
            + " and of ".join(fits)
            + "; pass the dialect (--dialect) to choose"
            + (" (" + "; ".join(reasons) + ")" if reasons else "")
        )
    else:
        message = f"cannot tell which dialect this {what} is in (" + "; ".join(reasons) + ")"
    raise PayloadError(Problem("", message))


def _parser(dialect: str | None, body: Any, source: str | None, kind: Kind) -> DialectParser:
    if not is_object(body):
        raise PayloadError(Problem("", "the body must be a JSON object", source))
    if dialect is None:
        try:
            dialect = detect_dialect(body, kind)
        except PayloadError as exc:
            raise PayloadError(p.with_source(source) for p in exc.problems) from None
    parser = DIALECTS.get(dialect.strip().lower())
    if parser is None:
        raise PayloadError(
            Problem("", f"unknown dialect '{dialect}'; known: {', '.join(DIALECTS)}", source)
        )
    # A dialect named explicitly is not shape-checked: its own validation says, with paths,
    # what is missing or unknown, which is more useful than "not a <dialect> payload".
    return parser


_METHODS = {kind: f"parse_{kind}" for kind in _KIND_WORDS}


def _run(
    kind: Kind,
    payload: Mapping[str, Any] | str | Path,
    dialect: str | None,
    source: str | None,
    limits_checked: bool = False,
    **ids: str | None,
) -> Any:
    """What the dialect's ``parse_<kind>`` makes of ``payload`` given ``ids`` (the job,
    candidate or application given apart from the body); :class:`PayloadError` with every
    problem found. Each entry point below names the result's type."""
    try:
        body, file_name = load_payload(payload, limits_checked=limits_checked)
    except PayloadError as exc:  # a refused payload still names the record it came from
        raise PayloadError(p.with_source(p.source or source) for p in exc.problems) from None
    source = source or file_name
    parser = _parser(dialect, body, source, kind)
    result, problems = getattr(parser, _METHODS[kind])(body, **ids)
    if problems or result is None:
        raise PayloadError(p.with_source(source) for p in problems)
    return result


def parse_application(
    payload: Mapping[str, Any] | str | Path,
    *,
    job_id: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
    limits_checked: bool = False,
) -> Application:
    """A create-application payload as a canonical :class:`Application`.

    ``job_id`` is the job of the URL path (Kombo's ``/ats/jobs/{job_id}/applications``): a
    Salesforce id or ``remote:<value>``; Merge has it in ``model.job``, Truto (a candidate body)
    only here. ``dialect`` ("kombo", "merge", "truto") skips detection. ``source`` names the
    payload in problems (defaults to the file name when ``payload`` is a path).
    ``limits_checked`` says a decoded ``payload`` already passed the payload limits (see
    :func:`load_payload`). Raises :class:`PayloadError` with every problem found.
    """
    return _run("application", payload, dialect, source, limits_checked, job_id=job_id)


def parse_candidate(
    payload: Mapping[str, Any] | str | Path,
    *,
    job_id: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
    limits_checked: bool = False,
) -> Application:
    """A create-candidate payload, as an :class:`Application` whose ``candidate`` is set.

    Kombo's (deprecated) create candidate always creates an application too, so its job is
    required (``application.job_id`` or ``job_id``); Merge and Truto create a candidate alone, so
    ``job`` is None unless ``job_id`` is given.
    """
    return _run("candidate", payload, dialect, source, limits_checked, job_id=job_id)


def parse_attachment(
    payload: Mapping[str, Any] | str | Path,
    *,
    candidate_id: str | None = None,
    application_id: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
) -> Attachment:
    """A stand-alone attachment: Kombo ``{name, type, content_type, data | data_url}`` (or
    ``{"attachment": {...}}``), Merge ``{"model": {file_name, file_url, candidate,
    attachment_type, integration_params.path_with_extension}}``, Truto ``{file_name, file_url,
    type}``. ``candidate_id``/``application_id`` say whose file it is when the body does not
    (Kombo takes them from the URL); given in both, they must agree."""
    return _run(
        "attachment",
        payload,
        dialect,
        source,
        candidate_id=candidate_id,
        application_id=application_id,
    )


def parse_activity(
    payload: Mapping[str, Any] | str | Path,
    *,
    candidate_id: str | None = None,
    application_id: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
) -> Activity:
    """An activity: Kombo's application note ``{content, content_type}`` (a NOTE whose body is
    the content), Merge ``{"model": {activity_type, subject, body, visibility, user,
    candidate}}``, Truto ``{candidate_id, body, visibility, created_at}``."""
    return _run(
        "activity",
        payload,
        dialect,
        source,
        candidate_id=candidate_id,
        application_id=application_id,
    )


def parse_stage_move(
    payload: Mapping[str, Any] | str | Path,
    *,
    application_id: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
) -> StageMove:
    """Move an application to a stage: Kombo ``{stage_id}`` and Merge ``{job_interview_stage}``
    (flat or in ``model``) take the application from ``application_id`` (their URL); Truto's
    ``{application_id, stage_id}`` carries it in the body."""
    return _run("stage_move", payload, dialect, source, application_id=application_id)
