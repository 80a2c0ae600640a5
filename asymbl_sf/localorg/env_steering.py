"""A testing aid: steer a local org the CLI opens through the environment.

A test that runs ``asymbl-sf`` as a subprocess (to ``kill -9`` it mid-import, say) cannot reach
the :class:`~asymbl_sf.localorg.LocalOrg` that process opens, so :func:`steer_from_env` (called
by ``connect_local``, hence by ``--org local[:PATH]``) reads three variables:

=================================  ===========================================================
``ASYMBL_SF_LOCAL_LATENCY``        seconds added to every call, e.g. ``0.05``
``ASYMBL_SF_LOCAL_FAULTS``         ``RATE[:KIND,KIND...][@SEED]``: each call fails with
                                   probability ``RATE``, spread over the kinds (default: every
                                   transient kind), drawn from ``SEED`` (default 0), e.g.
                                   ``0.1:row_lock,http_503@7``
``ASYMBL_SF_LOCAL_DAILY_LIMIT``    calls the org answers before ``REQUEST_LIMIT_EXCEEDED``; the
                                   usage is kept in the org folder, so a later run with a higher
                                   limit (or none: 100,000) is "the next day"
=================================  ===========================================================

Unset or empty variables change nothing. They only ever affect the local org, never a real one.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from asymbl_sf.errors import ConfigurationError

from .faults import FAULT_KINDS, TRANSIENT_KINDS

if TYPE_CHECKING:
    from .org import LocalOrg

LATENCY_ENV = "ASYMBL_SF_LOCAL_LATENCY"
FAULTS_ENV = "ASYMBL_SF_LOCAL_FAULTS"
DAILY_LIMIT_ENV = "ASYMBL_SF_LOCAL_DAILY_LIMIT"

_FAULTS_FORM = (
    "write RATE[:KIND,KIND...][@SEED], e.g. 0.1:row_lock,http_503@7, with RATE "
    f"between 0 and 1 and KIND one of {', '.join(FAULT_KINDS)}"
)


def steer_from_env(org: LocalOrg, environ: Mapping[str, str] | None = None) -> None:
    """Apply the latency, fault rate and daily limit the environment asks for to ``org``.

    Raises :class:`ConfigurationError` naming the variable when a value cannot be read.
    """
    env = os.environ if environ is None else environ
    latency = env.get(LATENCY_ENV, "").strip()
    if latency:
        org.latency = _number(LATENCY_ENV, latency, "a number of seconds, e.g. 0.05")
    limit = env.get(DAILY_LIMIT_ENV, "").strip()
    if limit:
        org.server.daily_limit = _count(DAILY_LIMIT_ENV, limit)
    faults = env.get(FAULTS_ENV, "").strip()
    if faults:
        rate, kinds, seed = parse_fault_spec(faults)
        org.faults.at_rate(rate, kinds, seed=seed)


def parse_fault_spec(text: str) -> tuple[float, tuple[str, ...], int]:
    """``"0.1:row_lock,http_503@7"`` → ``(0.1, ("row_lock", "http_503"), 7)``."""
    body, _, seed_text = text.strip().partition("@")
    rate_text, _, kinds_text = body.partition(":")
    rate = _number(FAULTS_ENV, rate_text.strip(), _FAULTS_FORM)
    if rate > 1:
        raise ConfigurationError(
            f"{FAULTS_ENV}: the rate {rate_text.strip()!r} is above 1; {_FAULTS_FORM}"
        )
    kinds = tuple(k.strip() for k in kinds_text.split(",") if k.strip()) or TRANSIENT_KINDS
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        raise ConfigurationError(f"{FAULTS_ENV}: unknown fault kind {unknown[0]!r}; {_FAULTS_FORM}")
    seed = _count(FAULTS_ENV, seed_text.strip(), _FAULTS_FORM) if seed_text.strip() else 0
    return rate, kinds, seed


def _number(name: str, text: str, form: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value >= 0):
        raise ConfigurationError(f"{name}: {text!r} is not a number of 0 or more; {form}")
    return value


def _count(name: str, text: str, form: str = "a whole number of calls, e.g. 250") -> int:
    if not text.isdigit():
        raise ConfigurationError(f"{name}: {text!r} is not a whole number of 0 or more; {form}")
    return int(text)
