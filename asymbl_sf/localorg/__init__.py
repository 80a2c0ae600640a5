"""The local org: an emulated Asymbl org for tests, demos and offline rehearsals.

``LocalOrg`` is the entry point; see ``docs/local-org.md`` for the emulated routes, the SOQL
subset, the rules enforced and what is deliberately not emulated.
"""

from .backend import OrgBackend
from .errors import ApiError, RecordError, RecordRejected
from .faults import FAULT_KINDS, CallLog, FaultPlan
from .org import INSTANCE_URL, SESSION_ID, LocalOrg, LocalOrgAdapter

__all__ = [
    "FAULT_KINDS",
    "INSTANCE_URL",
    "SESSION_ID",
    "ApiError",
    "CallLog",
    "FaultPlan",
    "LocalOrg",
    "LocalOrgAdapter",
    "OrgBackend",
    "RecordError",
    "RecordRejected",
]
