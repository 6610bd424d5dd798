"""Run a benchmark: programs and optax baselines on a task suite, over seeds, at their best lr.

The work is one job per (task, optimizer): a widening lr sweep (:mod:`symopt.sweep`) in which
every value is trained on every seed and the sweep widens while the best mean over seeds lies at
its edge. Jobs run in this process or on Ray actors (:func:`symopt.backends.pool.map_jobs`).

For seed ``s`` the task is ``dataclasses.replace(task, seed=s)`` (a new initialisation and batch
order). A worker keeps, per (task, seed), one compiled-once
:class:`~symopt.execution.evaluator.Evaluator` for every program (a factor ``f`` on a program's lr
prepends ``lr = lr * f``: a new program, not a new compilation) and one compiled run per baseline
with its peak lr as an argument.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import proxy_tasks
from proxy_tasks import Task, peak_trainer
from symopt.backends.pool import map_jobs
from symopt.benchmark.result import BenchmarkResult, Entry, SweepPoint, TaskResult, verdict
from symopt.benchmark.suite import (
    BASELINES,
    DEFAULT_LR_FACTORS,
    REFERENCE,
    Baseline,
    check_sweep,
    resolve_tasks,
)
from symopt.dsl.program import Program, Statement
from symopt.dsl.text import parse, to_text
from symopt.errors import SymoptError
from symopt.execution.evaluator import Evaluator
from symopt.sweep import DEFAULT_EXTEND, best_index, edge_note, widening_sweep

Log = Callable[[str], None]


@dataclass(frozen=True)
class SweepJob:
    """Sweep one optimizer on one task over seeds ``0..seeds-1``; ``program`` is its text, or
    ``None`` for the baseline named ``optimizer``."""

    task: str
    size: int
    seeds: int
    optimizer: str
    program: str | None
    values: tuple[float, ...]
    extend: int


@dataclass(frozen=True)
class SweepOutcome:
    points: list[SweepPoint]
    seconds: float


def run_benchmark(
    programs: dict[str, Program],
    tasks: list[tuple[str, int]] | None = None,
    seeds: int = 3,
    lr_factors: list[float] | None = None,
    log: Log = lambda line: None,
    baseline_lrs: dict[str, list[float]] | None = None,
    extend: int = DEFAULT_EXTEND,
    backend: str = "local",
    workers: int | str = "auto",
    address: str | None = None,
) -> BenchmarkResult:
    """Train every program and every baseline on ``tasks`` over seeds ``0..seeds-1``.

    ``tasks``: ``(name, size)`` pairs, ``None`` for :data:`~symopt.benchmark.suite.DEFAULT_SUITE`.
    ``lr_factors``: the first factors of each program's own ``lr`` (default 0.03 to 30);
    ``baseline_lrs``: first peak lrs per baseline name (``AdamW``, ``Lion``, ``SGD-momentum``).
    Every sweep then widens by up to ``extend`` values per side while its best lies at an edge
    (0: sweep exactly the values given). ``backend``: ``local`` (this process) or ``ray``.
    Every input is checked (:class:`SymoptError`) before anything trains.
    """
    resolved = resolve_tasks(tasks)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise SymoptError(f"The benchmark needs seeds >= 1; got {seeds!r}.")
    if isinstance(extend, bool) or not isinstance(extend, int) or extend < 0:
        raise SymoptError(f"The sweep widening (--widen, extend) must be >= 0; got {extend!r}.")
    if backend not in ("local", "ray"):
        raise SymoptError(f"Unknown backend {backend!r}; use local or ray.")
    if workers != "auto" and (isinstance(workers, bool) or not isinstance(workers, int)
                              or workers < 1):  # fmt: skip
        raise SymoptError(f"The benchmark needs workers >= 1 or 'auto'; got {workers!r}.")
    if backend == "local" and (address or workers != "auto"):
        raise SymoptError("A Ray address or worker count needs the ray backend (--backend ray).")
    factors = check_sweep(
        "lr factor", DEFAULT_LR_FACTORS if lr_factors is None else lr_factors, True
    )
    baselines = _baselines(baseline_lrs or {})
    clash = set(programs) & {baseline.name for baseline in baselines}
    if clash:
        raise SymoptError(f"Program name {sorted(clash)[0]!r} is taken by a baseline; rename it.")
    texts = {name: to_text(program) for name, program in programs.items()}
    jobs = []
    for task in resolved:
        jobs += [SweepJob(task.name, task.size, seeds, name, text, factors, extend)
                 for name, text in texts.items()]  # fmt: skip
        jobs += [SweepJob(task.name, task.size, seeds, b.name, None, b.lrs, extend)
                 for b in baselines]  # fmt: skip
    result = BenchmarkResult(
        seeds=seeds,
        lr_factors=list(factors),
        programs=texts,
        baselines={baseline.name: list(baseline.lrs) for baseline in baselines},
    )
    start = time.perf_counter()
    outcomes = map_jobs(BenchmarkWorker, jobs, backend, workers, address, _progress(jobs, log))
    for task in resolved:
        entries = [
            Entry(job.optimizer, "baseline" if job.program is None else "program", out.points)
            for job, out in zip(jobs, outcomes, strict=True)
            if (job.task, job.size) == (task.name, task.size)
        ]
        result.tasks.append(_task_result(task, entries, extend, log))
    result.seconds = time.perf_counter() - start
    log(f"benchmark done in {result.seconds:.0f} s")
    return result


def scale_lr(program: Program, factor: float) -> Program:
    """``program`` with ``lr = lr * factor`` as its first statement."""
    first = Statement(program.lr, "mul", (program.lr, float(factor)))
    return program.replace_body((first, *program.body))


class BenchmarkWorker:
    """Runs :class:`SweepJob` records; keeps the compiled runs of the last two tasks it saw."""

    KEEP_TASKS = 2

    def __init__(self) -> None:
        self.tasks: OrderedDict[tuple[str, int], _Compiled] = OrderedDict()

    def run(self, job: SweepJob) -> SweepOutcome:
        start = time.perf_counter()
        compiled = self._compiled(job.task, job.size)
        seeds = range(job.seeds)
        if job.program is None:
            trains = [compiled.baseline(job.optimizer, seed) for seed in seeds]

            def train(lr: float) -> list[tuple[float, str]]:
                return [run(lr) for run in trains]

        else:
            program = parse(job.program)
            evaluators = [compiled.evaluator(seed) for seed in seeds]

            def train(lr: float) -> list[tuple[float, str]]:
                scaled = scale_lr(program, lr)
                return [
                    (r.fitness, r.status)
                    for r in (evaluator.evaluate([scaled])[0] for evaluator in evaluators)
                ]

        swept = widening_sweep(
            job.values, train, lambda runs: sum(f for f, _ in runs) / len(runs), job.extend
        )
        points = [SweepPoint(lr, [f for f, _ in runs], [s for _, s in runs]) for lr, runs in swept]
        return SweepOutcome(points, time.perf_counter() - start)

    def _compiled(self, name: str, size: int) -> _Compiled:
        key = (name, size)
        if key not in self.tasks:
            self.tasks[key] = _Compiled(proxy_tasks.get_task(name, size))
            while len(self.tasks) > self.KEEP_TASKS:
                self.tasks.popitem(last=False)
        self.tasks.move_to_end(key)
        return self.tasks[key]


class _Compiled:
    """One task's compiled runs, per seed, built at first use."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.evaluators: dict[int, Evaluator] = {}
        self.baselines: dict[tuple[str, int], Callable[[float], tuple[float, str]]] = {}

    def evaluator(self, seed: int) -> Evaluator:
        if seed not in self.evaluators:
            self.evaluators[seed] = Evaluator(dataclasses.replace(self.task, seed=seed))
        return self.evaluators[seed]

    def baseline(self, name: str, seed: int) -> Callable[[float], tuple[float, str]]:
        if (name, seed) not in self.baselines:
            make = next(baseline.make for baseline in BASELINES if baseline.name == name)
            seeded = dataclasses.replace(self.task, seed=seed)
            self.baselines[name, seed] = peak_trainer(seeded, make)
        return self.baselines[name, seed]


def _progress(jobs: Sequence[SweepJob], log: Log) -> Callable[[int, SweepOutcome], None]:
    done = [0]

    def on_result(index: int, outcome: SweepOutcome) -> None:
        done[0] += 1
        job = jobs[index]
        best = outcome.points[best_index(outcome.points, lambda point: point.mean)]
        added = len(outcome.points) - len(job.values)
        widened = f", widened by {added}" if added else ""
        log(
            f"[{done[0]}/{len(jobs)}] {job.task}@{job.size} {job.optimizer}: "
            f"{best.mean:.4f} at lr {best.lr:g} ({len(outcome.points)} lrs{widened}) "
            f"in {outcome.seconds:.1f} s"
        )

    return on_result


def _baselines(overrides: dict[str, list[float]]) -> list[Baseline]:
    known = {baseline.name for baseline in BASELINES}
    for name in overrides:
        if name not in known:
            raise SymoptError(f"Unknown baseline {name!r}; known: {', '.join(sorted(known))}.")
    return [
        dataclasses.replace(b, lrs=check_sweep(f"{b.name} lr", overrides[b.name]))
        if b.name in overrides
        else b
        for b in BASELINES
    ]


def _task_result(task: Task, entries: list[Entry], extend: int, log: Log) -> TaskResult:
    resolution = _resolution(task)
    reference = next(entry for entry in entries if entry.optimizer == REFERENCE)
    for entry in entries:
        if entry is not reference:
            entry.verdict = verdict(entry, reference, resolution)
    outcome = TaskResult(
        task.name, task.size, task.metric_name, task.worst_fitness, resolution, entries
    )
    _log_task(outcome, extend, log)
    return outcome


def _resolution(task: Task) -> float:
    """One validation example for an accuracy, 0 for a loss."""
    if task.metric_name != "val_accuracy":
        return 0.0
    return 1.0 / len(task.val_data()["y"])


def _log_task(outcome: TaskResult, extend: int, log: Log) -> None:
    parts = [f"{e.optimizer} {e.best.mean:.4f} (lr {e.best.lr:g})" for e in outcome.entries]
    log(f"{outcome.label}: " + ", ".join(parts))
    for entry in outcome.entries:
        note = edge_note(entry.optimizer, [p.lr for p in entry.sweep], entry.best.lr, extend)
        if note:
            log(note)
