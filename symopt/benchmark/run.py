"""Run a benchmark: programs and optax baselines on a task suite, over seeds, at their best lr.

For each task and each seed ``s`` the task is ``dataclasses.replace(task, seed=s)`` (a new
initialisation and batch order). Programs are trained by one compiled-once
:class:`~symopt.execution.evaluator.Evaluator` per (task, seed); the lr sweep of a program
prepends ``lr = lr * f`` to it, so every factor is a new program, not a new compilation. Each
baseline is compiled once per (task, seed) with its peak lr as an argument of the compiled run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

from proxy_tasks import Task, sweep_optax
from symopt.benchmark.result import BenchmarkResult, Entry, SweepPoint, TaskResult, verdict
from symopt.benchmark.suite import (
    BASELINES,
    DEFAULT_LR_FACTORS,
    REFERENCE,
    Baseline,
    check_sweep,
    resolve_tasks,
    task_label,
)
from symopt.dsl.program import Program, Statement
from symopt.dsl.text import to_text
from symopt.errors import SymoptError
from symopt.execution.evaluator import Evaluator

Log = Callable[[str], None]


def run_benchmark(
    programs: dict[str, Program],
    tasks: list[tuple[str, int]] | None = None,
    seeds: int = 3,
    lr_factors: list[float] | None = None,
    log: Log = lambda line: None,
    baseline_lrs: dict[str, list[float]] | None = None,
) -> BenchmarkResult:
    """Train every program and every baseline on ``tasks`` over seeds ``0..seeds-1``.

    ``tasks``: ``(name, size)`` pairs, ``None`` for :data:`~symopt.benchmark.suite.DEFAULT_SUITE`.
    ``lr_factors``: the factors of each program's own ``lr`` (default 0.1, 0.3, 1, 3, 10).
    ``baseline_lrs``: peak lrs per baseline name (``AdamW``, ``Lion``, ``SGD-momentum``) to replace
    the default sweeps. Every input is checked (:class:`SymoptError`) before anything trains.
    """
    resolved = resolve_tasks(tasks)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise SymoptError(f"The benchmark needs seeds >= 1; got {seeds!r}.")
    factors = check_sweep(
        "lr factor", DEFAULT_LR_FACTORS if lr_factors is None else lr_factors, True
    )
    baselines = _baselines(baseline_lrs or {})
    clash = set(programs) & {baseline.name for baseline in baselines}
    if clash:
        raise SymoptError(f"Program name {sorted(clash)[0]!r} is taken by a baseline; rename it.")
    result = BenchmarkResult(
        seeds=seeds,
        lr_factors=list(factors),
        programs={name: to_text(program) for name, program in programs.items()},
        baselines={baseline.name: list(baseline.lrs) for baseline in baselines},
    )
    start = time.perf_counter()
    for task in resolved:
        result.tasks.append(_run_task(task, programs, seeds, factors, baselines, log))
    result.seconds = time.perf_counter() - start
    log(f"benchmark done in {result.seconds:.0f} s")
    return result


def scale_lr(program: Program, factor: float) -> Program:
    """``program`` with ``lr = lr * factor`` as its first statement."""
    first = Statement(program.lr, "mul", (program.lr, float(factor)))
    return program.replace_body((first, *program.body))


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


def _run_task(
    task: Task,
    programs: dict[str, Program],
    seeds: int,
    factors: Sequence[float],
    baselines: Sequence[Baseline],
    log: Log,
) -> TaskResult:
    label = task_label(task)
    names = list(programs) + [baseline.name for baseline in baselines]
    # runs[optimizer][lr index] = [(fitness, status) per seed]
    runs: dict[str, list[list[tuple[float, str]]]] = {name: [] for name in names}
    for seed in range(seeds):
        start = time.perf_counter()
        seeded = dataclasses.replace(task, seed=seed)
        scaled = [scale_lr(program, f) for program in programs.values() for f in factors]
        results = Evaluator(seeded).evaluate(scaled)
        for i, name in enumerate(programs):
            chunk = results[i * len(factors) : (i + 1) * len(factors)]
            _add(runs[name], [(r.fitness, r.status) for r in chunk])
        for baseline in baselines:
            _add(runs[baseline.name], _sweep_baseline(seeded, baseline))
        log(
            f"{label} seed {seed}: {len(names)} optimizer(s) in {time.perf_counter() - start:.1f} s"
        )
    entries = []
    for name in names:
        is_program = name in programs
        lrs = factors if is_program else next(b.lrs for b in baselines if b.name == name)
        sweep = [
            SweepPoint(lr, [f for f, _ in per_seed], [s for _, s in per_seed])
            for lr, per_seed in zip(lrs, runs[name], strict=True)
        ]
        entries.append(Entry(name, "program" if is_program else "baseline", sweep))
    resolution = _resolution(task)
    reference = next(entry for entry in entries if entry.optimizer == REFERENCE)
    for entry in entries:
        if entry is not reference:
            entry.verdict = verdict(entry, reference, resolution)
    outcome = TaskResult(
        task.name, task.size, task.metric_name, task.worst_fitness, resolution, entries
    )
    _log_task(outcome, log)
    return outcome


def _add(runs: list[list[tuple[float, str]]], per_lr: list[tuple[float, str]]) -> None:
    """Append one seed's result at each lr of a sweep."""
    if not runs:
        runs.extend([] for _ in per_lr)
    for slot, run in zip(runs, per_lr, strict=True):
        slot.append(run)


def _sweep_baseline(task: Task, baseline: Baseline) -> list[tuple[float, str]]:
    """Train ``baseline`` on ``task`` at each peak lr (one compilation for the sweep)."""
    return sweep_optax(task, baseline.make, baseline.lrs)


def _resolution(task: Task) -> float:
    """One validation example for an accuracy, 0 for a loss."""
    if task.metric_name != "val_accuracy":
        return 0.0
    return 1.0 / len(task.val_data()["y"])


def _log_task(outcome: TaskResult, log: Log) -> None:
    parts = [f"{e.optimizer} {e.best.mean:.4f} (lr {e.best.lr:g})" for e in outcome.entries]
    log(f"{outcome.label}: " + ", ".join(parts))
    for entry in outcome.entries:
        if entry.at_edge:
            edge = "smallest" if entry.best.lr == entry.sweep[0].lr else "largest"
            log(f"  note: {entry.optimizer}'s best lr {entry.best.lr:g} is the {edge} swept")
