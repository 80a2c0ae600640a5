"""Delta reads: what ``since`` means, and the watermark a completed read leaves behind.

A delta read asks for ``SystemModstamp > since - overlap``. The overlap exists because Salesforce
stamps a row when its transaction writes it, which can be well before the transaction commits: a
long transaction can make visible a row stamped *before* rows a reader already saw, and a reader
that started exactly at its last watermark would never see it.

The watermark of a read is the newest ``SystemModstamp`` it saw, plus the *edge*: the ids (and
stamps) of the rows within ``overlap`` of it. The next ``since="last"`` read starts ``overlap``
before the watermark and skips the edge's rows whose stamp did not change, so it returns what
changed after the last read and nothing it already returned. The edge is capped at
:data:`EDGE_LIMIT` rows (the newest kept): past that, a few rows may come twice, never zero times.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from asymbl_sf.errors import PayloadError, Problem

#: Most rows a watermark's edge remembers (a bounded memory, however large the read).
EDGE_LIMIT = 10_000

_CANONICAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
_ZONE = re.compile(r"([+-]\d{2}):?(\d{2})$")


def parse_moment(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 or Salesforce's form (``...000+0000``); a bare date
    is midnight UTC. Raises ``ValueError``."""
    cleaned = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
        cleaned += "T00:00:00+00:00"
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    cleaned = _ZONE.sub(r"\1:\2", cleaned)
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def stamp_key(stamp: str) -> str:
    """A string that orders like the instant (Salesforce's own form is kept as it is)."""
    if _CANONICAL.match(stamp):
        return stamp[:23]
    return parse_moment(stamp).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23]


def parse_since(value: datetime | str | None) -> datetime | str | None:
    """``since`` as given to ``read``: None, ``"last"``, or an aware datetime (naive ones are
    taken as UTC). Raises :class:`~asymbl_sf.errors.PayloadError` for anything else."""
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value
    if isinstance(value, str) and value.strip().lower() == "last":
        return "last"
    try:
        return parse_moment(str(value))
    except ValueError:
        raise PayloadError(
            Problem(
                "since",
                f"not a date or date-time: {str(value)[:40]!r}; "
                "use ISO 8601 (2026-01-05 or 2026-01-05T09:00:00Z) or "
                "'last'",
            )
        ) from None


@dataclass(frozen=True)
class Watermark:
    """Where a completed read of one model ended."""

    #: The newest ``SystemModstamp`` the read saw, as Salesforce wrote it.
    stamp: str
    #: Id → ``SystemModstamp`` of the rows within the overlap of ``stamp``.
    edge: dict[str, str] = field(default_factory=dict)

    @property
    def moment(self) -> datetime:
        return parse_moment(self.stamp)

    def already_read(self, record_id: str, stamp: str) -> bool:
        """Whether this row was returned by the read that left the watermark, unchanged."""
        seen = self.edge.get(record_id)
        return seen is not None and stamp_key(seen) == stamp_key(stamp)


class EdgeTracker:
    """Follows the rows of one read: the newest stamp and the rows within ``overlap`` of it."""

    def __init__(self, overlap: timedelta, limit: int = EDGE_LIMIT) -> None:
        self.overlap = overlap
        self.limit = limit
        self._newest: str | None = None
        self._newest_key = ""
        self._cutoff = ""
        self._heap: list[tuple[str, str]] = []  # (stamp key, id), oldest first
        self._edge: dict[str, tuple[str, str]] = {}  # id -> (stamp key, stamp)

    def see(self, record_id: str, stamp: str) -> None:
        key = stamp_key(stamp)
        if key > self._newest_key:
            self._newest, self._newest_key = stamp, key
            cutoff = parse_moment(stamp) - self.overlap
            self._cutoff = cutoff.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23]
        if key < self._cutoff:
            return
        self._edge[record_id] = (key, stamp)
        heapq.heappush(self._heap, (key, record_id))
        self._evict()

    def _evict(self) -> None:
        while self._heap and (self._heap[0][0] < self._cutoff or len(self._edge) > self.limit):
            key, record_id = heapq.heappop(self._heap)
            if self._edge.get(record_id, ("",))[0] == key:
                del self._edge[record_id]
        # Stale heap entries (a row seen again with a newer stamp) cost memory: rebuild rarely.
        if len(self._heap) > 2 * self.limit:
            self._heap = [(key, rid) for rid, (key, _) in self._edge.items()]
            heapq.heapify(self._heap)

    def watermark(self) -> Watermark | None:
        """The watermark of what was seen; None when the read saw no row."""
        if self._newest is None:
            return None
        self._evict()
        return Watermark(self._newest, {rid: stamp for rid, (_, stamp) in self._edge.items()})
