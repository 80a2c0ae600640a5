"""An application's ``outcome`` (HIRED, DECLINED, ...) from the read mapping's rules.

Asymbl has no outcome field: whether a candidate was hired shows in the stage (a ``Placement``
stage type), a rejection in ``bpats__Applicant_Status__c`` and its reason. Orgs name and type
their stages differently, so the rule is data: an ordered list of ``{when: {field: [values]},
then: OUTCOME}``, the first rule whose every field holds one of its values wins (values compare
case-insensitively; a rule without ``when`` always holds). No rule holding gives ``null``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from asymbl_sf.reading.convert import Row, get_path, match_key, prefixed
from asymbl_sf.reading.spec import OutcomeRule

OutcomeOf = Callable[[Row], str | None]


def outcome_fields(rules: Sequence[OutcomeRule], via: str | None = None) -> list[str]:
    """The fields the rules read (to be selected by the query)."""
    return [prefixed(name, via) for rule in rules for name in rule.when]


def compile_outcome(rules: Sequence[OutcomeRule], via: str | None = None) -> OutcomeOf:
    """``row -> outcome`` for the rules; ``via`` reads the fields through a relationship."""
    compiled = [
        (
            [
                (prefixed(name, via), {match_key(v) for v in values})
                for name, values in rule.when.items()
            ],
            rule.then,
        )
        for rule in rules
    ]

    def outcome(row: Row) -> str | None:
        for conditions, then in compiled:
            if all(match_key(get_path(row, path)) in allowed for path, allowed in conditions):
                return then
        return None

    return outcome
