"""Several API calls in flight at once, answers in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_concurrently(
    function: Callable[[T], R], items: Sequence[T], max_concurrency: int
) -> list[R]:
    """``[function(item) ...]`` with at most ``max_concurrency`` running at once, in order.

    The first exception raised by any call is raised once every started call has finished
    (calls not started yet are not started).
    """
    if max_concurrency <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(max_concurrency, len(items))) as pool:
        futures = [pool.submit(function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise
