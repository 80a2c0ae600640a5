"""Scale: 100,000 Contacts through Collections (500 calls of 200), then lookups by Email.

Asserts only behaviour; the time is printed (``pytest -m slow -s``) because a benchmark that
fails on a slow CI machine teaches nothing. Measured on one core: about 7 s for the inserts.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from asymbl_sf.localorg import LocalOrg

TOTAL = 100_000
BATCH = 200


@pytest.mark.slow
def test_100000_contacts_through_collections_then_indexed_email_lookups() -> None:
    with LocalOrg() as org:
        sf = org.salesforce()
        started = time.perf_counter()
        for call in range(TOTAL // BATCH):
            records: list[dict[str, Any]] = [
                {
                    "attributes": {"type": "Contact"},
                    "FirstName": "Cand",
                    "LastName": f"Idate {call}-{i}",
                    "Email": f"c{call}x{i}@example.com",
                }
                for i in range(BATCH)
            ]
            results = sf.restful(
                "composite/sobjects", method="POST", json={"allOrNone": False, "records": records}
            )
            assert len(results) == BATCH
        inserted = time.perf_counter() - started
        assert org.count("Contact") == TOTAL
        assert org.calls["POST composite/sobjects"] == TOTAL // BATCH

        started = time.perf_counter()
        for call in range(0, TOTAL // BATCH, 5):
            rows = sf.query(f"SELECT Id FROM Contact WHERE Email = 'C{call}X7@EXAMPLE.COM'")
            assert rows["totalSize"] == 1
        looked_up = time.perf_counter() - started
        print(
            f"\n{TOTAL} Contacts inserted in {inserted:.1f} s; "
            f"{TOTAL // BATCH // 5} Email lookups in {looked_up:.2f} s"
        )
