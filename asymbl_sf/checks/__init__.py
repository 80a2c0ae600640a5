"""Checks and tools that look at a real org: ``check`` (a mapping against the org's schema),
the field explorer, the REST passthrough, and copying an org's describes for offline rehearsal.

See ``docs/checks.md``.
"""

from asymbl_sf.checks.api_passthrough import METHODS, passthrough
from asymbl_sf.checks.explorer import field_rows, object_fields
from asymbl_sf.checks.report import CheckItem, CheckReport, Severity
from asymbl_sf.checks.runner import check_org

__all__ = [
    "METHODS",
    "CheckItem",
    "CheckReport",
    "Severity",
    "check_org",
    "field_rows",
    "object_fields",
    "passthrough",
]
