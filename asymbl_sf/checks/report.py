"""What ``check`` finds: one :class:`CheckItem` per finding, gathered in a :class:`CheckReport`.

An item is an ``error`` when a write would fail because of it, a ``warning`` when writes work but
not as the mapping seems to intend (a record type the org lacks, a budget running low), and
``ok`` for a check that passed (kept so ``--json`` shows what was looked at, not only what failed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "ok"]
_ORDER: dict[str, int] = {"error": 0, "warning": 1, "ok": 2}


@dataclass(frozen=True)
class CheckItem:
    """One finding. ``check`` names the rule (``field.exists``, ``org.package``) for scripts;
    ``message`` and ``suggestion`` are for people; ``source``/``line`` point into the mapping
    file when the finding is about one of its keys."""

    severity: Severity
    check: str
    message: str
    object: str | None = None
    field: str | None = None
    suggestion: str | None = None
    source: str | None = None
    line: int | None = None

    def location(self) -> str:
        """``file:line`` (the parts that are known), or an empty string."""
        if self.source and self.line is not None:
            return f"{self.source}:{self.line}"
        return self.source or ""

    @property
    def target(self) -> str:
        """``Object.Field``, ``Object`` or empty: what the finding is about in the org."""
        if self.object and self.field:
            return f"{self.object}.{self.field}"
        return self.object or ""

    def text(self) -> str:
        """The message and the suggestion as one sentence: what is wrong and what to do."""
        return f"{self.message}; {self.suggestion}" if self.suggestion else self.message

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.text()}" if where else self.text()

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "check": self.check,
            "object": self.object,
            "field": self.field,
            "message": self.message,
            "suggestion": self.suggestion,
            "source": self.source,
            "line": self.line,
        }


@dataclass
class CheckReport:
    """Every finding of one ``check`` run, and what the run cost."""

    items: list[CheckItem] = field(default_factory=list)
    #: API calls the check spent.
    api_calls: int = 0
    #: The org's daily API calls left, as Salesforce last reported (None: unknown).
    api_remaining: int | None = None
    #: Which org was checked (``Salesforce org at ...``, ``local org in ...``).
    org: str = ""
    #: The mapping files checked, child first.
    mapping_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing found would make a write fail (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[CheckItem]:
        return [i for i in self.items if i.severity == "error"]

    @property
    def warnings(self) -> list[CheckItem]:
        return [i for i in self.items if i.severity == "warning"]

    @property
    def passed(self) -> list[CheckItem]:
        return [i for i in self.items if i.severity == "ok"]

    def add(self, item: CheckItem) -> None:
        self.items.append(item)

    def sorted_items(self) -> list[CheckItem]:
        """Errors first, then warnings, then passed checks; otherwise in the order found."""
        return sorted(self.items, key=lambda i: _ORDER[i.severity])

    def find(self, check: str) -> list[CheckItem]:
        """The items of one rule (``field.exists``), e.g. for tests and scripts."""
        return [i for i in self.items if i.check == check]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "org": self.org,
            "mapping": self.mapping_files,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "passed": len(self.passed),
            "api_calls": self.api_calls,
            "api_remaining": self.api_remaining,
            "items": [i.to_json() for i in self.sorted_items()],
        }
