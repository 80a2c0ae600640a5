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


def extending_default(settings: str | None = None, **fields: str) -> str:
    """A mapping that extends the default, with ``settings`` (YAML) and, per object, the YAML
    of the fields it changes. Laid out as a person would write it::

        version: 1
        extends: default
        settings: SETTINGS      # line 3, when given
        objects:
          OBJECT:
            fields:
              FIELD: ...        # the first field: line 6, or 7 under settings
    """
    text = "version: 1\nextends: default\n"
    if settings is not None:
        text += f"settings: {settings}\n"
    if fields:
        text += "objects:\n"
    for sobject, yaml in fields.items():
        text += f"  {sobject}:\n    fields:\n"
        text += textwrap.indent(textwrap.dedent(yaml).strip("\n") + "\n", " " * 6)
    return text


def check(org: LocalOrg, text: str | None = None, **salesforce: str) -> CheckReport:
    client = Asymbl(org.salesforce(**salesforce))
    return client.check(mapping(text) if text is not None else None)


def problems(report: CheckReport) -> list[CheckItem]:
    return [i for i in report.items if i.severity != "ok"]


def lines(report: CheckReport) -> list[str]:
    """Each error and warning as the one line the CLI prints after the severity."""
    return [str(i) for i in problems(report)]
