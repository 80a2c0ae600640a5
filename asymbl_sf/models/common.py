"""Helpers shared by the dialect parsers: enum case, job and id arguments, file names, URLs.

Functions that find problems append :class:`~asymbl_sf.errors.Problem` s to a list instead of
raising, so a parser can report every problem of a payload at once.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.ids import to_18
from asymbl_sf.models import canonical as c
from asymbl_sf.models.problems import custom_error, echo

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


#: Wrap a ``Literal`` of upper-case values to accept any case (``"Mobile"`` → ``"MOBILE"``).
Upper = BeforeValidator(_upper)
#: Wrap a ``Literal`` of lower-case values to accept any case (``"Private"`` → ``"private"``).
Lower = BeforeValidator(_lower)


def upper_or_none(value: str | None) -> str | None:
    """Free-text types in one case: ``" mobile "`` → ``"MOBILE"``; empty → None."""
    if value is None:
        return None
    value = value.strip().upper()
    return value or None


def http_url(value: str) -> str:
    """``value`` when it is an http(s) URL; a custom validation error otherwise."""
    if not value.lower().startswith(("https://", "http://")):
        raise custom_error(f"must be an http(s) URL (got {echo(value)})")
    return value


def non_empty_or_none(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --- job and ids given as arguments and/or in the body --------------------------------------


def job_reference(value: Any, path: str, problems: list[Problem]) -> c.JobReference | None:
    """``value`` as a :class:`JobReference`; None (and a problem unless None) otherwise."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return c.JobReference.parse(value, path=path)
        except PayloadError:
            pass  # reported below, with the offending value
    problems.append(Problem(path, f"{c.JOB_ID_MESSAGE} (got {echo(value)})"))
    return None


def same_job(a: c.JobReference, b: c.JobReference) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "id":
        return to_18(a.value) == to_18(b.value)
    return a.value == b.value


def resolve_job(
    job_id: str | None,
    body_value: Any,
    body_path: str,
    problems: list[Problem],
    *,
    required: bool,
) -> c.JobReference | None:
    """The job from the ``job_id`` argument and/or the body; they must agree when both given."""
    from_arg = job_reference(job_id, "job_id", problems)
    from_body = job_reference(body_value, body_path, problems)
    if from_arg and from_body and not same_job(from_arg, from_body):
        problems.append(
            Problem(
                body_path,
                f"differs from the job id given separately ({echo(str(from_arg))}); "
                "give one, or make them equal",
            )
        )
    if required and job_id is None and body_value is None:
        problems.append(Problem(body_path, "required (a Salesforce job id or remote:<value>)"))
    return from_arg or from_body


def resolve_id(
    arg: str | None,
    arg_name: str,
    body_value: Any,
    body_path: str | None,
    problems: list[Problem],
    *,
    required: bool = False,
    why: str = "",
) -> str | None:
    """An id given as argument ``arg_name`` and/or in the body at ``body_path``.

    Both given → they must be equal. ``body_value`` is used only when it is a non-empty string
    (a wrong type is reported by the dialect's model).
    """
    from_body = non_empty_or_none(body_value)
    from_arg = non_empty_or_none(arg)
    if arg is not None and from_arg is None:
        problems.append(Problem(arg_name, "must not be empty"))
    if from_arg and from_body and from_arg != from_body:
        problems.append(
            Problem(
                body_path or arg_name,
                f"differs from the {arg_name} given separately ({echo(from_arg)}); "
                "give one, or make them equal",
            )
        )
    value = from_arg or from_body
    if required and value is None and body_value is None and arg is None:
        if body_path is None:
            where = f"pass {arg_name}"
        elif body_path == arg_name:
            where = f"give {arg_name} in the body or pass it separately"
        else:
            where = f"give {body_path} or pass {arg_name}"
        problems.append(Problem(body_path or arg_name, f"required ({where}){why}"))
    return value


# --- files -----------------------------------------------------------------------------------


def extension_of(name: str | None) -> str | None:
    """``"cv.PDF"`` → ``"PDF"``; None when the name has no extension."""
    if not name:
        return None
    match = _EXTENSION.search(name.strip())
    return match.group(1) if match else None


def url_file_name(url: str | None) -> str | None:
    """The last segment of a URL's path (``https://x/y/cv.pdf?a=1`` → ``cv.pdf``)."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if "://" in path:
        path = path.split("://", 1)[1]
        if "/" not in path:  # only a host, no path
            return None
    return path.rsplit("/", 1)[-1] or None


def complete_name(file_name: str | None, path_with_extension: str | None) -> str | None:
    """``file_name`` with the extension of ``path_with_extension`` appended when it has none:
    ``("Fake Resume", "fake_resume.pdf")`` → ``"Fake Resume.pdf"``."""
    name = file_name.strip() if file_name else ""
    ext = extension_of(path_with_extension)
    if not name:
        return path_with_extension
    if ext and not extension_of(name):
        return f"{name}.{ext}"
    return name


def content_type_for(name: str | None) -> str | None:
    """The MIME type an extension implies (``cv.pdf`` → ``application/pdf``), or None."""
    if not name or not extension_of(name):
        return None
    guessed, _ = mimetypes.guess_type(name.strip(), strict=False)
    return guessed


# --- candidate details -------------------------------------------------------------------------


def first_location(locations: list[str]) -> c.Location | None:
    """Only the first non-empty location is used (Asymbl's rule); it is taken as the city."""
    for loc in locations:
        if loc and loc.strip():
            return c.Location(city=loc.strip(), raw=loc.strip())
    return None


def is_object(value: Any) -> bool:
    return isinstance(value, Mapping)
