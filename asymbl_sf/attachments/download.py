"""Attachments given by URL, downloaded before anything is written.

A payload may name a file by URL instead of carrying its bytes (Kombo's ``data_url``, Merge's
and Truto's ``file_url``). The bytes are fetched first, safely (:mod:`.fetch`), so a download
that fails stops the record with a problem naming the payload's own field, and nothing of it is
half-written.
"""

from __future__ import annotations

from collections.abc import Sequence

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models.canonical import Attachment

from .fetch import Fetched, FetchError, FetchPolicy, fetch

#: Each dialect's name for an attachment's URL.
_URL_KEYS = {"kombo": "data_url", "merge": "file_url", "truto": "file_url"}


def url_field(dialect: str | None, path: str = "") -> str:
    """Where an attachment's URL was in the payload: ``attachments[0].data_url`` (Kombo),
    ``model.file_url`` (a Merge attachment on its own), ``file_url`` (Truto)."""
    key = _URL_KEYS.get((dialect or "kombo").lower(), "data_url")
    if not path and (dialect or "").lower() == "merge":
        return f"model.{key}"
    return f"{path}.{key}" if path else key


def download_all(
    attachments: Sequence[tuple[str, Attachment]],
    dialect: str | None,
    policy: FetchPolicy | None = None,
) -> list[Attachment]:
    """``attachments`` (payload path, attachment) with every URL fetched; already-present bytes
    are kept. Every failed download is a problem, all raised together."""
    problems: list[Problem] = []
    out: list[Attachment] = []
    for path, attachment in attachments:
        if attachment.data is not None or not attachment.data_url:
            out.append(attachment)
            continue
        try:
            out.append(with_download(attachment, fetch(attachment.data_url, policy=policy)))
        except FetchError as exc:
            problems.append(
                Problem(
                    url_field(attachment.dialect or dialect, path), f"download failed: {exc.reason}"
                )
            )
    if problems:
        raise PayloadError(problems)
    return out


def with_download(attachment: Attachment, fetched: Fetched) -> Attachment:
    """``attachment`` with the fetched bytes; the response fills a missing type or extension."""
    extension = ""
    if fetched.file_name and "." in fetched.file_name:
        extension = fetched.file_name.rsplit(".", 1)[1]

    def completed(name: str | None) -> str | None:
        if name and "." not in name and extension:
            return f"{name}.{extension}"
        return name

    name = completed(attachment.name) or attachment.name
    return attachment.model_copy(
        update={
            "data": fetched.data,
            "name": name,
            "content_type": attachment.content_type or fetched.content_type,
            "path_with_extension": completed(attachment.path_with_extension)
            or (name if "." in name else None),
        }
    )
