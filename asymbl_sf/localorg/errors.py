"""Errors the local org answers with, carrying Salesforce's own error codes and bodies.

A single-record REST call answers a failure with an HTTP 4xx and a JSON *list*
``[{"message", "errorCode", "fields"}]``; sObject Collections answer HTTP 200 and put the same
errors per item under ``statusCode`` instead of ``errorCode``. :class:`RecordError` is one such
error; :class:`ApiError` is a whole failed call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordError:
    """One error about one record, as Salesforce reports it."""

    error_code: str
    message: str
    fields: tuple[str, ...] = ()

    def rest_body(self) -> dict[str, Any]:
        """The shape of a single-record REST error (``errorCode``)."""
        return {"message": self.message, "errorCode": self.error_code, "fields": list(self.fields)}

    def collection_body(self) -> dict[str, Any]:
        """The shape inside sObject Collections results (``statusCode``)."""
        return {"statusCode": self.error_code, "message": self.message, "fields": list(self.fields)}


@dataclass
class ApiError(Exception):
    """A call the org refuses: an HTTP status and one or more record errors."""

    status: int
    errors: list[RecordError] = field(default_factory=list)
    #: A body other than an error list (the 300 of an upsert lists the matching records' URLs).
    raw: Any = None

    @classmethod
    def single(
        cls, status: int, error_code: str, message: str, fields: tuple[str, ...] = ()
    ) -> ApiError:
        return cls(status, [RecordError(error_code, message, fields)])

    def body(self) -> Any:
        return self.raw if self.raw is not None else [e.rest_body() for e in self.errors]

    def __str__(self) -> str:
        if not self.errors:
            return f"HTTP {self.status}: {self.raw}"
        return "; ".join(f"{e.error_code}: {e.message}" for e in self.errors)


class RecordRejected(Exception):
    """A create or update that Salesforce's rules refuse; holds every error found."""

    def __init__(self, errors: list[RecordError], status: int = 400) -> None:
        super().__init__("; ".join(f"{e.error_code}: {e.message}" for e in errors))
        self.errors = errors
        self.status = status
