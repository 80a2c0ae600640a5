"""Fault injection, latency and call counting: what tests and benchmarks steer the org with.

Faults model what goes wrong with a real org: transient errors that deserve a retry (row locks,
5xx, dropped connections, an expired session), the daily API limit, and permanent errors on chosen
records. A fault applies either to the next N matching calls or at a seeded random rate, so a
failing test can be replayed exactly.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Kinds of call-level faults.
FAULT_KINDS = (
    "http_500",  # 500 UNKNOWN_EXCEPTION
    "http_503",  # 503 SERVER_UNAVAILABLE
    "drop",  # the connection drops before the org sees the request
    "lost_response",  # the org does the work, then the connection drops (answer lost)
    "expired_session",  # 401 INVALID_SESSION_ID
    "request_limit",  # 403 REQUEST_LIMIT_EXCEEDED (daily limit)
    "row_lock",  # UNABLE_TO_LOCK_ROW (per record inside collections, else 400)
)

TRANSIENT_KINDS = ("http_500", "http_503", "drop", "lost_response", "expired_session", "row_lock")


@dataclass
class CallFault:
    kind: str
    remaining: int | None = None  # next N matching calls; None = at `rate`
    rate: float = 0.0
    path_pattern: re.Pattern[str] | None = None
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path_pattern and not self.path_pattern.search(path))


@dataclass
class RecordFault:
    """A permanent error for records a predicate picks (a bad picklist, a validation rule)."""

    error_code: str
    message: str
    predicate: Callable[[str, dict[str, Any]], bool]
    fields: tuple[str, ...] = ()


@dataclass
class FaultPlan:
    """What the org will do wrong next; empty by default."""

    seed: int = 0
    call_faults: list[CallFault] = field(default_factory=list)
    record_faults: list[RecordFault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def next(
        self, count: int, kind: str, *, path: str | None = None, method: str | None = None
    ) -> None:
        """Fail the next ``count`` calls (optionally only those matching ``path``/``method``)."""
        self._check_kind(kind)
        self.call_faults.append(
            CallFault(
                kind,
                remaining=count,
                method=method,
                path_pattern=re.compile(path) if path else None,
            )
        )

    def at_rate(
        self,
        rate: float,
        kinds: tuple[str, ...] = TRANSIENT_KINDS,
        *,
        seed: int | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Fail each call with probability ``rate``, spread evenly over ``kinds``."""
        if seed is not None:
            self._random = random.Random(seed)
        for kind in kinds:
            self._check_kind(kind)
            self.call_faults.append(
                CallFault(
                    kind,
                    rate=rate / len(kinds),
                    method=method,
                    path_pattern=re.compile(path) if path else None,
                )
            )

    def on_records(
        self,
        error_code: str,
        predicate: Callable[[str, dict[str, Any]], bool],
        *,
        message: str | None = None,
        fields: tuple[str, ...] = (),
    ) -> None:
        """Every create or update of a record for which ``predicate(sobject, body)`` holds fails."""
        self.record_faults.append(
            RecordFault(
                error_code, message or f"{error_code} injected by the local org", predicate, fields
            )
        )

    def clear(self) -> None:
        self.call_faults.clear()
        self.record_faults.clear()

    def draw(self, method: str, path: str) -> str | None:
        """The fault for this call, if any (consumes a counted fault)."""
        for fault in self.call_faults:
            if not fault.matches(method, path):
                continue
            if fault.remaining is not None:
                if fault.remaining > 0:
                    fault.remaining -= 1
                    return fault.kind
                continue
            if fault.rate and self._random.random() < fault.rate:
                return fault.kind
        self.call_faults = [f for f in self.call_faults if f.remaining is None or f.remaining > 0]
        return None

    def record_fault(self, sobject: str, body: dict[str, Any]) -> RecordFault | None:
        for fault in self.record_faults:
            if fault.predicate(sobject, body):
                return fault
        return None

    @staticmethod
    def _check_kind(kind: str) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose one of {', '.join(FAULT_KINDS)}")


@dataclass
class CallLog:
    """API calls seen by the org, per endpoint (``POST composite/sobjects``)."""

    by_endpoint: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_endpoint.values())

    def record(self, endpoint: str) -> None:
        self.by_endpoint[endpoint] += 1

    def reset(self) -> None:
        self.by_endpoint.clear()

    def __getitem__(self, endpoint: str) -> int:
        return self.by_endpoint[endpoint]
