""" "Nothing lost, nothing twice", counted: an org and a results file judged against the input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.synthetic import existing_email

from .scenario import Inputs
from .snapshot import FINAL, OrgSnapshot


@dataclass
class Verdict:
    """Everything that is wrong; all empty means every record landed exactly once."""

    #: Valid lines without a final outcome, or whose ids are not the right records of the org.
    lost_lines: list[int] = field(default_factory=list)
    #: (email, job) pairs the input asks for that have no application in the org.
    missing_pairs: list[tuple[str, str]] = field(default_factory=list)
    #: Emails held by several Contacts, (email, job) pairs with several applications.
    duplicate_contacts: dict[str, int] = field(default_factory=dict)
    duplicate_applicants: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Records in the org that no input line (nor the seeded Contacts) accounts for.
    stray: list[str] = field(default_factory=list)
    #: Lines the generator made invalid whose last outcome is not ``failed``.
    invalid_not_failed: list[int] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return len(self.lost_lines) + len(self.missing_pairs)

    @property
    def duplicates(self) -> int:
        """Records made twice: extra Contacts and extra applications."""
        return sum(n - 1 for n in self.duplicate_contacts.values()) + sum(
            n - 1 for n in self.duplicate_applicants.values()
        )

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicates or self.stray or self.invalid_not_failed)

    def explain(self) -> str:
        """The first few problems of each kind, for an assertion message."""
        parts = []
        for name in (
            "lost_lines",
            "missing_pairs",
            "duplicate_contacts",
            "duplicate_applicants",
            "stray",
            "invalid_not_failed",
        ):
            value = getattr(self, name)
            if value:
                shown = list(value.items() if isinstance(value, dict) else value)[:5]
                parts.append(f"{name}: {len(value)} (first: {shown})")
        return "; ".join(parts) or "nothing wrong"


def judge(inputs: Inputs, snapshot: OrgSnapshot, finals: dict[int, dict[str, Any]]) -> Verdict:
    """Compare the org and the last result row of each line with what the input asks for."""
    verdict = Verdict(
        duplicate_contacts=snapshot.duplicate_contacts(),
        duplicate_applicants=snapshot.duplicate_applicants(),
    )
    names = snapshot.names
    for line, (email, job) in sorted(inputs.expected.items()):
        row = finals.get(line)
        if (
            row is None
            or row["outcome"] not in FINAL
            or names.get(row.get("contact_id") or "") != email
            or names.get(row.get("application_id") or "") != f"{email}|{job}"
        ):
            verdict.lost_lines.append(line)
    verdict.missing_pairs = sorted(inputs.pairs - set(snapshot.applicants))
    seeded = {existing_email(n) for n in range(inputs.existing)}
    verdict.stray = sorted(
        [
            f"Contact {email}"
            for email in snapshot.contacts
            if email not in inputs.emails and email not in seeded
        ]
        + [
            f"application {email}|{job}"
            for email, job in snapshot.applicants
            if (email, job) not in inputs.pairs
        ]
    )
    verdict.invalid_not_failed = sorted(
        line for line in inputs.invalid_lines if (finals.get(line) or {}).get("outcome") != "failed"
    )
    return verdict
