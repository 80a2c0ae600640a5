"""How long to keep trying when Salesforce fails in a way a retry may cure.

Transient failures (row locks, 5xx, dropped connections) are retried with exponential backoff and
full jitter, so many clients hitting one busy org spread out instead of retrying in step. The
policy only says *how often and how long*; *whether* a failed call may be repeated is the caller's
decision: a read can always be repeated (:mod:`asymbl_sf.salesforce.api` does so), a create whose
answer was lost must first be checked (:func:`write_once`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

from asymbl_sf.errors import AsymblError, TransientError

T = TypeVar("T")

#: ``error_code`` of a write whose outcome asymbl-sf could not establish.
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"


def _sleep(seconds: float) -> None:
    # ``time`` is looked up at call time, so a test can stop every default policy from waiting.
    time.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``attempts`` tries per call, waiting a random time up to ``initial_delay * 2**n``
    (never more than ``max_delay``) between them."""

    attempts: int = 5
    initial_delay: float = 0.5
    max_delay: float = 20.0
    #: Injected so tests and benchmarks can retry without sleeping.
    sleep: Callable[[float], None] = field(default=_sleep, compare=False)

    def retrying(
        self,
        retry_on: tuple[type[BaseException], ...] = (TransientError,),
        before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    ) -> tenacity.Retrying:
        """A tenacity loop: ``for attempt in policy.retrying(): with attempt: ...``.

        The last failure is re-raised as itself (not wrapped in ``RetryError``), so callers see
        the same exception types with or without retries.
        """
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(self.attempts, 1)),
            wait=tenacity.wait_random_exponential(
                multiplier=self.initial_delay, max=self.max_delay
            ),
            retry=tenacity.retry_if_exception_type(retry_on),
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

    def delays(self) -> list[float]:
        """The upper bounds of the waits between attempts (for messages and docs)."""
        return [
            min(self.initial_delay * 2**n, self.max_delay) for n in range(max(self.attempts - 1, 0))
        ]


#: Try once, never wait: for callers that handle failures themselves.
NO_RETRY = RetryPolicy(attempts=1)


class _SafeToRepeat(Exception):
    """Carries a TransientError after asymbl-sf made sure the failed write did not happen."""

    def __init__(self, error: TransientError) -> None:
        super().__init__(str(error))
        self.error = error


def write_once(
    policy: RetryPolicy,
    write: Callable[[], T],
    find: Callable[[], T | None],
) -> tuple[T, bool]:
    """Run ``write``, repeating it after transient failures without ever writing twice.

    A failure that certainly left the org untouched (``maybe_applied`` False: a 503, a row lock,
    a connection that never opened) is repeated under ``policy``. One whose answer was lost
    (``maybe_applied`` True) is first checked with ``find``, which returns what the write would
    have made if it is in the org: found, it is the result; not found, the write is repeated.
    When ``find`` cannot tell (it raises), that error ends the attempt: a duplicate is worse than
    a clear error saying to look before sending again.

    Returns ``(result, recovered)``; ``recovered`` is True when the result came from ``find``.
    """
    try:
        for attempt in policy.retrying(retry_on=(_SafeToRepeat,)):
            with attempt:
                try:
                    return write(), False
                except TransientError as exc:
                    if exc.maybe_applied:
                        found = _look(find, exc)
                        if found is not None:
                            return found, True
                    raise _SafeToRepeat(exc) from None
    except _SafeToRepeat as repeated:
        raise repeated.error from None
    raise AssertionError("tenacity ended without an outcome")  # unreachable: reraise=True


def _look(find: Callable[[], T | None], lost: TransientError) -> T | None:
    """``find()``; when it fails, an error that says the write may have happened."""
    failure: AsymblError
    try:
        return find()
    except TransientError as exc:
        if exc.error_code == OUTCOME_UNKNOWN:
            raise
        failure = exc
    except AsymblError as exc:
        failure = exc
    raise TransientError(
        f"the write may have been carried out (its answer was lost: {lost}), and looking for "
        f"what it wrote failed too ({failure}): look in Salesforce before sending it again",
        error_code=OUTCOME_UNKNOWN,
        maybe_applied=True,
    ) from None
