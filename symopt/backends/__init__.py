"""Where candidates are trained: in this process (``local``) or on Ray actors (``ray``).

Both take :class:`Job` records (program text, not pickled programs) and give back
:class:`JobResult` records; the search driver knows only ``submit``, ``poll``, ``capacity`` and
``close``. This package is the only place that imports ray.
"""

from symopt.backends.jobs import EvaluationWorker, Job, JobResult, TaskSpec

__all__ = ["EvaluationWorker", "Job", "JobResult", "TaskSpec", "make_backend"]


def make_backend(kind: str, tasks, hurdle_fraction, workers="auto", address=None, layout=None):
    """The backend named by ``kind`` (``local`` or ``ray``), started and ready; ``layout`` sizes
    the workers' interpreters (``symopt.execution.encode.Layout``)."""
    if kind == "local":
        from symopt.backends.local import LocalBackend

        return LocalBackend(tasks, hurdle_fraction, layout)
    from symopt.backends.ray_backend import RayBackend

    return RayBackend(tasks, hurdle_fraction, workers=workers, address=address, layout=layout)
