"""How ablation judges a change: validation loss over fresh seeds, at the program's best learning
rate, within the seed-to-seed noise.

- **Split and metric**: the task's validation split (a search-side choice reads validation only,
  EVALUATION.md rule 1), scored by the task's loss (``neg_val_loss``: mean cross-entropy, nats per
  character, or MSE), never by accuracy, which cannot resolve small changes (rule 4).
- **Seeds**: the tuning seeds ``proxy_tasks.tuning_seeds(n)`` (1000, 1001, ...), where every
  choice after the search is made. They are disjoint from the search's seeds (0 and the elite
  re-evaluation seeds 1..k), on which the program was selected and is therefore lucky: judged
  there, every change would look worse than it is and junk would stay. They are disjoint from the
  report seeds (2000+) too, so the test figures of ``symopt benchmark`` and ``symopt funnel``
  stay free of this choice.
- **Learning rate**: a widening sweep of factors on the program's own lr first (``lr = lr * f``
  prepended; 0.3, 1, 3 by default, widened while the best is at an edge, as in the benchmark),
  scored by the mean validation loss; then every change is judged at the best factor ``f*``.
  A change is thus kept when the shorter program is as good as the original *at the original's
  best lr*; the simplified program keeps the original's lr scale, and ``f*`` is reported (not
  folded in): a user reading a simplified program expects the same optimizer, not a retuned one.
- **Tolerance**: ``tol = k * SE`` with ``SE = sd(L_1..L_n) / sqrt(n)``, the standard error of the
  original's mean validation loss over the ``n`` seeds at ``f*`` (sample standard deviation) and
  ``k`` the noise factor (default 1): a change is kept when it trains on every seed (no NaN, no
  divergence) and its mean loss over the same seeds is at most ``mean + tol``. The ceiling is the
  original's, so the losses that kept changes add up stay within ``tol`` too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from proxy_tasks import Task
from symopt.benchmark.trainers import scale_lr
from symopt.dsl.program import Program
from symopt.sweep import best_index, edge_note, widening_sweep

DEFAULT_SEEDS = 2
DEFAULT_NOISE_FACTOR = 1.0
DEFAULT_LR_FACTORS: tuple[float, ...] = (0.3, 1.0, 3.0)
DEFAULT_WIDEN = 8
SPLIT, METRIC = "validation", "neg_val_loss"


class ProgramEvaluator(Protocol):
    """What the judge needs of :class:`symopt.execution.evaluator.Evaluator` (tests pass fakes)."""

    task: Task

    def evaluate(self, programs: Sequence[Program], hurdle=None, seed: int | None = None): ...


def judged_task(task: Task) -> Task:
    """``task`` as ablation scores it: validation split, loss metric."""
    return task.scoring(SPLIT, METRIC)


@dataclass(frozen=True)
class Scored:
    """One program at one lr factor on each seed: validation losses (a failed run counts as the
    task's worst loss) and run statuses; seeds after a failure may be skipped."""

    factor: float
    losses: tuple[float, ...]
    statuses: tuple[str, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.losses))

    @property
    def ok(self) -> bool:
        return all(status == "ok" for status in self.statuses)

    @property
    def standard_error(self) -> float:
        """Sample standard deviation of the losses over sqrt(seeds)."""
        return float(np.std(self.losses, ddof=1) / math.sqrt(len(self.losses)))


class Judge:
    """Scores programs on ``evaluator`` (one compilation for every program and seed) over
    ``seeds``, at lr factor :attr:`factor` (set by :meth:`choose_factor`)."""

    def __init__(self, evaluator: ProgramEvaluator, seeds: Sequence[int]) -> None:
        if len(seeds) < 2:
            raise ValueError("the seed noise needs at least 2 seeds")
        self.evaluator = evaluator
        self.seeds = tuple(seeds)
        self.factor = 1.0
        self.runs = 0

    def score(
        self, program: Program, factor: float | None = None, stop_early: bool = False
    ) -> Scored:
        """``program`` at lr factor ``factor`` (default :attr:`factor`) on each seed; with
        ``stop_early`` the remaining seeds are skipped once one run fails (it is rejected)."""
        factor = self.factor if factor is None else factor
        scaled = program if factor == 1.0 else scale_lr(program, factor)
        losses, statuses = [], []
        for seed in self.seeds:
            (result,) = self.evaluator.evaluate([scaled], seed=seed)
            self.runs += 1
            losses.append(-result.fitness)
            statuses.append(result.status)
            if stop_early and result.status != "ok":
                break
        return Scored(factor, tuple(losses), tuple(statuses))

    def choose_factor(
        self, program: Program, factors: Sequence[float], widen: int, log: Callable[[str], None]
    ) -> Scored:
        """Sweep lr factors (ascending) on validation, set :attr:`factor` to the best (lowest
        mean loss; the smaller factor on a tie) and return the program's score there."""
        points = widening_sweep(factors, lambda f: self.score(program, f), lambda s: -s.mean, widen)
        best = points[best_index(points, lambda point: -point[1].mean)][1]
        self.factor = best.factor
        shown = ", ".join(f"x{f:g} {s.mean:.4f}" for f, s in points)
        log(f"lr factor sweep on {self.describe()}: {shown}; best x{best.factor:g}")
        note = edge_note("the program", [f for f, _ in points], best.factor, widen)
        if note:
            log(note.strip())
        return best

    def describe(self) -> str:
        task = self.evaluator.task
        seeds = ", ".join(map(str, self.seeds))
        return f"{task.name}@{task.size}, {task.split} loss, mean over seeds {seeds}"
