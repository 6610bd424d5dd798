"""Run a benchmark: programs and optax baselines on a task suite, tuned on validation, reported
on test.

The work is one job per (task, optimizer), :func:`symopt.benchmark.protocol.tune_and_report`:
a widening lr sweep per weight decay on the tuning seeds scored by validation loss, then the
chosen setting trained afresh on the report seeds and measured on test. Jobs run in this process
or on Ray actors (:func:`symopt.backends.pool.map_jobs`); the verdicts come last, over all tasks
at once (:mod:`.verdict`).

For seed ``s`` the task is ``dataclasses.replace(task, seed=s)`` (a new initialisation and batch
order). A worker keeps, per task, the compiled runs of :mod:`.trainers`: one per baseline (the
seed an argument) and one compiled-once interpreter per (seed, split, metric) shared by every
program (a factor ``f`` on a program's lr prepends ``lr = lr * f``, a weight decay three more
statements: a new program, not a new compilation; only a program too long for the default layout
gets interpreters of its own).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import proxy_tasks
from proxy_tasks import Task
from proxy_tasks.registry import MAX_SEEDS
from symopt.backends.pool import map_jobs
from symopt.benchmark.baselines import BASELINES, Baseline, baseline
from symopt.benchmark.protocol import tune_and_report
from symopt.benchmark.result import BenchmarkResult, Entry, Report, SweepPoint, TaskResult
from symopt.benchmark.suite import DEFAULT_LR_FACTORS, check_sweep, get_task, resolve_tasks
from symopt.benchmark.trainers import BaselineTrainer, ProgramTrainer, reports_accuracy
from symopt.benchmark.verdict import judge
from symopt.dsl.program import Program
from symopt.dsl.text import parse, to_text
from symopt.errors import SymoptError
from symopt.execution.weight_decay import PROGRAM_WEIGHT_DECAYS
from symopt.sweep import DEFAULT_EXTEND, edge_note

Log = Callable[[str], None]


@dataclass(frozen=True)
class SweepJob:
    """Tune and report one optimizer on one task; ``program`` is its text, or ``None`` for the
    baseline named ``optimizer``; for a program ``lrs`` are factors on its own lr and
    ``weight_decays`` rates of decoupled weight decay added to it (0: none)."""

    task: str
    size: int
    optimizer: str
    program: str | None
    lrs: tuple[float, ...]
    weight_decays: tuple[float | None, ...]
    tuning_seeds: tuple[int, ...]
    report_seeds: tuple[int, ...]
    extend: int


@dataclass(frozen=True)
class SweepOutcome:
    sweep: list[SweepPoint]
    report: Report
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
    baselines: list[str] | None = None,
    baseline_wds: dict[str, list[float]] | None = None,
    program_wds: list[float] | None = None,
) -> BenchmarkResult:
    """Tune every program and baseline on ``tasks`` over ``seeds`` tuning seeds, report each on
    test over ``seeds`` report seeds (:func:`proxy_tasks.tuning_seeds`, :func:`report_seeds`).

    ``tasks``: ``(name, size)`` pairs, ``None`` for :data:`~symopt.benchmark.suite.DEFAULT_SUITE`.
    ``lr_factors``: the first factors of each program's own ``lr`` (default 0.03 to 30);
    ``program_wds``: rates of decoupled weight decay added to each program, tuned with its lr as
    AdamW's weight decay is (:mod:`symopt.execution.weight_decay`; default
    :data:`~symopt.execution.weight_decay.PROGRAM_WEIGHT_DECAYS`; ``[0]``: lr only).
    ``baselines``: names from :data:`~symopt.benchmark.baselines.BASELINES` (default: all; AdamW,
    the reference, is always run); ``baseline_lrs`` / ``baseline_wds``: first peak lrs / weight
    decays per baseline name. Every lr sweep widens by up to ``extend`` values per side while its
    best lies at an edge (0: sweep exactly the values given). ``backend``: ``local`` or ``ray``.
    Every input is checked (:class:`SymoptError`, one line) before anything trains.
    """
    resolved = resolve_tasks(tasks)
    _check_settings(seeds, extend, backend, workers, address)
    factors = check_sweep("lr factor", DEFAULT_LR_FACTORS if lr_factors is None else lr_factors)
    decays = check_sweep("program weight decay",
                         PROGRAM_WEIGHT_DECAYS if program_wds is None else program_wds,
                         allow_zero=True)  # fmt: skip
    chosen = _baselines(baselines, baseline_lrs or {}, baseline_wds or {})
    clash = set(programs) & {b.name for b in chosen}
    if clash:
        raise SymoptError(f"Program name {sorted(clash)[0]!r} is taken by a baseline; rename it.")
    texts = {name: to_text(program) for name, program in programs.items()}
    tuning = tuple(proxy_tasks.tuning_seeds(seeds))
    reporting = tuple(proxy_tasks.report_seeds(seeds))
    jobs = [
        SweepJob(task.name, task.size, name, text, lrs, wds, tuning, reporting, extend)
        for task in resolved
        for name, text, lrs, wds in [
            *((name, text, factors, decays) for name, text in texts.items()),
            *((b.name, None, b.lrs, b.weight_decays) for b in chosen),
        ]
    ]
    result = BenchmarkResult(
        tuning_seeds=list(tuning),
        report_seeds=list(reporting),
        lr_factors=list(factors),
        program_weight_decays=list(decays),
        programs=texts,
        baselines={
            b.name: {"lrs": list(b.lrs), "weight_decays": list(b.weight_decays)} for b in chosen
        },  # fmt: skip
    )
    start = time.perf_counter()
    outcomes = map_jobs(BenchmarkWorker, jobs, backend, workers, address, _progress(jobs, log))
    result.tasks = [_task_result(task, jobs, outcomes) for task in resolved]
    judge(result)
    for task in result.tasks:
        _log_task(task, extend, log)
    result.seconds = time.perf_counter() - start
    log(f"benchmark done in {result.seconds:.0f} s")
    return result


def _task_result(task: Task, jobs: list[SweepJob], outcomes: list[SweepOutcome]) -> TaskResult:
    entries = [
        Entry(job.optimizer, "baseline" if job.program is None else "program", out.sweep,
              out.report)
        for job, out in zip(jobs, outcomes, strict=True)
        if (job.task, job.size) == (task.name, task.size)
    ]  # fmt: skip
    return TaskResult(task.name, task.size, task.worst_loss, reports_accuracy(task), entries)


def _check_settings(
    seeds: int, extend: int, backend: str, workers: int | str, address: str | None
) -> None:
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise SymoptError(f"The benchmark needs 1 <= seeds <= {MAX_SEEDS}; got {seeds!r}.")
    if isinstance(extend, bool) or not isinstance(extend, int) or extend < 0:
        raise SymoptError(f"The sweep widening (--widen, extend) must be >= 0; got {extend!r}.")
    if backend not in ("local", "ray"):
        raise SymoptError(f"Unknown backend {backend!r}; use local or ray.")
    if workers != "auto" and (isinstance(workers, bool) or not isinstance(workers, int)
                              or workers < 1):  # fmt: skip
        raise SymoptError(f"The benchmark needs workers >= 1 or 'auto'; got {workers!r}.")
    if backend == "local" and (address or workers != "auto"):
        raise SymoptError("A Ray address or worker count needs the ray backend (--backend ray).")


def _baselines(
    names: list[str] | None, lrs: dict[str, list[float]], wds: dict[str, list[float]]
) -> list[Baseline]:
    """The baselines to run (AdamW always, first), with their grids overridden and checked."""
    for name in [*(names or []), *lrs, *wds]:
        baseline(name)  # an unknown name raises
    wanted = set(names) | {BASELINES[0].name} if names is not None else None
    chosen = [b for b in BASELINES if wanted is None or b.name in wanted]
    return [
        dataclasses.replace(
            b,
            lrs=check_sweep(f"{b.name} lr", lrs[b.name]) if b.name in lrs else b.lrs,
            weight_decays=check_sweep(f"{b.name} weight decay", wds[b.name], allow_zero=True)
            if b.name in wds
            else b.weight_decays,
        )
        for b in chosen
    ]


class BenchmarkWorker:
    """Runs :class:`SweepJob` records; keeps the compiled runs of the last two tasks it saw."""

    KEEP_TASKS = 2

    def __init__(self) -> None:
        self.tasks: OrderedDict[tuple[str, int], CompiledTask] = OrderedDict()

    def run(self, job: SweepJob) -> SweepOutcome:
        start = time.perf_counter()
        compiled = self._compiled(job.task, job.size)
        if job.program is None:
            score = compiled.baseline(job.optimizer).score
        else:
            score = functools.partial(compiled.programs.score, parse(job.program))
        sweep, report = tune_and_report(score, job.lrs, job.weight_decays, job.tuning_seeds,
                                        job.report_seeds, job.extend)  # fmt: skip
        return SweepOutcome(sweep, report, time.perf_counter() - start)

    def _compiled(self, name: str, size: int) -> CompiledTask:
        key = (name, size)
        if key not in self.tasks:
            self.tasks[key] = CompiledTask(get_task(name, size))
            while len(self.tasks) > self.KEEP_TASKS:
                self.tasks.popitem(last=False)
        self.tasks.move_to_end(key)
        return self.tasks[key]


class CompiledTask:
    """One task's compiled runs, built at first use."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.programs = ProgramTrainer(task)
        self.baselines: dict[str, BaselineTrainer] = {}

    def baseline(self, name: str) -> BaselineTrainer:
        if name not in self.baselines:
            self.baselines[name] = BaselineTrainer(self.task, baseline(name))
        return self.baselines[name]


def _progress(jobs: Sequence[SweepJob], log: Log) -> Callable[[int, SweepOutcome], None]:
    done = [0]

    def on_result(index: int, outcome: SweepOutcome) -> None:
        done[0] += 1
        job, report = jobs[index], outcome.report
        log(
            f"[{done[0]}/{len(jobs)}] {job.task}@{job.size} {job.optimizer}: "
            f"{_setting(job.program is not None, report.lr, report.wd)} chosen of "
            f"{len(outcome.sweep)} tried; test loss {report.mean:.4f} in {outcome.seconds:.1f} s"
        )

    return on_result


def _setting(program: bool, lr: float, wd: float | None) -> str:
    if program:
        return f"lr x{lr:g}" + (f", wd +{wd:g}" if wd else "")
    return f"lr {lr:g}, wd {wd:g}"


def _log_task(task: TaskResult, extend: int, log: Log) -> None:
    parts = [f"{e.optimizer} {e.report.mean:.4f}" for e in task.entries]
    log(f"{task.label} test loss: " + ", ".join(parts))
    for entry in task.entries:
        lrs = [point.lr for point in entry.sweep if point.wd == entry.best.wd]
        note = edge_note(entry.optimizer, lrs, entry.best.lr, extend)
        if note:
            log(note)
