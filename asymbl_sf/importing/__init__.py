"""Imports at scale: many payloads from a JSON array, JSON Lines or CSV, batched and resumable.

``Asymbl.import_records`` and ``asymbl-sf import`` call :func:`run_import`; see
docs/importing.md for formats, batching, results files, resuming and faults. The writing itself
is the write core's (:mod:`asymbl_sf.writes`); this package keeps what is an import's own:
:mod:`.sources` (reading the input), :mod:`.columns` (CSV column maps), :mod:`.results` (the
results file, and resuming from it), :mod:`.progress`, :mod:`.summary` and :mod:`.engine` (the
run around the core).
"""

from asymbl_sf.writes.result import ResultRow

from .engine import BULK_THRESHOLD, ImportOptions, run_import
from .progress import BarProgress, ImportProgress, LineProgress, ProgressCallback
from .results import read_outcomes
from .sources import SourceRecord, read_records
from .summary import ImportSummary

__all__ = [
    "BULK_THRESHOLD",
    "BarProgress",
    "ImportOptions",
    "ImportProgress",
    "ImportSummary",
    "LineProgress",
    "ProgressCallback",
    "ResultRow",
    "SourceRecord",
    "read_outcomes",
    "read_records",
    "run_import",
]
