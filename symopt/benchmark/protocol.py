"""Choose on validation, report on test: the protocol the benchmark and the funnel share.

1. **Tune**: for each weight decay (for a program: a decay rate added to it, or ``None``), a
   widening lr sweep (:func:`symopt.sweep.widening_sweep`) in which every lr is trained on every
   tuning seed and scored by its mean validation loss.
2. **Choose** the setting with the lowest mean validation loss (:func:`.result.best_point`).
3. **Report**: train the chosen setting afresh on each report seed and measure it on test.

No step reads test before step 3, and step 3 chooses nothing (EVALUATION.md rules 1–3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from symopt.benchmark.result import Report, SweepPoint, best_point
from symopt.benchmark.trainers import Score
from symopt.sweep import widening_sweep

ScoreFn = Callable[[float, float | None, int, str], Score]


def tune(
    score: ScoreFn,
    lrs: Sequence[float],
    weight_decays: Sequence[float | None],
    seeds: Sequence[int],
    extend: int,
) -> list[SweepPoint]:
    """Every setting tried, by weight decay then ascending lr (see the module)."""
    points: list[SweepPoint] = []
    for wd in weight_decays:

        def train(lr: float, wd: float | None = wd) -> list[Score]:
            return [score(lr, wd, seed, "validation") for seed in seeds]

        swept = widening_sweep(lrs, train, lambda runs: -sum(r.loss for r in runs), extend)
        points += [SweepPoint(lr, wd, [r.loss for r in runs], [r.status for r in runs])
                   for lr, runs in swept]  # fmt: skip
    return points


def report(score: ScoreFn, chosen: SweepPoint, seeds: Sequence[int]) -> Report:
    """The ``chosen`` setting on each of ``seeds``, measured on test."""
    runs = [score(chosen.lr, chosen.wd, seed, "test") for seed in seeds]
    accuracy = [r.accuracy for r in runs] if runs and runs[0].accuracy is not None else None
    return Report(chosen.lr, chosen.wd, list(seeds), [r.loss for r in runs], accuracy,
                  [r.status for r in runs])  # fmt: skip


def tune_and_report(
    score: ScoreFn,
    lrs: Sequence[float],
    weight_decays: Sequence[float | None],
    tuning_seeds: Sequence[int],
    report_seeds: Sequence[int],
    extend: int,
) -> tuple[list[SweepPoint], Report]:
    """:func:`tune`, choose, then :func:`report`."""
    sweep = tune(score, lrs, weight_decays, tuning_seeds, extend)
    return sweep, report(score, best_point(sweep), report_seeds)
