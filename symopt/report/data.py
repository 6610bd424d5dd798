"""Everything a report shows, read once from a run directory.

Evaluations are kept as plain numpy columns (no program text), so a run of a million candidates
fits in a few tens of megabytes; program text is read only for the top programs and the lineage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from symopt.config import entry_reference
from symopt.funnel import FunnelResult, load_funnel
from symopt.stats import Stats
from symopt.store import EvaluationRecord, Event, RunStore

METRIC_LABELS = {
    "val_accuracy": "validation accuracy",
    "neg_val_loss": "minus validation loss (nats/char)",
}
TOP = 5


@dataclass(frozen=True)
class Columns:
    """One entry per stored candidate, in completion order (``seq`` = 1, 2, 3, ...)."""

    seq: np.ndarray  # int
    fitness: np.ndarray  # float, NaN for a failed run stored without a fitness
    status: np.ndarray  # str
    tries: np.ndarray  # int: mutation attempts for this candidate (0 for the seed and inserts)


@dataclass(frozen=True)
class RunData:
    """A run as the report sees it. ``lineage`` runs from the seed to the best program."""

    run_dir: Path
    config_yaml: str
    config: dict
    columns: Columns
    stats: Stats
    counts: dict[str, int]
    restarts: list[Event]
    meta: list[Event]
    funnel: FunnelResult | None
    top: list[EvaluationRecord]
    lineage: list[EvaluationRecord]
    metric: str
    worst: float  # the fitness of a failed run; NaN when the task is unknown

    @property
    def judged(self) -> int:
        return len(self.columns.seq)

    @property
    def population(self) -> int:
        return int(self.config.get("population") or 1)


def load_run(run_dir: Path) -> RunData:
    """Read the run at ``run_dir`` (read-only; a search may be writing it meanwhile)."""
    stats = Stats()
    seq, fitness, status, tries = [], [], [], []
    with RunStore.open_readonly(run_dir) as store:
        for record in store.iter_evaluations():
            stats.add(record.status, record.metrics)
            seq.append(record.seq)
            fitness.append(record.fitness)
            status.append(record.status)
            tries.append(record.metrics.get("tries", 0))
        top = store.top(TOP)
        lineage = store.lineage(top[0].id)[::-1] if top else []
        config_yaml = store.config_yaml
        counts = store.counts_by_status()
        restarts = store.events("restart")
        meta = store.events("meta_validation")
    config = yaml.safe_load(config_yaml) or {}
    metric, worst = task_facts(config)
    columns = Columns(
        np.asarray(seq, dtype=np.int64),
        np.asarray(fitness, dtype=np.float64),
        np.asarray(status, dtype=str),
        np.asarray(tries, dtype=np.int64),
    )
    return RunData(
        run_dir=Path(run_dir),
        config_yaml=config_yaml,
        config=config,
        columns=columns,
        stats=stats,
        counts=counts,
        restarts=restarts,
        meta=meta,
        funnel=load_funnel(run_dir),
        top=top,
        lineage=lineage,
        metric=metric,
        worst=worst,
    )


def task_facts(config: dict) -> tuple[str, float]:
    """What fitness measures for the run's tasks (e.g. ``"validation accuracy"``) and the
    fitness of a failed run (the mean of the tasks' worst fitness, as the search scores it).

    Tasks with different metrics give ``"mean fitness over tasks"``; an unknown task (renamed
    since the run) gives ``"fitness"`` and NaN.
    """
    tasks = [_task(entry_reference(t), t.get("size", 1)) for t in config.get("tasks") or []]
    if not tasks or None in tasks:
        return "fitness", math.nan
    names = {t.metric_name for t in tasks}
    worst = sum(t.worst_fitness for t in tasks) / len(tasks)
    if len(names) > 1:
        return "mean fitness over tasks", worst
    return METRIC_LABELS.get(names.pop(), "fitness"), worst


def _task(name: str | None, size: int):
    import proxy_tasks

    try:
        return proxy_tasks.get_task(name, size)
    except proxy_tasks.TaskError:
        return None


def finite(values: np.ndarray) -> np.ndarray:
    """``values`` without NaN and +-inf."""
    return values[np.isfinite(values)]


def fmt(value: float | None) -> str:
    """A fitness as text: 4 decimals, or ``"n/a"``."""
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.4f}"
