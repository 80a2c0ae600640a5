"""What asymbl-sf created in an org: an append-only ledger, and the folder it lives in.

Kombo can "sync only created applications": read back only what its API created. Salesforce
cannot tell which records a given tool created (``CreatedById`` is the integration user, which
other tools share), so asymbl-sf keeps its own ledger: one JSON Lines file per org,
``<state>/<org key>/created.jsonl``, one line per write::

    {"sobject": "Contact", "ids": ["0038d00000000A1AAI"], "at": "2026-01-05T09:00:00Z"}

Appends take an exclusive ``flock`` and are flushed and fsync'ed before ``record`` returns, so
two processes importing into the same org at once lose nothing. A process killed while writing
leaves at most a torn last line: readers skip it and the next append starts on a fresh line. The
records of that one write were created but are then not in the ledger (the ledger is written
after Salesforce confirmed the create, never before).

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
from typing import IO, Any

from asymbl_sf.atomic import file_lock
from asymbl_sf.flows.lookup import APPLICANT
from asymbl_sf.ids import looks_like_id, to_18

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


def org_key_for(instance_host: str, local_org: Any = None) -> str:
    """The name of an org's state folder: its instance host (``acme.my.salesforce.com``), or
    ``local-<hash of its folder>`` for a local org kept on disk (``local-memory`` in memory)."""
    folder = getattr(local_org, "folder", None)
    if folder is not None:
        digest = hashlib.sha256(str(Path(folder.path).resolve()).encode("utf-8")).hexdigest()
        return f"local-{digest[:12]}"
    if local_org is not None:
        return "local-memory"
    return instance_host.strip().lower()


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
            warnings.append({"message": f"created, but the ledger of created records could "
                                        f"not be written ({exc}): read --created-only will "
                                        "miss this record"})


class CreatedLedger:
    """Ids of the records asymbl-sf created in one org.

    ``path`` None keeps the ids in memory only: what a client of an in-memory local org uses,
    whose ids mean nothing once the process ends.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: list[tuple[str, list[str]]] = []

    @classmethod
    def for_org(cls, org_key: str, root: Path | None = None) -> CreatedLedger:
        """The ledger of the org ``org_key`` (see :attr:`asymbl_sf.Asymbl.org_key`) under
        ``root`` (default: :func:`state_root`). The file is created by the first ``record``."""
        return cls(org_state_dir(org_key, root) / LEDGER_FILE)

    @classmethod
    def in_memory(cls) -> CreatedLedger:
        return cls(None)

    def record(self, sobject: str, ids: Iterable[str]) -> None:
        """Remember that asymbl-sf created these records of ``sobject`` (15- or 18-char ids).

        Returns once the line is on disk. Raises ``ValueError`` for a value that is not an id.
        """
        full = [to_18(i) for i in ids]
        if not full:
            return
        if self.path is None:
            self._memory.append((sobject.lower(), full))
            return
        at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = json.dumps({"sobject": sobject, "ids": full, "at": at}, separators=(",", ":"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle, file_lock(handle):
            prefix = b"\n" if self._ends_torn(handle) else b""
            handle.write(prefix + line.encode("utf-8") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    @staticmethod
    def _ends_torn(handle: IO[bytes]) -> bool:
        """Whether the file ends without a newline (a write cut short by a crash)."""
        end = handle.seek(0, os.SEEK_END)
        if end == 0:
            return False
        handle.seek(end - 1)
        torn = handle.read(1) != b"\n"
        handle.seek(0, os.SEEK_END)
        return torn

    def ids(self, sobject: str) -> set[str]:
        """Every id recorded for ``sobject`` (case-insensitive name), 18 characters each."""
        wanted = sobject.lower()
        return {i for name, ids in self._entries() if name == wanted for i in ids}

    def __contains__(self, record_id: object) -> bool:
        if not isinstance(record_id, str) or not looks_like_id(record_id):
            return False
        full = to_18(record_id)
        return any(full in ids for _, ids in self._entries())

    def _entries(self) -> Iterator[tuple[str, list[str]]]:
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


def _parse_line(raw: bytes) -> tuple[str, list[str]] | None:
    """One ledger line, or None for a torn or foreign line (skipped, never fatal)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    sobject, ids = data.get("sobject"), data.get("ids")
    if not isinstance(sobject, str) or not isinstance(ids, list):
        return None
    return sobject.lower(), [i for i in ids if isinstance(i, str) and looks_like_id(i)]
