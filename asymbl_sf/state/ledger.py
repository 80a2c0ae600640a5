"""What asymbl-sf created in an org: an append-only ledger, and the folder it lives in.

Kombo can "sync only created applications": read back only what its API created. Salesforce
cannot tell which records a given tool created (``CreatedById`` is the integration user, which
other tools share), so asymbl-sf keeps its own ledger: one JSON Lines file per org,
``<state>/<org key>/created.jsonl``, one line per write::

    {"sobject": "Contact", "ids": ["0038d00000000A1AAI"], "at": "2026-01-05T09:00:00Z"}

Appends take an exclusive ``flock`` and are flushed and fsync'ed before ``record`` returns, so
two processes importing into the same org at once lose nothing. A process killed while writing
leaves at most a torn last line: readers skip it and the next append starts on a fresh line.

Ids are known only once Salesforce answers a create, and a process killed after the org saved a
batch but before the answer arrived would never learn them. So the import first appends one
*pending* line naming the batch's records by natural key (never personal data: a digest of the
email for a Contact, ``<Contact id>/<Job id>`` for an application)::

    {"sobject": "Contact", "pending": ["9f2c41d07a3be815"], "at": "2026-01-05T09:00:00Z"}

and, once answered, a line with the ids that also *settles* the keys (created or refused)::

    {"sobject": "Contact", "ids": ["0038d00000000A1AAI"], "settled": ["9f2c41d07a3be815"], ...}

A later import that finds a record by lookup whose key is pending and unsettled knows this tool
sent it, records its id and settles the key (:class:`PendingClaims`). A record that existed
before the import was never pending, so it is never recorded. Lines without ``ids`` (pending
lines) are skipped by older readers, so the format stays compatible both ways.

The state folder is ``.asymbl-sf/state`` in the working directory unless ``ASYMBL_SF_STATE_DIR``
names another; :mod:`asymbl_sf.reading.watermarks` keeps delta-sync watermarks beside the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from asymbl_sf.schema.ids import looks_like_id, to_18
from asymbl_sf.schema.names import APPLICANT
from asymbl_sf.state.atomic import ends_torn, file_lock

#: Environment variable that moves the state folder.
STATE_DIR_ENV = "ASYMBL_SF_STATE_DIR"
DEFAULT_STATE_DIR = Path(".asymbl-sf") / "state"
LEDGER_FILE = "created.jsonl"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def state_root() -> Path:
    """The folder holding every org's state: ``$ASYMBL_SF_STATE_DIR`` or ``.asymbl-sf/state``."""
    configured = os.environ.get(STATE_DIR_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_STATE_DIR


def org_state_dir(org_key: str, root: Path | None = None) -> Path:
    """The state folder of one org (``org_key`` made safe as a folder name)."""
    cleaned = _UNSAFE.sub("_", org_key.strip()) or "_"
    if cleaned in (".", ".."):
        cleaned = cleaned.replace(".", "_")
    return (root if root is not None else state_root()) / cleaned


def org_key_for(instance_host: str, local_org: Any = None, session_id: str | None = None) -> str:
    """The name of an org's state folder: the org's identity, never where it is reached from.

    - a real org: its org id (``00D...``, 15 characters), which Salesforce puts before the ``!``
      of every session id and access token, so it costs no API call; it survives a My Domain
      rename or an instance move. Only when the token is not of that shape: the instance host.
    - a local org kept on disk: ``local-<the id stored in its folder>``, so the project folder
      can move; ``local-memory`` for one in memory.
    """
    if local_org is not None:
        identity = getattr(local_org, "identity", None)
        return f"local-{identity}" if identity else "local-memory"
    org_id = org_id_of_session(session_id)
    return org_id if org_id else instance_host.strip().lower()


def org_id_of_session(session_id: str | None) -> str | None:
    """The 15-character org id a Salesforce session id or access token starts with, or None."""
    found = _SESSION_ORG_ID.match(session_id or "")
    return found.group(1) if found else None


def legacy_org_keys(instance_host: str, local_org: Any = None) -> list[str]:
    """The keys earlier versions gave the same org (by instance host; by the absolute path of a
    local org's folder), whose state :func:`adopt_legacy_state` moves to the org's own key."""
    folder = getattr(local_org, "folder", None)
    if folder is not None:
        digest = hashlib.sha256(str(Path(folder.path).resolve()).encode("utf-8")).hexdigest()
        return [f"local-{digest[:12]}"]
    if local_org is not None:
        return []
    return [instance_host.strip().lower()]


def adopt_legacy_state(org_key: str, legacy: Iterable[str], root: Path | None = None) -> None:
    """Move the state an earlier version kept under a legacy key to ``org_key``, once: only
    when the org has no state of its own yet (never merges two folders)."""
    target = org_state_dir(org_key, root)
    if target.exists():
        return
    for key in legacy:
        source = org_state_dir(key, root)
        if key != org_key and source.is_dir():
            try:
                source.rename(target)
            except OSError:
                return  # another process adopted it first, or the disk refuses: keep both
            return


#: ``00D`` + 12 characters, then ``!``: the org id at the start of a session id.
_SESSION_ORG_ID = re.compile(r"(00D[0-9A-Za-z]{12})!")


def keeps_state_on_disk(instance_host: str, local_org: Any = None) -> bool:
    """Whether an org's ledger and watermarks belong on disk. Not for an in-memory local org,
    nor for any host in the reserved ``.invalid`` domain (a test double, never a real org):
    their record ids are reused by the next such org, so a file would mislead it."""
    if local_org is not None:
        return getattr(local_org, "folder", None) is not None
    return not instance_host.strip().lower().rstrip(".").endswith(".invalid")


def record_created(ledger: CreatedLedger | None, result: Mapping[str, Any]) -> None:
    """Note in ``ledger`` the Contact and applicant a write result says it created.

    A ledger that cannot be written (a full disk) must not make a successful create look
    failed, so that becomes a warning on the result.
    """
    if ledger is None or result.get("status") != "success":
        return
    actions = result.get("actions") or {}
    try:
        for key, sobject in (("candidate", "Contact"), ("application", APPLICANT)):
            action = actions.get(key) or {}
            if action.get("action") == "create" and action.get("id"):
                ledger.record(sobject, [action["id"]])
    except OSError as exc:
        warnings = result.get("warnings")
        if isinstance(warnings, list):
            warnings.append(
                {
                    "message": f"created, but the ledger of created records could "
                    f"not be written ({exc}): read --created-only will "
                    "miss this record"
                }
            )


#: Natural keys per pending line: a line stays a few hundred kilobytes at most.
PENDING_PER_LINE = 5_000


class _Entry(NamedTuple):
    """One ledger line: ids created, keys sent (pending), keys answered (settled)."""

    sobject: str
    ids: list[str]
    pending: list[str]
    settled: list[str]


class CreatedLedger:
    """Ids of the records asymbl-sf created in one org.

    ``path`` None keeps the ids in memory only: what a client of an in-memory local org uses,
    whose ids mean nothing once the process ends.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: list[_Entry] = []

    @classmethod
    def for_org(cls, org_key: str, root: Path | None = None) -> CreatedLedger:
        """The ledger of the org ``org_key`` (see :attr:`asymbl_sf.Asymbl.org_key`) under
        ``root`` (default: :func:`state_root`). The file is created by the first ``record``."""
        return cls(org_state_dir(org_key, root) / LEDGER_FILE)

    @classmethod
    def in_memory(cls) -> CreatedLedger:
        return cls(None)

    def record(self, sobject: str, ids: Iterable[str], *, settled: Iterable[str] = ()) -> None:
        """Remember that asymbl-sf created these records of ``sobject`` (15- or 18-char ids),
        and that the pending natural keys ``settled`` got their answer (created or refused).

        Returns once the line is on disk. Raises ``ValueError`` for a value that is not an id.
        """
        full = [to_18(i) for i in ids]
        keys = [str(k) for k in settled]
        if not full and not keys:
            return
        self._append([_Entry(sobject, full, [], keys)])

    def note_pending(self, sobject: str, keys: Iterable[str]) -> None:
        """Remember, before sending them, that creates of ``sobject`` records with these natural
        keys are about to go out: one append (one fsync) for the lot."""
        wanted = list(dict.fromkeys(str(k) for k in keys))
        self._append(
            [
                _Entry(sobject, [], wanted[i : i + PENDING_PER_LINE], [])
                for i in range(0, len(wanted), PENDING_PER_LINE)
            ]
        )

    def unsettled(self, sobject: str) -> set[str]:
        """Natural keys of ``sobject`` sent by some run that never learnt their outcome."""
        wanted = sobject.lower()
        pending: set[str] = set()
        settled: set[str] = set()
        for entry in self._entries():
            if entry.sobject == wanted:
                pending.update(entry.pending)
                settled.update(entry.settled)
        return pending - settled

    def _append(self, entries: list[_Entry]) -> None:
        if not entries:
            return
        if self.path is None:
            self._memory.extend(e._replace(sobject=e.sobject.lower()) for e in entries)
            return
        at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        data = b"".join(_line(entry, at) for entry in entries)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle, file_lock(handle):
            prefix = b"\n" if ends_torn(handle) else b""
            handle.write(prefix + data)
            handle.flush()
            os.fsync(handle.fileno())

    def ids(self, sobject: str) -> set[str]:
        """Every id recorded for ``sobject`` (case-insensitive name), 18 characters each."""
        wanted = sobject.lower()
        return {i for entry in self._entries() if entry.sobject == wanted for i in entry.ids}

    def __contains__(self, record_id: object) -> bool:
        if not isinstance(record_id, str) or not looks_like_id(record_id):
            return False
        full = to_18(record_id)
        return any(full in entry.ids for entry in self._entries())

    def _entries(self) -> Iterator[_Entry]:
        if self.path is None:
            yield from self._memory
            return
        if not self.path.exists():
            return
        with open(self.path, "rb") as handle, file_lock(handle, exclusive=False):
            for raw in handle:
                entry = _parse_line(raw)
                if entry is not None:
                    yield entry


class PendingClaims:
    """Settles, for one import run, the pending creates an earlier (killed) run left behind.

    The unsettled keys are read from the ledger once per sObject, at the first lookup, so the
    hot path costs a set lookup per record found and one append per chunk that claims any.
    """

    def __init__(self, ledger: CreatedLedger) -> None:
        self.ledger = ledger
        self._open: dict[str, set[str]] = {}

    def claim(self, sobject: str, found: Mapping[str, str]) -> list[str]:
        """Of the records a lookup ``found`` (natural key → id), record as created those whose
        key an earlier run sent without learning the answer, and settle their keys. Returns the
        ids recorded."""
        if not found:
            return []
        name = sobject.lower()
        if name not in self._open:
            self._open[name] = self.ledger.unsettled(sobject)
        unsettled = self._open[name]
        hits = {key: record_id for key, record_id in found.items() if key in unsettled}
        if not hits:
            return []
        self.ledger.record(sobject, hits.values(), settled=hits)
        unsettled.difference_update(hits)
        return list(hits.values())


def _line(entry: _Entry, at: str) -> bytes:
    data: dict[str, Any] = {"sobject": entry.sobject}
    if entry.pending:
        data["pending"] = entry.pending
    else:
        data["ids"] = entry.ids  # always present on a non-pending line: older readers need it
    if entry.settled:
        data["settled"] = entry.settled
    data["at"] = at
    return json.dumps(data, separators=(",", ":")).encode("utf-8") + b"\n"


def _parse_line(raw: bytes) -> _Entry | None:
    """One ledger line, or None for a torn or foreign line (skipped, never fatal)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    sobject = data.get("sobject")
    if not isinstance(sobject, str):
        return None
    ids, pending, settled = (data.get(name, []) for name in ("ids", "pending", "settled"))
    if not isinstance(ids, list) or not isinstance(pending, list) or not isinstance(settled, list):
        return None
    return _Entry(
        sobject.lower(),
        [i for i in ids if isinstance(i, str) and looks_like_id(i)],
        [k for k in pending if isinstance(k, str)],
        [k for k in settled if isinstance(k, str)],
    )
