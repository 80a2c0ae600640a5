"""After a write whose answer was lost: find out what happened, instead of guessing.

A connection that drops after the request was sent, or a 500, leaves the org's state unknown: the
records may exist. Sending the write again could make them twice; giving up could report a
failure for something that worked. So the writers look, with the same lookups that decided what
to write (the Contact by its email, the application by Contact and job, a file by its checksum on
the Contact, a Task by its activity), and take what they find as written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from asymbl_sf.dedupe import choose_match
from asymbl_sf.errors import TransientError
from asymbl_sf.salesforce.retry import OUTCOME_UNKNOWN
from asymbl_sf.salesforce.units import PendingWrite, UnitResult
from asymbl_sf.schema.ids import to_18

from .facts import FactFinder, Facts
from .plan import task_identity
from .records import WriteSet
from .rules import WriteRules

#: The warning a result carries when its records were found after a lost answer.
LOST_ANSWER_WARNING = (
    "The connection to Salesforce was lost after the write was sent; asymbl-sf looked again and "
    "found the records it had written, so nothing was written twice"
)


def finder_of(
    finder: FactFinder, rules: WriteRules, writes: WriteSet, result: UnitResult
) -> Callable[[list[PendingWrite]], dict[str, str]]:
    """``find(lost) -> {write key: id}`` for writes of ``writes`` (ids of earlier writes are
    taken from ``result``)."""

    def find(lost: list[PendingWrite]) -> dict[str, str]:
        return find_written(finder, rules, writes, result, lost)[0]

    return find


def find_written(
    finder: FactFinder,
    rules: WriteRules,
    writes: WriteSet,
    result: UnitResult,
    lost: Sequence[PendingWrite],
) -> tuple[dict[str, str], Facts]:
    """The ids of the ``lost`` creates that are in the org, and the facts the lookup found."""
    origins = [writes.origins[w.key] for w in lost if w.key in writes.origins]
    rows = {o.row.line: o.row for o in origins}
    if any(
        o.kind == "contact" and o.row.match_value is None and o.row.contact_id is None
        for o in origins
    ):
        raise TransientError(
            "the connection to Salesforce was lost after the write was sent, and the candidate "
            "has no email to look the records up by, so asymbl-sf cannot tell whether they were "
            "written: look for the candidate in Salesforce before sending the request again",
            error_code=OUTCOME_UNKNOWN,
            maybe_applied=True,
        )
    facts = finder.find(list(rows.values()))
    found: dict[str, str] = {}

    def contact_id(target: tuple[str, bool]) -> str | None:
        value, is_ref = target
        if not is_ref:
            return value
        return result.ids.get(value) or found.get(value)

    for write in lost:
        origin = writes.origins.get(write.key)
        if origin is None:
            continue
        if origin.kind == "contact":
            matches = facts.contacts.get(origin.row.contact_key, [])
            ordered = list(reversed(matches)) if rules.when_many == "newest" else matches
            try:
                chosen, _ = choose_match(ordered, rules.when_many)
            except ValueError:
                chosen = ordered[0] if ordered else None
            if chosen is not None:
                found[write.key] = to_18(str(chosen["Id"]))
            continue
        owner = contact_id(origin.contact)
        if owner is None:
            continue
        if origin.kind == "applicant":
            applicant = facts.applicant(owner, origin.detail, rules.job_link)
            if applicant is not None:
                found[write.key] = to_18(str(applicant["Id"]))
        elif origin.kind == "file":
            version = facts.files.get(owner, {}).get(origin.detail)
            if version is not None and version.get("Id"):
                found[write.key] = str(version["Id"])
        elif origin.kind == "task":
            task = origin.row.tasks[int(origin.detail)]
            for existing in facts.tasks.get(owner, []):
                same_source = task.remote_id and task.remote_id in str(
                    existing.get("Description") or ""
                )
                if same_source or task_identity(existing, None) == task_identity(task.fields, None):
                    found[write.key] = to_18(str(existing["Id"]))
                    break
    return found, facts
