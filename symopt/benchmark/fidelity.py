"""Proxy fidelity: does a cheap task rank optimizers the way larger and held-out tasks do?

A zoo of known optimizers written as programs (``search_spaces/zoo``: SGD, momentum, Nesterov,
Adam, AdamW, AdamW with clipping, RMSProp, AdaBelief, signSGD, Signum, Lion), plus optax's AdamW
and Lion tuned over learning rate *and* weight decay, is tuned and reported on every task with
the benchmark's protocol (:func:`symopt.benchmark.protocol.tune_and_report`: lr chosen on
validation over the tuning seeds, test loss over the report seeds). Each task's ranking of the
optimizers (by mean test loss) is then compared with each target task's ranking by Spearman's
rho and Kendall's tau, and with the targets' mean rank.

A task may be a *variant* of a registered one (:class:`TaskVariant`: the same model and data with,
say, a larger batch), so that the study can ask which batch size or length makes a faithful
proxy, e.g. one where tuned Lion beats tuned AdamW as it does at scale (Chen et al. 2023 report
Lion's advantage growing with batch size).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

import proxy_tasks
from proxy_tasks import Task, TaskError
from symopt.backends.pool import map_jobs
from symopt.benchmark.baselines import baseline
from symopt.benchmark.protocol import tune_and_report
from symopt.benchmark.result import Report, SweepPoint
from symopt.benchmark.run import CompiledTask
from symopt.benchmark.suite import DEFAULT_LR_FACTORS, get_task
from symopt.dsl import read_program
from symopt.dsl.text import parse, to_text
from symopt.errors import SymoptError

ZOO_DIR = Path(__file__).resolve().parents[2] / "search_spaces" / "zoo"
TUNED_BASELINES = ("AdamW", "Lion")
"""optax optimizers tuned over lr and weight decay alongside the zoo."""
OVERRIDABLE = ("batch_size", "num_steps")

Log = Callable[[str], None]


@dataclass(frozen=True)
class TaskVariant:
    """A registered (or held-out) task at ``size``, with some fields replaced.

    ``overrides``: ``(field, value)`` pairs from :data:`OVERRIDABLE`; a new ``num_steps`` keeps
    the warm-up at 10% of the steps."""

    name: str
    size: int = 1
    overrides: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        extra = "".join(f",{_SHORT[k]}{v}" for k, v in self.overrides)
        return f"{self.name}@{self.size}{extra}"

    def build(self) -> Task:
        try:
            task = get_task(self.name, self.size)
        except TaskError as err:
            raise SymoptError(str(err)) from None
        changes = dict(self.overrides)
        unknown = set(changes) - set(OVERRIDABLE)
        if unknown:
            raise SymoptError(f"Task variant {self.label}: cannot override {sorted(unknown)[0]}.")
        if "num_steps" in changes:
            changes["warmup_steps"] = changes["num_steps"] // 10
        return dataclasses.replace(task, **changes) if changes else task


_SHORT = {"batch_size": "b", "num_steps": "s"}


def parse_variant(text: str) -> TaskVariant:
    """``name@size[,bN][,sN]``: ``shakespeare_lm@1,b32`` is batch 32, ``digits_mlp@1,s600``
    600 steps."""
    head, *extras = text.split(",")
    name, _, size = head.partition("@")
    by_letter = {letter: name for name, letter in _SHORT.items()}
    try:
        overrides = tuple((by_letter[extra[:1]], int(extra[1:])) for extra in extras)
        variant = TaskVariant(name, int(size or 1), overrides)
    except (KeyError, ValueError):
        raise SymoptError(
            f"Task {text!r}: use name@size with optional ,bBATCH or ,sSTEPS."
        ) from None
    if any(value < 1 for _, value in variant.overrides):
        raise SymoptError(f"Task {text!r}: a batch size or step count must be >= 1.")
    return variant


def load_zoo(directory: Path = ZOO_DIR) -> dict[str, str]:
    """Program text of every ``*.txt`` in ``directory``, by file stem, sorted."""
    return {path.stem: to_text(read_program(path)) for path in sorted(directory.glob("*.txt"))}


@dataclass(frozen=True)
class FidelityJob:
    variant: TaskVariant
    optimizer: str
    program: str | None  # None: the tuned optax baseline named ``optimizer``
    tuning_seeds: tuple[int, ...]
    report_seeds: tuple[int, ...]
    extend: int


class FidelityWorker:
    """Runs :class:`FidelityJob` records, keeping the compiled runs of the last task seen (the
    benchmark's per-task trainers)."""

    def __init__(self) -> None:
        self.key: TaskVariant | None = None
        self.compiled: CompiledTask | None = None

    def run(self, job: FidelityJob) -> tuple[list[SweepPoint], Report, float]:
        start = time.perf_counter()
        if job.variant != self.key:
            self.key, self.compiled = job.variant, CompiledTask(job.variant.build())
        if job.program is None:
            chosen = baseline(job.optimizer)
            score, lrs, wds = (
                self.compiled.baseline(job.optimizer).score,
                chosen.lrs,
                chosen.weight_decays,
            )
        else:
            score = functools.partial(self.compiled.programs.score, parse(job.program))
            lrs, wds = DEFAULT_LR_FACTORS, (None,)
        sweep, report = tune_and_report(score, lrs, wds, job.tuning_seeds, job.report_seeds,
                                        job.extend)  # fmt: skip
        return sweep, report, time.perf_counter() - start


@dataclass
class FidelityResult:
    """Mean test loss per task label and optimizer, and the settings chosen."""

    optimizers: list[str]
    losses: dict[str, dict[str, float]] = field(default_factory=dict)
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    per_seed: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    seconds: float = 0.0


def run_fidelity(
    variants: Sequence[TaskVariant],
    zoo: dict[str, str],
    seeds: int = 2,
    extend: int = 2,
    backend: str = "local",
    workers: int | str = "auto",
    log: Log = lambda line: None,
) -> FidelityResult:
    """Tune and report every zoo program and tuned baseline on every task variant."""
    for variant in variants:
        variant.build()  # bad names, sizes or overrides fail before anything trains
    tuning = tuple(proxy_tasks.tuning_seeds(seeds))
    reporting = tuple(proxy_tasks.report_seeds(seeds))
    entries = [*((name, text) for name, text in zoo.items()),
               *((name, None) for name in TUNED_BASELINES)]  # fmt: skip
    clash = set(zoo) & set(TUNED_BASELINES)
    if clash:
        raise SymoptError(f"Zoo program {sorted(clash)[0]!r} shares a baseline's name.")
    jobs = [FidelityJob(v, name, text, tuning, reporting, extend)
            for v in variants for name, text in entries]  # fmt: skip
    result = FidelityResult([name for name, _ in entries])
    start = time.perf_counter()

    def on_result(index: int, outcome) -> None:
        job, (_, report, seconds) = jobs[index], outcome
        setting = f"lr x{report.lr:g}" if job.program else f"lr {report.lr:g}, wd {report.wd:g}"
        log(f"[{index + 1}/{len(jobs)}] {job.variant.label} {job.optimizer}: {setting}, "
            f"test loss {report.mean:.4f} ({seconds:.1f} s)")  # fmt: skip

    outcomes = map_jobs(FidelityWorker, jobs, backend, workers, None, on_result)
    for job, (_, report, _) in zip(jobs, outcomes, strict=True):
        label = job.variant.label
        result.losses.setdefault(label, {})[job.optimizer] = report.mean
        result.per_seed.setdefault(label, {})[job.optimizer] = list(report.loss)
        setting = f"x{report.lr:g}" if job.program else f"{report.lr:g}/{report.wd:g}"
        result.settings.setdefault(label, {})[job.optimizer] = setting
    result.seconds = time.perf_counter() - start
    return result


def ranks(losses: dict[str, float], optimizers: Sequence[str]) -> np.ndarray:
    """Rank 1 = lowest loss; ties share the mean rank; a non-finite loss ranks last."""
    values = np.array([losses[name] for name in optimizers], dtype=float)
    values = np.where(np.isfinite(values), values, np.inf)
    return stats.rankdata(values, method="average")


@dataclass(frozen=True)
class Agreement:
    """How well ``proxy`` ranks the optimizers like each target and like the targets' mean."""

    proxy: str
    rho: dict[str, float]  # target label -> Spearman rho
    tau: dict[str, float]  # target label -> Kendall tau
    rho_mean_rank: float  # Spearman rho against the targets' mean rank

    @property
    def mean_rho(self) -> float:
        return float(np.mean(list(self.rho.values())))


def agreement(result: FidelityResult, proxy: str, targets: Sequence[str]) -> Agreement:
    """Rank correlations of ``proxy``'s ranking with each target's and with their mean rank."""
    names = result.optimizers
    mine = ranks(result.losses[proxy], names)
    theirs = {t: ranks(result.losses[t], names) for t in targets if t != proxy}
    if not theirs:
        raise SymoptError(f"Fidelity: no target other than {proxy} to compare with.")
    rho = {t: _corr(stats.spearmanr, mine, r) for t, r in theirs.items()}
    tau = {t: _corr(stats.kendalltau, mine, r) for t, r in theirs.items()}
    mean_rank = np.mean(list(theirs.values()), axis=0)
    return Agreement(proxy, rho, tau, _corr(stats.spearmanr, mine, mean_rank))


def _corr(fn, a: np.ndarray, b: np.ndarray) -> float:
    value = fn(a, b)[0]
    return float(value) if math.isfinite(value) else 0.0
