"""pytest fixtures for the local org, registered through the ``pytest11`` entry point.

``local_org`` is a fresh, seeded, in-memory org with the ``responses`` mock active;
``local_sf`` is a real ``simple_salesforce.Salesforce`` client talking to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .org import LocalOrg


@pytest.fixture
def local_org() -> Iterator[LocalOrg]:
    with LocalOrg() as org:
        yield org


@pytest.fixture
def local_sf(local_org: LocalOrg) -> Any:
    return local_org.salesforce()
