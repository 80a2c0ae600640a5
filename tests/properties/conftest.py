"""Hypothesis profiles for the property tests; ``HYPOTHESIS_PROFILE`` picks one (default ``ci``).

* ``ci``: derandomized (the same examples every run, so a failure replays anywhere), no
  deadline (CI machines are shared and slow), few enough examples to keep the folder well under
  a minute.
* ``dev``: random examples, more of them; failures are saved in ``.hypothesis/`` and replayed
  first next time.
* ``thorough``: a long random campaign, e.g. before a release:
  ``HYPOTHESIS_PROFILE=thorough python -m pytest tests/properties``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = settings(
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

settings.register_profile("ci", _COMMON, max_examples=40, derandomize=True, database=None)
settings.register_profile("dev", _COMMON, max_examples=200)
settings.register_profile("thorough", _COMMON, max_examples=2_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
