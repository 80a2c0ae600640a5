"""The natural keys an import notes in the created ledger before sending creates.

A Contact is known by its match value (the normalised email), an application by its Contact and
job: what a rerun's lookups find them by. The ledger is a lasting file, so a Contact's key is
the run state's 64-bit digest of the email (:func:`.state.match_key`), never the email itself.
"""

from __future__ import annotations

from asymbl_sf.schema.ids import to_18


def contact_key(match_key: int) -> str:
    """The ledger key of the Contact whose match value has the run-state key ``match_key``."""
    return f"{match_key & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def applicant_key(contact_id: str, job_id: str) -> str:
    """The ledger key of the application of ``contact_id`` on ``job_id`` (15 or 18 chars)."""
    return f"{to_18(contact_id)}/{to_18(job_id)}"
