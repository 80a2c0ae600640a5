"""pytest fixtures for the local org, registered through the ``pytest11`` entry point.

``local_org`` is a fresh, seeded, in-memory org with the ``responses`` mock active;
``local_sf`` is a real ``simple_salesforce.Salesforce`` client talking to it.

The plugin is registered for everyone who installs asymbl-sf, but the mock needs ``responses``,
which only the ``[test]`` extra installs: a test asking for the fixture without it fails with the
line that fixes it instead of an ImportError from deep inside the org.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .org import LocalOrg

RESPONSES_MISSING = (
    "the local_org fixture needs the 'responses' package, which asymbl-sf installs only with "
    "its test extra: pip install 'asymbl-sf[test]' (or pip install responses)"
)


def require_responses() -> None:
    """Fail the requesting test with the install line when ``responses`` is not importable."""
    try:
        import responses  # noqa: F401
    except ImportError:
        pytest.fail(RESPONSES_MISSING, pytrace=False)


@pytest.fixture
def local_org() -> Iterator[LocalOrg]:
    require_responses()
    with LocalOrg() as org:
        yield org


@pytest.fixture
def local_sf(local_org: LocalOrg) -> Any:
    return local_org.salesforce()
