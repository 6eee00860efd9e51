"""Python masking work (address cuts, Presidio on pre-filtered cells) spread over the machine's cores.

Publication is mostly PostgreSQL, but two steps are pure Python and hold the GIL: the address parser on a
column's distinct values (~16 µs each: a million addresses are ~16 s) and Presidio on the cells the pre-filter
let through (~0.7 ms each). While they run, PostgreSQL waits; the cores are free. ``map_values`` runs such a
function over a list in forked worker processes, one per core, when the list is long enough to repay the
fork (the demo's tables stay in-process), and in order: the result is the same list either way.

Fork, not spawn: the workers inherit the loaded classifier, gazetteer and analyzer (seconds to build) and the
function itself, which need not be picklable — only the values and results travel. A worker never touches the
parent's database connection (it is not passed to it, and a forked worker leaves with ``os._exit``, running no
finaliser that could close the parent's socket).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

#: fewer values than this are mapped in-process (forking and feeding workers costs ~0.1 s)
MIN_VALUES = 20_000
#: values handed to a worker at a time
_CHUNK = 2_000

#: the function the forked workers apply (set by the parent before it forks; inherited, never pickled)
_job: Callable[[Any], Any] | None = None


def _apply(values: list[Any]) -> list[Any]:
    assert _job is not None  # set before the fork
    return [_job(v) for v in values]


def worker_count() -> int:
    """Processes to use: the cores this process may run on (GOVDATA_MASK_WORKERS overrides; 1 = in-process)."""
    configured = os.environ.get("GOVDATA_MASK_WORKERS")
    if configured:
        return max(1, int(configured))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def map_values(
    function: Callable[[Any], Any], values: Sequence[Any], *, min_values: int = MIN_VALUES, chunk: int = _CHUNK
) -> list[Any]:
    """``[function(v) for v in values]``, computed by forked workers when there are ``min_values`` or more.

    An exception in a worker is raised here, as it would be in-process.
    """
    global _job
    workers = worker_count()
    if (
        len(values) < min_values
        or workers < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon  # a daemonic process may not have children: in-process
    ):
        return [function(v) for v in values]
    chunks = [list(values[i : i + chunk]) for i in range(0, len(values), chunk)]
    _job = function
    try:
        pool = multiprocessing.get_context("fork").Pool(min(workers, len(chunks)), initializer=_default_signals)
        try:
            results = pool.map(_apply, chunks, chunksize=1)
            pool.close()  # the workers leave on their own once the queue is drained
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    finally:
        _job = None
    return [r for part in results for r in part]


def _default_signals() -> None:
    """A worker dies on SIGTERM and SIGINT, whatever handlers its parent had.

    Airflow's task runner turns SIGTERM into an exception: a worker blocked on its queue would never raise it, and
    the pool's clean-up would wait for it forever.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
