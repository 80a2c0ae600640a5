"""Imports at scale: many payloads from a JSON array, JSON Lines or CSV, batched and resumable.

``Asymbl.import_records`` and ``asymbl-sf import`` call :func:`run_import`; see
docs/importing.md for formats, batching, results files, resuming and faults.

Modules, one concept each: :mod:`.sources` (reading the input), :mod:`.columns` (CSV column
maps), :mod:`.planning` (parse and render a record), :mod:`.state` (the run's temporary
database), :mod:`.references` (jobs, stages, users), :mod:`.queries` and :mod:`.lookups` (what
the org holds), :mod:`.decide` (what to create, row by row), :mod:`.writing` (Collections with
retries), :mod:`.rest_run` and :mod:`.bulk_run` (the two write paths), :mod:`.outcomes`,
:mod:`.results` (the results file), :mod:`.progress`, :mod:`.summary`, :mod:`.engine`.
"""

from .engine import BULK_THRESHOLD, ImportOptions, run_import
from .progress import BarProgress, ImportProgress, LineProgress, ProgressCallback
from .results import ResultRow, read_outcomes
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
