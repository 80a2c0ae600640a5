"""Where ``since="last"`` finds the previous read's watermark: one small JSON file per scope.

``<state>/<org key>/watermarks/<scope>.json``, next to the created ledger
(:mod:`asymbl_sf.state.ledger`). A scope is a model plus the filters that narrow it
(``applications``, ``applications.created_only``): a watermark left by a narrowed read must
not make a full read skip the rows it did not cover. A file is replaced atomically
(:func:`asymbl_sf.state.atomic.write_atomically`), and only once a read has returned its last row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from asymbl_sf.errors import ConfigurationError
from asymbl_sf.reading.delta import Watermark
from asymbl_sf.state.atomic import write_atomically
from asymbl_sf.state.ledger import org_state_dir

FOLDER = "watermarks"


class WatermarkStore:
    """The watermarks of one org; ``folder`` None keeps them in memory (an in-memory org)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._memory: dict[str, Watermark] = {}

    @classmethod
    def for_org(cls, org_key: str, root: Path | None = None) -> WatermarkStore:
        return cls(org_state_dir(org_key, root) / FOLDER)

    @classmethod
    def in_memory(cls) -> WatermarkStore:
        return cls(None)

    def path(self, scope: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{scope}.json"

    def load(self, scope: str) -> Watermark | None:
        path = self.path(scope)
        if path is None:
            return self._memory.get(scope)
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            return Watermark(
                str(data["watermark"]), {str(k): str(v) for k, v in data.get("edge", {}).items()}
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            raise ConfigurationError(
                f"the watermark file {path} is damaged; delete it to read {scope} in full "
                "once more (or read with an explicit --since)"
            ) from None

    def save(self, scope: str, mark: Watermark) -> None:
        path = self.path(scope)
        if path is None:
            self._memory[scope] = mark
            return
        body = json.dumps({"watermark": mark.stamp, "edge": mark.edge}, separators=(",", ":"))
        write_atomically(path, body.encode("utf-8"))
