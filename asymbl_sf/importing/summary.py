"""What an import did, in numbers: :class:`ImportSummary`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Outcomes counted in every summary, in the order they are shown.
OUTCOMES = ("created", "reused", "exists", "failed", "blocked")
DRY_RUN_OUTCOMES = ("would_create", "would_reuse", "exists", "failed")

#: Failed rows quoted in the summary (the results file has them all).
MAX_PROBLEMS_SHOWN = 5
#: ``stopped_reason`` when the daily API budget ran out.
STOPPED_REQUEST_LIMIT = "request_limit"
#: ``stopped_reason`` when Salesforce refused the session and it could not be renewed.
STOPPED_AUTHENTICATION = "authentication"


@dataclass
class ImportSummary:
    """Counts per outcome, Contacts and applications found or made, and the API calls spent.

    ``outcomes`` counts the rows written to the results file by this run (a dry run counts
    planned outcomes: ``would_create``, ``would_reuse``, ``exists``, ``failed``). ``skipped``
    counts input rows not processed: already done in the results file, or not picked by
    ``retry_from``. ``pending`` counts rows left without an outcome because the import stopped
    (``stopped_reason`` says why); rerunning the same command does them.
    """

    outcomes: dict[str, int] = field(default_factory=dict)
    records_read: int = 0
    skipped: int = 0
    pending: int = 0
    contacts_new: int = 0
    contacts_reused: int = 0
    contacts_ambiguous: int = 0
    applications_new: int = 0
    applications_exist: int = 0
    api: str = "rest"
    dry_run: bool = False
    api_calls: int = 0
    remaining_budget: int | None = None
    stopped_reason: str | None = None
    results_path: Path | None = None
    #: For a CSV input with failed rows: those rows, to fix and import again.
    errors_path: Path | None = None
    error_rows: int = 0
    elapsed: float = 0.0
    #: Remarks about the input as a whole (CSV columns that were not imported, ...).
    notes: list[str] = field(default_factory=list)
    #: The first few failed or blocked rows, as ``line N: CODE: message`` (all are in the
    #: results file).
    first_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every row ended created, reused or exists (a dry run: nothing failed), and the import
        ran to the end."""
        bad = ("failed", "blocked")
        return self.stopped_reason is None and not any(self.outcomes.get(o) for o in bad)

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def note_problem(self, line: int, code: str | None, message: str | None) -> None:
        if len(self.first_problems) < MAX_PROBLEMS_SHOWN:
            self.first_problems.append(f"line {line}: {code}: {message}")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["results_path"] = str(self.results_path) if self.results_path else None
        data["errors_path"] = str(self.errors_path) if self.errors_path else None
        data["elapsed"] = round(self.elapsed, 3)
        data["ok"] = self.ok
        return data

    def text(self) -> str:
        """The summary as lines for a person (the CLI prints them on stderr)."""
        names = DRY_RUN_OUTCOMES if self.dry_run else OUTCOMES
        counts = ", ".join(f"{self.count(name):,} {name}" for name in names)
        head = "dry run (nothing written)" if self.dry_run else "import"
        lines = [f"{head} via {self.api.upper()}: {counts}"]
        if self.skipped:
            lines.append(
                f"  {self.skipped:,} row(s) skipped (already done, or not picked by --retry-from)"
            )
        verb = "would be" if self.dry_run else "were"
        lines.append(
            f"  Contacts: {self.contacts_new:,} new, {self.contacts_reused:,} reused "
            f"({self.contacts_ambiguous:,} ambiguous: several Contacts had the email)"
        )
        lines.append(
            f"  applications: {self.applications_new:,} {verb} created, "
            f"{self.applications_exist:,} already existed"
        )
        budget = (
            f"; {self.remaining_budget:,} left in the org's daily budget"
            if self.remaining_budget is not None
            else ""
        )
        lines.append(f"  {self.api_calls:,} API call(s){budget}; {self.elapsed:.1f} s")
        if self.results_path is not None:
            lines.append(f"  results: {self.results_path}")
        bad = self.count("failed") + self.count("blocked")
        if bad:
            lines.extend(f"  {problem}" for problem in self.first_problems)
            more = bad - len(self.first_problems)
            if more > 0:
                lines.append(f"  ... and {more:,} more in the results file")
            if self.errors_path is not None:
                lines.append(
                    f"  errors: {self.errors_path} ({self.error_rows:,} row(s) with an error "
                    "column): fix them there and import that file"
                )
            elif not self.dry_run:
                lines.append(
                    f"  fix the failed rows in the input, then: asymbl-sf import ... "
                    f"--retry-from {self.results_path}"
                )
        if self.stopped_reason == STOPPED_REQUEST_LIMIT:
            lines.append(
                f"stopped: daily API limit reached ({self.pending:,} row(s) not done); "
                "rerun the same command to resume"
            )
        elif self.stopped_reason == STOPPED_AUTHENTICATION:
            lines.append(
                f"stopped: Salesforce refused the session ({self.pending:,} row(s) not "
                "done); fix the login and rerun the same command to resume"
            )
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)
