"""After a write whose answer was lost: find out whether it happened, instead of guessing.

A connection that drops after the request was sent, or a 500, leaves the org's state unknown: the
records may exist. Sending the write again could make them twice; giving up could report a
failure for something that worked. The flows look instead, with the same lookup that decides what
to write (which finds the Contact by email, the applicant by Contact and job, files by checksum),
and hand the answer to :func:`asymbl_sf.salesforce.retry.write_once`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from asymbl_sf.errors import TransientError
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.retry import OUTCOME_UNKNOWN
from asymbl_sf.salesforce.writer import PendingWrite, UnitResult

from .lookup import APPLICANT, LookupRequest, look_up

if TYPE_CHECKING:  # create_application imports this module
    from .create_application import Decisions

#: The warning a result carries when its records were found after a lost answer.
LOST_ANSWER_WARNING = (
    "The connection to Salesforce was lost after the write was sent; asymbl-sf looked again and "
    "found the records it had written, so nothing was written twice"
)


def find_written(
    api: SalesforceApi,
    request: LookupRequest,
    unit: list[PendingWrite],
    decisions: Decisions,
) -> UnitResult | None:
    """What an application write made, if it is in the org; None when it is not.

    A unit sent as one allOrNone Composite exists entirely or not at all; one written step by
    step may exist in part, which raises a :class:`TransientError` (``OUTCOME_UNKNOWN``) naming
    what was found. A unit that only updates existing records is never "found" (None): sending
    the same updates again changes nothing more.
    """
    creates = [w for w in unit if not w.record_id]
    if not creates:
        return None
    if not request.contact_match:
        raise TransientError(
            "the connection to Salesforce was lost after the write was sent, and the candidate "
            "has no email to look the records up by, so asymbl-sf cannot tell whether they were "
            "written: look for the candidate in Salesforce before sending the request again",
            error_code=OUTCOME_UNKNOWN,
            maybe_applied=True,
        )
    facts = look_up(api, replace(request, describe=[]))
    found = UnitResult()
    if facts.contacts:
        found.ids["Contact"] = str(facts.contacts[0]["Id"])
        found.records["Contact"] = facts.contacts[0]
    if facts.applicant is not None:
        found.ids[APPLICANT] = str(facts.applicant["Id"])
        found.records[APPLICANT] = facts.applicant
    by_checksum = {f.get("Checksum"): str(f["Id"]) for f in facts.files}
    for entry in decisions.files:
        if entry.get("checksum") in by_checksum:
            found.ids[entry["key"]] = by_checksum[entry["checksum"]]
    missing = [w for w in creates if w.key not in found.ids]
    if len(missing) == len(creates):
        return None
    if missing:
        # Only a unit written step by step (salesforce/stepwise.py) can be part-way: say what
        # is there rather than report a success for records that do not exist.
        there = ", ".join(f"{w.key} {found.ids[w.key]}" for w in creates if w.key in found.ids)
        raise TransientError(
            "the connection to Salesforce was lost during the write; asymbl-sf looked and found "
            f"{there}, but not {', '.join(w.key for w in missing)}: the write is incomplete. "
            "Sending the request again completes it (the records found are reused)",
            error_code=OUTCOME_UNKNOWN,
            maybe_applied=True,
        )
    keys = {w.key for w in unit}
    found.ids = {k: v for k, v in found.ids.items() if k in keys}
    return found
