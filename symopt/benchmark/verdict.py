"""The verdict rule: a paired t-test per task, Holm–Bonferroni across the tasks.

For an optimizer X and a task, every optimizer ran on the same report seeds (same initial
weights, same batch order), so the comparison is paired: ``d_i = loss_AdamW,i - loss_X,i`` is the
test-loss gain of X on report seed ``i`` (positive: X is better). The two-sided paired t-test of
``mean(d) = 0`` over the ``n`` seeds gives ``p = 2 * (1 - F_t(|mean(d)| / (std(d) / sqrt(n)),
n - 1))`` (``p = 0`` when every ``d_i`` is the same non-zero value, ``1`` when all are 0, and no
test, so ``1``, with fewer than 2 seeds).

One optimizer is compared on ``m`` tasks at once, so its ``m`` p-values are adjusted by Holm's
step-down method, which bounds the chance of any false win or loss among the ``m`` by
``alpha = 0.05`` whatever the dependence between tasks: sorted ascending, the ``j``-th
(1-based) gets ``max over k <= j of min(1, (m - k + 1) * p_(k))``. X **wins** a task when its
adjusted p is at most alpha and ``mean(d) > 0``, **loses** when at most alpha and
``mean(d) < 0``, and **ties** otherwise. Why this rule: a sign test across tasks needs at least
6 tasks to ever reach 5% and discards the seeds; a per-task t-test uses them, and Holm is
uniformly more powerful than Bonferroni at the same guarantee.

Why the numbers are free of selection bias: every setting is chosen on the validation split over
the tuning seeds; the reported test losses come from fresh runs on other seeds (the report
seeds), scored on a split no choice read, and both seed ranges are disjoint from the search's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from symopt.benchmark.baselines import REFERENCE

if TYPE_CHECKING:
    from symopt.benchmark.result import BenchmarkResult

ALPHA = 0.05
VERDICT_RULE = (
    "d = AdamW's test loss - the optimizer's, paired by report seed; two-sided paired t-test per "
    "task, p-values Holm-adjusted across the tasks of each optimizer; win (loss) when adjusted "
    f"p <= {ALPHA} and mean(d) > 0 (< 0), else tie"
)
SEEDS_NOTE = (
    "lr and weight decay chosen by mean validation loss over tuning seeds {tuning}; test "
    "metrics are fresh runs at that choice on report seeds {report} (the search used seed 0 and "
    "validation only), so nothing that chose a setting saw the numbers reported"
)


def paired_p_value(differences: list[float]) -> float:
    """Two-sided p-value of the paired t-test ``mean(differences) = 0`` (see the module)."""
    d = np.asarray(differences, dtype=float)
    if len(d) < 2:
        return 1.0
    mean, std = float(d.mean()), float(d.std(ddof=1))
    if std == 0.0:
        return 1.0 if mean == 0.0 else 0.0
    from scipy.stats import t as student

    statistic = abs(mean) / (std / math.sqrt(len(d)))
    return float(2.0 * student.sf(statistic, len(d) - 1))


def holm(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def judge(result: BenchmarkResult) -> None:
    """Set ``verdict`` and ``p_value`` of every non-reference entry of ``result`` in place."""
    for name in result.optimizers:
        if name == REFERENCE:
            continue
        gains = []
        for task in result.tasks:
            reference, entry = task.entry(REFERENCE).report, task.entry(name).report
            gains.append(np.subtract(reference.loss, entry.loss).tolist())
        adjusted = holm([paired_p_value(d) for d in gains])
        for task, d, p in zip(result.tasks, gains, adjusted, strict=True):
            entry = task.entry(name)
            entry.p_value = p
            mean = float(np.mean(d))
            entry.verdict = "tie" if p > ALPHA or mean == 0 else "win" if mean > 0 else "loss"


def verdicts_from_dict(data: dict) -> dict[str, dict[str, str]]:
    """Recompute every verdict from a benchmark's ``--json`` output (its per-seed test losses):
    ``{optimizer: {"task@size": verdict}}``, ignoring the verdicts stored in ``data``."""
    from symopt.benchmark.result import BenchmarkResult

    result = BenchmarkResult.from_dict(data)
    judge(result)
    return {
        name: {task.label: task.entry(name).verdict for task in result.tasks}
        for name in result.optimizers
        if name != REFERENCE
    }
