"""The local backend: candidates trained one at a time in this process (tests, debugging)."""

from __future__ import annotations

from collections import deque

from symopt.backends.jobs import EvaluationWorker, Job, JobResult, TaskSpec


class LocalBackend:
    capacity = 1

    def __init__(
        self, tasks: list[TaskSpec], hurdle_fraction: float | None = None, layout=None
    ) -> None:
        self.worker = EvaluationWorker(tasks, hurdle_fraction, layout)
        self.queue: deque[Job] = deque()

    def submit(self, job: Job) -> None:
        self.queue.append(job)

    def poll(self, timeout: float = 0.0) -> list[JobResult]:
        return [self.worker.run(self.queue.popleft())] if self.queue else []

    @property
    def in_flight(self) -> int:
        return len(self.queue)

    def describe(self) -> str:
        return "local backend, 1 worker (this process)"

    def close(self) -> None:
        self.queue.clear()
