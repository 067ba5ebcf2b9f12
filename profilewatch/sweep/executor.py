"""How a sweep runs its fetches concurrently: one small interface, threads by default.

Fetching is I/O: threads are enough.  :func:`thread_map` is the only place the sweep spreads
work; a shared executor (local worker processes, Dask) plugs in by providing a function of the
same shape (:data:`Mapper`): ``mapper(fn, items, workers)`` yields ``fn(item)`` for every item,
in completion order, with at most ``workers`` calls in flight; an exception raised by ``fn``
stops the map (calls not started are cancelled) and is raised to the caller.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
Mapper = Callable[[Callable[[T], R], Iterable[T], int], Iterator[R]]


def thread_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``fn`` over ``items`` on ``workers`` threads (a window of ``2 * workers`` submitted at a time)."""
    if workers <= 1:
        for item in items:
            yield fn(item)
        return
    it = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep") as pool:
        pending: set[Future] = set()
        try:
            while True:
                while len(pending) < 2 * workers:
                    try:
                        pending.add(pool.submit(fn, next(it)))
                    except StopIteration:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()
