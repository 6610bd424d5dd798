"""Independent jobs on stateful workers, in this process or on Ray actors.

A worker class is built once per worker (``worker_class()``, no arguments) and keeps whatever it
compiles between jobs; ``worker.run(job)`` gives one result. The search has its own backends
(:mod:`symopt.backends.local`, :mod:`symopt.backends.ray_backend`) because it submits and polls
one candidate at a time; the benchmark knows all its jobs up front and maps over them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

OnResult = Callable[[int, Any], None]


def map_jobs(
    worker_class: type,
    jobs: Sequence[Any],
    backend: str = "local",
    workers: int | str = "auto",
    address: str | None = None,
    on_result: OnResult | None = None,
) -> list:
    """``[worker.run(job) for job in jobs]``, in job order, on ``backend`` (``local``: one worker
    in this process; ``ray``: ``workers`` actors, one per CPU for ``auto``, on a local instance
    or the cluster at ``address``). ``on_result(index, result)`` is called as each job finishes.
    A Ray worker that dies is restarted and its job run again."""
    if backend == "local":
        worker = worker_class()
        results = []
        for index, job in enumerate(jobs):
            results.append(worker.run(job))
            if on_result:
                on_result(index, results[-1])
        return results
    from symopt.backends.ray_backend import map_on_ray

    return map_on_ray(worker_class, list(jobs), workers, address, on_result)
