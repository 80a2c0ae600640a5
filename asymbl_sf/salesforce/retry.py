"""How long to keep trying when Salesforce fails in a way a retry may cure.

Transient failures (row locks, 5xx, dropped connections) are retried with exponential backoff and
full jitter, so many clients hitting one busy org spread out instead of retrying in step. The
policy only says *how often and how long*; *whether* a failed call may be repeated is the caller's
decision: a read can always be repeated, a create whose answer was lost must first be checked
(see :mod:`asymbl_sf.salesforce.api`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import tenacity

from asymbl_sf.errors import TransientError


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``attempts`` tries per call, waiting a random time up to ``initial_delay * 2**n``
    (never more than ``max_delay``) between them."""

    attempts: int = 5
    initial_delay: float = 0.5
    max_delay: float = 20.0
    #: Injected so tests and benchmarks can retry without sleeping.
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def retrying(
        self, retry_on: tuple[type[BaseException], ...] = (TransientError,),
        before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    ) -> tenacity.Retrying:
        """A tenacity loop: ``for attempt in policy.retrying(): with attempt: ...``.

        The last failure is re-raised as itself (not wrapped in ``RetryError``), so callers see
        the same exception types with or without retries.
        """
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(self.attempts, 1)),
            wait=tenacity.wait_random_exponential(multiplier=self.initial_delay,
                                                  max=self.max_delay),
            retry=tenacity.retry_if_exception_type(retry_on),
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

    def delays(self) -> list[float]:
        """The upper bounds of the waits between attempts (for messages and docs)."""
        return [min(self.initial_delay * 2 ** n, self.max_delay)
                for n in range(max(self.attempts - 1, 0))]


#: Try once, never wait: for callers that handle failures themselves.
NO_RETRY = RetryPolicy(attempts=1)
