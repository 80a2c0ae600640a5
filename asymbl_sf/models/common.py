"""Helpers shared by the dialect parsers: input models and checked string types, enum case,
job and id arguments, file names, URLs, candidates.

Functions that find problems append :class:`~asymbl_sf.errors.Problem` s to a list instead of
raising, so a parser can report every problem of a payload at once.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeGuard, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
)

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models import canonical as c
from asymbl_sf.models.checks import email_problem
from asymbl_sf.models.plain_data import plain_validator
from asymbl_sf.models.problems import custom_error, echo, problems_from
from asymbl_sf.schema.ids import to_18

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


def rejecting(problem: Callable[[str], str | None]) -> AfterValidator:
    """A validator that reports ``problem(value)`` (a message, or None when fine)."""

    def check(value: str) -> str:
        if message := problem(value):
            raise custom_error(message)
        return value

    return AfterValidator(check)


def raising(parse: Callable[[str], object]) -> AfterValidator:
    """A validator that reports the ``ValueError`` message of ``parse(value)``."""

    def check(value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise custom_error(str(exc)) from None
        return value

    return AfterValidator(check)


# What email_problem accepts, in one regex: a local part of at most 64 allowed characters in
# dot-separated runs (so no leading, trailing or double dot), one @, and at least two
# dot-separated labels, the last not all digits. It only ever says "fine" sooner: anything it
# does not match (or a length it does not check) goes to email_problem, which decides and words
# the message, so behaviour is the same.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(
    rf"(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@(?:{_DOMAIN_LABEL}\.)+(?!\d+\Z){_DOMAIN_LABEL}"
)


def _email_problem(value: str) -> str | None:
    """:func:`~asymbl_sf.models.checks.email_problem`, with a fast path for the usual address
    (every applicant of an import has one)."""
    if len(value) <= 254 and _PLAIN_EMAIL.fullmatch(value):
        return None
    return email_problem(value)


#: A non-empty email address Salesforce's Email field accepts.
Email = Annotated[NonEmpty, rejecting(_email_problem)]
#: An http(s) URL (may be empty: then it is reported as not a URL).
HttpUrl = Annotated[str, AfterValidator(http_url)]


# --- input models ------------------------------------------------------------------------------


class InputModel(BaseModel):
    """Base of every dialect's input models: unknown keys are reported, never dropped."""

    model_config = ConfigDict(extra="forbid")


M = TypeVar("M", bound=BaseModel)


def validate(
    model: type[M], data: Any, problems: list[Problem], prefix: tuple[int | str, ...] = ()
) -> M | None:
    """``data`` as ``model``; None, with its problems appended to ``problems``, when invalid."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems += problems_from(exc, model, prefix=prefix)
        return None


def validate_plain(
    model: type[BaseModel], data: Any, problems: list[Problem]
) -> dict[str, Any] | None:
    """``data`` checked as ``model`` but given back as plain dicts (every field, defaults filled
    in; see :mod:`asymbl_sf.models.plain_data`); None, with its problems appended to
    ``problems``, when invalid: the problems :func:`validate` would report."""
    try:
        valid: dict[str, Any] = plain_validator(model).validate_python(data)
    except ValidationError as exc:
        problems += problems_from(exc, model)
        return None
    return valid


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
            return c.Trusted.Location(city=loc.strip(), raw=loc.strip())
    return None


def is_object(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """Whether ``value`` is a JSON object (a ``Mapping``); a plain ``dict`` is answered without
    the slower ABC check, since every parsed payload asks several times."""
    return type(value) is dict or isinstance(value, Mapping)


def candidate_with(
    emails: list[c.EmailAddress], phones: list[c.PhoneNumber], **fields: Any
) -> c.Candidate:
    """A candidate whose primary email and phone number are the first of ``emails``/``phones``."""
    return c.Trusted.Candidate(
        email_address=emails[0].email_address if emails else None,
        email_addresses=emails,
        phone_number=phones[0].phone_number if phones else None,
        phone_numbers=phones,
        **fields,
    )


def unique_emails(pairs: list[tuple[str, str | None]]) -> list[c.EmailAddress]:
    """``(address, type)`` pairs as email addresses, dropping repeats (in any case)."""
    emails: list[c.EmailAddress] = []
    for address, kind in pairs:
        if all(address.lower() != seen.email_address.lower() for seen in emails):
            emails.append(c.Trusted.EmailAddress(email_address=address, type=kind))
    return emails


def mismatch_of_object(payload: Any, envelope: str | None) -> str | None:
    """Why ``payload`` cannot be a body at all: not an object, or (for a dialect whose bodies
    are flat, ``envelope`` naming it) a Merge-style ``model`` envelope; None otherwise."""
    if not is_object(payload):
        return "the body is not a JSON object"
    if envelope and "model" in payload:
        return f"has a 'model' envelope ({envelope} bodies are flat)"
    return None
