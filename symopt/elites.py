"""Re-evaluated elites: the run's best is a program whose lead survived more task seeds.

Search fitness is measured on one task seed (initialisation and batch order), and the best of
thousands of programs on that seed is lucky on it (the winner's curse: the default campaign's
best scored -2.4645 on its search seed and -2.5102 over five). So a trained program whose fitness
beats the current best's *re-evaluated* fitness is trained again on task seeds ``1 .. k``; it
becomes the run's best only if the mean over seed 0 and those ``k`` still leads. Each finished
re-evaluation is a run event (``reevaluation``), replayed on resume, shown by ``symopt show``.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field

from symopt.backends.jobs import Job


@dataclass
class Pending:
    """A re-evaluation in progress: the program's record and the fitness on each seed so far."""

    id: int
    fingerprint: str
    program: str
    fitness: float  # on the search's seed
    seeds: list[int]
    results: dict[int, float] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return len(self.results) == len(self.seeds)


@dataclass
class Elite:
    id: int
    program: str
    fitness: float  # single seed, as the search saw it
    mean: float  # over the search's seed and the re-evaluation seeds


class Elites:
    """The run's re-evaluated best, and the re-evaluation jobs (negative indices: they are not
    candidates) waiting for a worker or in flight."""

    def __init__(self, seeds: int, lr_factors: tuple[float, ...] = (1.0,)) -> None:
        self.seeds = list(range(1, seeds + 1))
        self.lr_factors = tuple(lr_factors)  # as the search scored it
        self.best: Elite | None = None
        self.pending: dict[str, Pending] = {}
        self.done: set[str] = set()  # fingerprints already re-evaluated (or on their way)
        self.queue: deque[Job] = deque()
        self.in_flight: dict[int, Job] = {}
        self._fingerprint_of: dict[int, str] = {}
        self._jobs = 0

    @property
    def idle(self) -> bool:
        return not (self.queue or self.in_flight)

    def owns(self, index: int) -> bool:
        return index in self.in_flight

    def submit(self, backend, busy: int) -> None:
        """Hand queued jobs to ``backend`` while it has room besides ``busy`` candidates."""
        while self.queue and busy + len(self.in_flight) < backend.capacity:
            job = self.queue.popleft()
            backend.submit(job)
            self.in_flight[job.index] = job

    def take(self, index: int, fitness: float) -> dict | None:
        """A re-evaluation job's fitness; the event payload when its program is complete."""
        job = self.in_flight.pop(index)
        return self.result(self._fingerprint_of.pop(index), job.seed, fitness)

    @property
    def enabled(self) -> bool:
        return bool(self.seeds)

    def bar(self) -> float:
        return self.best.mean if self.best else -math.inf

    def consider(self, record_id: int, fingerprint: str, program: str, fitness: float):
        """A trained result: when it beats the bar (once per fingerprint), its re-evaluation is
        queued and returned as a :class:`Pending`; else ``None``."""
        if not self.enabled or fingerprint in self.done or not fitness > self.bar():
            return None
        self.done.add(fingerprint)
        pending = Pending(record_id, fingerprint, program, fitness, list(self.seeds))
        self.pending[fingerprint] = pending
        for seed in pending.seeds:
            self._jobs += 1
            self.queue.append(Job(-self._jobs, program, seed=seed, lr_factors=self.lr_factors))
            self._fingerprint_of[-self._jobs] = fingerprint
        return pending

    def result(self, fingerprint: str, seed: int, fitness: float) -> dict | None:
        """Take one seed's fitness; when the re-evaluation is complete, the event payload."""
        pending = self.pending[fingerprint]
        pending.results[seed] = fitness
        if not pending.done:
            return None
        del self.pending[fingerprint]
        fitnesses = [pending.fitness] + [pending.results[s] for s in pending.seeds]
        payload = {
            "id": pending.id,
            "fingerprint": fingerprint,
            "seeds": [0, *pending.seeds],
            "fitnesses": fitnesses,
            "mean": statistics.fmean(fitnesses),
            "program": pending.program,
        }
        payload["best"] = payload["mean"] > self.bar()
        self.replay(payload)
        return payload

    def replay(self, payload: dict) -> None:
        """Take in a finished re-evaluation (made now, or stored by an earlier session)."""
        self.done.add(payload["fingerprint"])
        if payload["best"]:
            self.best = Elite(payload["id"], payload["program"], payload["fitnesses"][0],
                              payload["mean"])  # fmt: skip


def best_reevaluation(payloads: list[dict]) -> dict | None:
    """The run's best by re-evaluation (the last one that took the lead), or ``None``."""
    leads = [payload for payload in payloads if payload["best"]]
    return leads[-1] if leads else None
