"""Benchmark results as values: per task, per optimizer, the tuning sweep and the test report.

Everything the verdicts need is stored (per-seed test losses), so :func:`BenchmarkResult.from_dict`
of the ``--json`` output gives back the same result and :mod:`.verdict` recomputes its verdicts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from symopt.sweep import at_edge, best_index


def _mean(values: list[float]) -> float:
    return float(np.mean(values))


def _std(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


@dataclass
class SweepPoint:
    """One setting tried while tuning: the validation loss on each tuning seed.

    ``lr`` is a peak lr (baseline) or a factor on the program's own lr; ``wd`` the baseline's
    weight decay (None for a program). A failed run counts as the task's worst loss.
    """

    lr: float
    wd: float | None
    loss: list[float]
    status: list[str]

    @property
    def mean(self) -> float:
        return _mean(self.loss)


@dataclass
class Report:
    """The chosen setting trained on each report seed and measured on test."""

    lr: float
    wd: float | None
    seeds: list[int]
    loss: list[float]
    accuracy: list[float] | None
    status: list[str]

    @property
    def mean(self) -> float:
        return _mean(self.loss)

    @property
    def std(self) -> float:
        return _std(self.loss)

    @property
    def mean_accuracy(self) -> float | None:
        return None if self.accuracy is None else _mean(self.accuracy)

    @property
    def failures(self) -> int:
        return sum(status != "ok" for status in self.status)


def best_point(sweep: list[SweepPoint]) -> SweepPoint:
    """The lowest mean validation loss (the first listed, i.e. smaller wd then lr, on a tie)."""
    return sweep[best_index(sweep, lambda point: -point.mean)]


@dataclass
class Entry:
    """One optimizer on one task: its tuning sweep, its test report and its verdict.

    ``verdict`` is win / tie / loss against AdamW ("" for AdamW) and ``p_value`` the
    Holm-adjusted p-value behind it (:mod:`.verdict`).
    """

    optimizer: str
    kind: str  # program | baseline
    sweep: list[SweepPoint]
    report: Report
    verdict: str = ""
    p_value: float | None = None

    @property
    def best(self) -> SweepPoint:
        return best_point(self.sweep)

    @property
    def edge(self) -> str:
        """``smallest`` / ``largest`` when the chosen lr is that end of the lrs swept at the
        chosen weight decay, else ``""``."""
        lrs = [point.lr for point in self.sweep if point.wd == self.best.wd]
        return at_edge(lrs, self.best.lr)


@dataclass
class TaskResult:
    """Every optimizer on one task; ``accuracy``: whether test accuracy is reported beside."""

    task: str
    size: int
    worst_loss: float
    accuracy: bool
    entries: list[Entry]

    @property
    def label(self) -> str:
        """``task@size``, a user task's ``MODULE:NAME`` shortened (``my_task:build@1``)."""
        from proxy_tasks.user import label

        return f"{label(self.task)}@{self.size}"

    @property
    def unit(self) -> str:
        return "nats/char" if not self.accuracy else "nats"

    def entry(self, optimizer: str) -> Entry:
        return next(entry for entry in self.entries if entry.optimizer == optimizer)


@dataclass
class BenchmarkResult:
    """The whole benchmark; ``programs`` maps each program's name to its text, ``baselines`` each
    baseline's first grids (``{"lrs": [...], "weight_decays": [...]}``);
    ``program_weight_decays`` the decay rates added to programs (``[None]`` in results written
    before programs' weight decay was tuned: lr factors only)."""

    tuning_seeds: list[int]
    report_seeds: list[int]
    lr_factors: list[float]
    programs: dict[str, str]
    baselines: dict[str, dict[str, list[float]]]
    tasks: list[TaskResult] = field(default_factory=list)
    seconds: float = 0.0
    program_weight_decays: list[float | None] = field(default_factory=lambda: [None])

    @property
    def optimizers(self) -> list[str]:
        return [*self.programs, *self.baselines]

    def summary(self, optimizer: str) -> dict[str, int]:
        """Wins, ties and losses of ``optimizer`` against AdamW over the tasks."""
        verdicts = [task.entry(optimizer).verdict for task in self.tasks]
        return {kind: verdicts.count(kind) for kind in ("win", "tie", "loss")}

    def as_dict(self) -> dict:
        """A JSON-able dict: the inputs, then per task per optimizer the sweep and the report."""
        from symopt.benchmark.verdict import VERDICT_RULE

        return {
            "tuning_seeds": list(self.tuning_seeds),
            "report_seeds": list(self.report_seeds),
            "lr_factors": list(self.lr_factors),
            "program_weight_decays": list(self.program_weight_decays),
            "programs": dict(self.programs),
            "baselines": {name: dict(grids) for name, grids in self.baselines.items()},
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
                task["worst_loss"],
                task["accuracy"],
                [_entry(entry) for entry in task["optimizers"]],
            )
            for task in data["tasks"]
        ]
        return cls(
            list(data["tuning_seeds"]),
            list(data["report_seeds"]),
            list(data["lr_factors"]),
            dict(data["programs"]),
            {name: dict(grids) for name, grids in data["baselines"].items()},
            tasks,
            data["seconds"],
            list(data.get("program_weight_decays", [None])),
        )


def _entry(data: dict) -> Entry:
    return Entry(
        data["optimizer"],
        data["kind"],
        [SweepPoint(**point) for point in data["sweep"]],
        Report(**data["report"]),
        data["verdict"],
        data["p_value"],
    )


def _task_dict(task: TaskResult) -> dict:
    return {
        "task": task.task,
        "size": task.size,
        "worst_loss": task.worst_loss,
        "accuracy": task.accuracy,
        "optimizers": [
            {
                "optimizer": entry.optimizer,
                "kind": entry.kind,
                "verdict": entry.verdict,
                "p_value": entry.p_value,
                "report": asdict(entry.report),
                "sweep": [asdict(point) for point in entry.sweep],
            }
            for entry in task.entries
        ],
    }
