"""Several API calls in flight at once, answers in order."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
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
    pool = _pool(max_concurrency)
    futures = [pool.submit(function, item) for item in items]
    try:
        return [future.result() for future in futures]
    except BaseException:
        for future in futures:
            future.cancel()
        wait(futures)  # every started call finishes before the error goes up
        raise


#: Pools kept for the life of the thread that asked (an import makes dozens of concurrent rounds;
#: starting threads for each cost it milliseconds a round). One per calling thread and size, so
#: a call made from inside a pool's own worker never waits for its own pool's workers.
_pools = threading.local()


def _pool(size: int) -> ThreadPoolExecutor:
    pools: dict[int, ThreadPoolExecutor] | None = getattr(_pools, "by_size", None)
    if pools is None:
        pools = _pools.by_size = {}
    pool = pools.get(size)
    if pool is None:
        pool = pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="asymbl-sf")
    return pool
