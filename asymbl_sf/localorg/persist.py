"""The local org on disk: crash-safe snapshots shared safely between processes.

Layout of an org folder (``.asymbl-sf/org`` by default)::

    state.json     records, counters and settings (written whole, atomically)
    usage.json     API calls spent so far (small: rewritten by every call, even a read)
    schema.json    describes loaded from another org (absent: the packaged Asymbl schema)
    blobs/<id>     file bodies of ContentVersions
    lock           held with flock() while a process reads or writes

Every write goes to a temporary file that is fsync'ed and then renamed over the old one
(:func:`asymbl_sf.state.atomic.write_atomically`), so a process killed at any instant leaves either the
old or the new file, never half of one. Each request runs under an exclusive lock and first
reloads the state if another process changed it, so two CLI processes at once lose nothing.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asymbl_sf.errors import AsymblError
from asymbl_sf.schema import OrgSchema
from asymbl_sf.state.atomic import file_lock, write_atomically

from .backend import OrgBackend


class DamagedOrgError(AsymblError):
    """A local org folder whose files cannot be an org: the message says what and what to do."""


class OrgFolder:
    """Reads and writes one org folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.state_path = path / "state.json"
        self.schema_path = path / "schema.json"
        self.usage_path = path / "usage.json"
        self.blob_dir = path / "blobs"
        self.identity_path = path / "org-id"
        self._signature: tuple[int, int, int] | None = None
        self._saved_blobs: set[str] = set()
        self._saved_usage: int | None = None

    def exists(self) -> bool:
        return self.state_path.exists()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "lock", "a+b") as handle, file_lock(handle):
            yield

    def _current_signature(self) -> tuple[int, int, int] | None:
        try:
            stat = self.state_path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def load_schema(self) -> OrgSchema | None:
        if not self.schema_path.exists():
            return None
        return OrgSchema.from_mapping(json.loads(self.schema_path.read_text("utf-8")))

    def save_schema(self, schema: OrgSchema) -> None:
        body = {d.name: d.to_json() for d in schema}
        write_atomically(self.schema_path, json.dumps(body).encode("utf-8"))

    def refresh(self, backend: OrgBackend) -> bool:
        """Reload ``backend`` when another process changed the folder; True when it did.

        The API usage is read every time: reads change it without changing the state.
        """
        self._load_usage(backend)
        signature = self._current_signature()
        if signature is None or signature == self._signature:
            return False
        schema = self.load_schema()
        if schema is not None:
            backend.store.replace_schema(schema)
        backend.store.restore(self._read_state())
        backend.store.blobs = _LazyBlobs(self.blob_dir)
        self._saved_blobs = set()
        self._signature = signature
        self._load_usage(backend)  # newer than the copy inside state.json
        return True

    def _read_state(self) -> dict[str, Any]:
        """state.json, checked: a damaged one is named with what is wrong and what to do,
        never read as an empty org."""
        try:
            text = self.state_path.read_text("utf-8")
        except UnicodeDecodeError:
            raise self.damaged("state.json is not UTF-8 text") from None
        if not text.strip():
            raise self.damaged("state.json is empty")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise self.damaged(
                f"state.json is not complete JSON ({getattr(exc, 'msg', exc)} at line "
                f"{getattr(exc, 'lineno', '?')}): it was cut short or edited"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
            raise self.damaged("state.json holds no record tables: it is not a local org's state")
        return data

    def identity(self) -> str:
        """This org's own id (16 hex digits in ``org-id``), made once when the org is created.

        asymbl-sf's state about the org (what it created, read watermarks, locks) is keyed by
        it, not by the folder's path, so moving or renaming the project folder keeps that state,
        and ``org reset`` (a new org: its records and ids start over) starts it afresh. Call
        with the folder's lock held."""
        try:
            text = self.identity_path.read_text("utf-8").strip()
        except FileNotFoundError:
            text = secrets.token_hex(8)
            write_atomically(self.identity_path, text.encode("ascii"))
        except (OSError, UnicodeDecodeError) as exc:
            raise self.damaged(f"org-id cannot be read ({exc})") from None
        if not _IDENTITY.fullmatch(text):
            raise self.damaged("org-id does not hold the org's id (16 hex digits)")
        return text

    def check_not_orphaned(self) -> None:
        """A folder whose state.json is gone but whose other files are there is a damaged org,
        not a place to start a new one (its ids would be handed out again)."""
        if self.state_path.exists():
            return
        left = [
            name
            for name, present in (
                ("usage.json", self.usage_path.exists()),
                ("org-id", self.identity_path.exists()),
                ("schema.json", self.schema_path.exists()),
                ("blobs/", self.blob_dir.is_dir() and any(self.blob_dir.iterdir())),
            )
            if present
        ]
        if left:
            raise self.damaged(
                f"state.json is missing, but the folder still holds the org's {', '.join(left)}"
            )

    def damaged(self, what: str) -> DamagedOrgError:
        return DamagedOrgError(
            f"the local org in {self.path}/ is damaged: {what}. Restore the folder from a backup, "
            f"or start a new org there with: asymbl-sf org reset --org local:{self.path} --yes "
            "(its records are lost)"
        )

    def is_org(self) -> bool:
        """Whether the folder holds a local org (a readable state.json with record tables)."""
        try:
            self._read_state()
        except (DamagedOrgError, OSError):
            return False
        return True

    #: The files of an org folder (what ``org reset`` deletes, and nothing else).
    OWN_FILES = ("state.json", "usage.json", "schema.json", "org-id", "lock")

    def save(self, backend: OrgBackend) -> None:
        blobs = backend.store.blobs
        from_disk = blobs.loaded if isinstance(blobs, _LazyBlobs) else set()
        for version_id, data in list(blobs.items()):
            if version_id in self._saved_blobs or version_id in from_disk:
                continue
            # Always (over)write: a body left by a process killed before its state was saved
            # belongs to no record, and its id may since have been given to another file.
            write_atomically(self.blob_dir / version_id, data)
            self._saved_blobs.add(version_id)
        snapshot = backend.store.snapshot()
        body = json.dumps(snapshot, separators=(",", ":"))
        write_atomically(self.state_path, body.encode("utf-8"))
        self._signature = self._current_signature()
        self.save_usage(backend)

    def save_usage(self, backend: OrgBackend) -> None:
        """Write the API usage when it changed (every counted call, reads included)."""
        usage = int(backend.store.meta.get("api_usage", 0))
        if usage != self._saved_usage:
            write_atomically(self.usage_path, json.dumps({"api_usage": usage}).encode("utf-8"))
            self._saved_usage = usage

    def _load_usage(self, backend: OrgBackend) -> None:
        try:
            usage = int(json.loads(self.usage_path.read_text("utf-8"))["api_usage"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return
        backend.store.meta["api_usage"] = usage
        self._saved_usage = usage

    def remove_stale_temporaries(self) -> None:
        """Delete temporary files a killed process left behind (call with the lock held)."""
        for folder in (self.path, self.blob_dir):
            if folder.is_dir():
                for leftover in folder.glob(".*.tmp"):
                    with contextlib.suppress(OSError):
                        leftover.unlink()


#: What ``org-id`` holds.
_IDENTITY = re.compile(r"[0-9a-f]{16}")


class _LazyBlobs(dict[str, bytes]):
    """File bodies read from disk only when asked for (a large org has many)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        #: Bodies read from disk: already saved, never written back.
        self.loaded: set[str] = set()

    def __missing__(self, key: str) -> bytes:
        path = self.folder / key
        if not path.is_file():
            raise KeyError(key)
        data = path.read_bytes()
        self[key] = data
        self.loaded.add(key)
        return data

    def __setitem__(self, key: str, value: bytes) -> None:
        # A body stored by this process must be saved, even over a leftover file of that name.
        super().__setitem__(key, value)
        self.loaded.discard(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default
