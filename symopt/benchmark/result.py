"""Benchmark results as values: per task, per optimizer, the lr sweep and the verdict vs AdamW.

**Verdict rule** (program or baseline vs AdamW on one task, each at its best lr): every optimizer
runs on the same seeds (same initial weights, same batches), so the comparison is paired. With
``d_i`` the difference of the final metrics on seed ``i``, ``d`` their mean over ``n`` seeds and
``se`` their standard error (``std(d_i) / sqrt(n)``), the two **tie** when
``|d| <= max(t * se, r)``, where ``t`` is Student's two-sided 5% critical value with ``n - 1``
degrees of freedom (4.30 for 3 seeds, 2.78 for 5; a paired t-test) and ``r`` the metric's
resolution: one validation example (``1 / n_val``) for accuracy, 0 for a loss. With one seed
only ``r`` applies. Otherwise ``d > 0`` is a **win** and ``d < 0`` a **loss**.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from symopt.sweep import at_edge, best_index

VERDICT_RULE = (
    "paired over seeds: tie when |mean(d)| <= max(t * std(d) / sqrt(seeds), r), d = metric - "
    "AdamW's on the same seed, t = Student's two-sided 5% value (seeds - 1 dof), r = one "
    "validation example for accuracy, 0 for a loss; else win if higher, loss if lower"
)


@dataclass
class SweepPoint:
    """One lr of a sweep: the final metric per seed (a failure counts as the worst fitness)."""

    lr: float
    fitness: list[float]
    status: list[str]

    @property
    def mean(self) -> float:
        return float(np.mean(self.fitness))

    @property
    def std(self) -> float:
        return float(np.std(self.fitness, ddof=1)) if len(self.fitness) > 1 else 0.0

    @property
    def failures(self) -> int:
        return sum(status != "ok" for status in self.status)


@dataclass
class Entry:
    """One optimizer on one task. ``lr`` is a peak lr (baseline) or a factor on ``lr`` (program).

    ``best`` indexes ``sweep``: the highest mean fitness over seeds, the smaller lr on a tie.
    """

    optimizer: str
    kind: str  # program | baseline
    sweep: list[SweepPoint]
    verdict: str = ""  # win | tie | loss against AdamW; "" for AdamW itself

    @property
    def best(self) -> SweepPoint:
        return self.sweep[best_index(self.sweep, lambda point: point.mean)]

    @property
    def edge(self) -> str:
        """``smallest`` / ``largest`` when the best lr is that end of the sweep, else ``""``."""
        return at_edge([point.lr for point in self.sweep], self.best.lr)

    @property
    def at_edge(self) -> bool:
        return bool(self.edge)


@dataclass
class TaskResult:
    """Every optimizer on one task; ``resolution`` is the ``r`` of the verdict rule."""

    task: str
    size: int
    metric: str
    worst_fitness: float
    resolution: float
    entries: list[Entry]

    @property
    def label(self) -> str:
        return f"{self.task}@{self.size}"

    def entry(self, optimizer: str) -> Entry:
        return next(entry for entry in self.entries if entry.optimizer == optimizer)


@dataclass
class BenchmarkResult:
    """The whole benchmark; ``programs`` maps each program's name to its text."""

    seeds: int
    lr_factors: list[float]
    programs: dict[str, str]
    baselines: dict[str, list[float]]
    tasks: list[TaskResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def optimizers(self) -> list[str]:
        return [*self.programs, *self.baselines]

    def summary(self, optimizer: str) -> dict[str, int]:
        """Wins, ties and losses of ``optimizer`` against AdamW over the tasks."""
        verdicts = [task.entry(optimizer).verdict for task in self.tasks]
        return {kind: verdicts.count(kind) for kind in ("win", "tie", "loss")}

    def as_dict(self) -> dict:
        """A JSON-able dict: the inputs, then per task per optimizer the sweep and the best lr."""
        return {
            "seeds": self.seeds,
            "lr_factors": list(self.lr_factors),
            "programs": dict(self.programs),
            "baselines": {name: list(lrs) for name, lrs in self.baselines.items()},
            "verdict_rule": VERDICT_RULE,
            "seconds": round(self.seconds, 2),
            "tasks": [_task_dict(task) for task in self.tasks],
            "summary": {name: self.summary(name) for name in self.optimizers},
        }

    @classmethod
    def from_dict(cls, data: dict) -> BenchmarkResult:
        """The result :meth:`as_dict` described (e.g. read back from ``--json`` output)."""
        tasks = [
            TaskResult(
                task["task"],
                task["size"],
                task["metric"],
                task["worst_fitness"],
                task["resolution"],
                [
                    Entry(
                        entry["optimizer"],
                        entry["kind"],
                        [SweepPoint(**point) for point in entry["sweep"]],
                        entry["verdict"],
                    )
                    for entry in task["optimizers"]
                ],
            )
            for task in data["tasks"]
        ]
        return cls(
            data["seeds"],
            list(data["lr_factors"]),
            dict(data["programs"]),
            {name: list(lrs) for name, lrs in data["baselines"].items()},
            tasks,
            data["seconds"],
        )


def _task_dict(task: TaskResult) -> dict:
    return {
        "task": task.task,
        "size": task.size,
        "metric": task.metric,
        "worst_fitness": task.worst_fitness,
        "resolution": task.resolution,
        "optimizers": [
            {
                "optimizer": entry.optimizer,
                "kind": entry.kind,
                "best_lr": entry.best.lr,
                "mean": entry.best.mean,
                "std": entry.best.std,
                "failures": entry.best.failures,
                "verdict": entry.verdict,
                "sweep": [asdict(point) for point in entry.sweep],
            }
            for entry in task.entries
        ],
    }


def verdict(entry: Entry, reference: Entry, resolution: float) -> str:
    """``win``, ``tie`` or ``loss`` of ``entry`` against ``reference`` (the module's rule)."""
    differences = np.subtract(entry.best.fitness, reference.best.fitness)
    mean, margin = float(differences.mean()), resolution
    if len(differences) > 1:
        from scipy.stats import t as student

        se = float(differences.std(ddof=1)) / math.sqrt(len(differences))
        margin = max(float(student.ppf(0.975, len(differences) - 1)) * se, resolution)
    if abs(mean) <= margin:
        return "tie"
    return "win" if mean > 0 else "loss"
