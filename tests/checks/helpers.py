"""Shared helpers: run ``check`` with a mapping written inline against a local org."""

from __future__ import annotations

import textwrap

from asymbl_sf import Asymbl
from asymbl_sf.checks import CheckItem, CheckReport
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import Mapping, parse_mapping

SOURCE = "org.yaml"


def mapping(text: str) -> Mapping:
    """A mapping from YAML text, reported as ``org.yaml``."""
    return parse_mapping(textwrap.dedent(text).lstrip("\n"), source=SOURCE)


def check(org: LocalOrg, text: str | None = None, **salesforce: str) -> CheckReport:
    client = Asymbl(org.salesforce(**salesforce))
    return client.check(mapping(text) if text is not None else None)


def problems(report: CheckReport) -> list[CheckItem]:
    return [i for i in report.items if i.severity != "ok"]


def lines(report: CheckReport) -> list[str]:
    """Each error and warning as the one line the CLI prints after the severity."""
    return [str(i) for i in problems(report)]
