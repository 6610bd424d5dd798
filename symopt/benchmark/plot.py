"""The benchmark as a figure: one panel per task, test loss mean ± std over the report seeds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from symopt.benchmark.result import BenchmarkResult

PROGRAM_COLOR = "tab:blue"
BASELINE_COLOR = "0.55"


def plot(result: BenchmarkResult, path: str | Path) -> Path:
    """Write a PNG to ``path``: per task, a point per optimizer (test loss mean ± std at its
    chosen setting; lower is better).

    Programs are blue, baselines grey; each point is labelled with its chosen lr, and each
    panel's y-range is fitted to its points.
    """
    # imported here: symopt.report imports the funnel, which imports this package's baselines
    from symopt.report.style import new_figure, save

    count = len(result.tasks)
    cols = min(count, 3)
    rows = math.ceil(count / cols)
    fig, axes = new_figure(rows, cols, width=4.2 * cols, height=3.6 * rows)
    axes = np.atleast_1d(axes).ravel()
    for ax, task in zip(axes, result.tasks, strict=False):
        names = [entry.optimizer for entry in task.entries]
        means = np.array([entry.report.mean for entry in task.entries])
        stds = np.array([entry.report.std for entry in task.entries])
        colors = [PROGRAM_COLOR if e.kind == "program" else BASELINE_COLOR for e in task.entries]
        x = np.arange(len(names))
        for xi, mean, std, color in zip(x, means, stds, colors, strict=True):
            ax.errorbar(xi, mean, yerr=std, fmt="o", color=color, capsize=4, markersize=6)
        for xi, entry in zip(x, task.entries, strict=True):
            lr = f"x{entry.report.lr:g}" if entry.kind == "program" else f"{entry.report.lr:g}"
            if entry.kind == "program" and entry.report.wd:
                lr += f" +wd {entry.report.wd:g}"
            ax.annotate(lr, (xi, entry.report.mean), ha="left", va="center", fontsize=7,
                        xytext=(6, 0), textcoords="offset points")  # fmt: skip
        ax.set_xlim(-0.5, len(names) - 0.2)
        ax.grid(axis="y", alpha=0.3)
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
        ax.set_title(task.label, fontsize=10)
        ax.set_ylabel(f"test loss ({task.unit})")
        low, high = float((means - stds).min()), float((means + stds).max())
        span = high - low or max(abs(high) * 0.01, 1e-3)
        ax.set_ylim(low - 0.3 * span, high + 0.3 * span)
    for ax in axes[count:]:
        ax.set_visible(False)
    seeds = len(result.report_seeds)
    fig.suptitle(f"test loss at the chosen setting, mean ± std over {seeds} seed(s)", fontsize=11)
    return save(fig, Path(path))
