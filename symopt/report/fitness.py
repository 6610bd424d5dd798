"""Figure 1: the best fitness so far and the rolling median of recent results, with restarts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from symopt.report.data import RunData, finite
from symopt.report.style import (
    focus_ylim,
    judged_axis,
    mark_restarts,
    message,
    new_figure,
    rolling_window,
    sample_points,
    save,
)
from symopt.stats import NOT_TRAINED

DOTS = {
    "ok": ("0.55", "completed run"),
    "hurdle": ("tab:orange", "stopped at the hurdle (partial)"),
}


def fitness_figure(data: RunData, path: Path) -> Path:
    """Best fitness so far (over completed runs, status ``ok``) and the rolling median of the
    last ``W`` results against candidates judged.

    The median is over trained results only (failures included, at the task's worst fitness):
    a cache hit repeats a stored fitness, mostly a good one that the evolution keeps proposing
    again, so counting hits would pull the median up to the best line. The y-range is fitted to
    the completed runs and the median (the lowest 2% of each trimmed): failures at the worst
    fitness and the partial scores of hurdle stops would flatten the curves; the figure says
    how many results lie below.
    """
    fig, ax = new_figure()
    ax.set_title("Search fitness: best so far and median of recent results")
    judged_axis(ax, data.judged)
    ax.set_ylabel(f"fitness ({data.metric})")
    c = data.columns
    if not finite(c.fitness).size:
        message(ax, "no candidate has a finite fitness yet")
        return save(fig, path)
    worst = data.worst if math.isfinite(data.worst) else float(finite(c.fitness).min())
    values = np.where(np.isfinite(c.fitness), c.fitness, worst)
    for status, (color, label) in DOTS.items():
        idx = np.flatnonzero(c.status == status)
        idx = idx[sample_points(len(idx), 4000)]
        if len(idx):
            ax.scatter(
                c.seq[idx],
                values[idx],
                s=7 if data.judged > 100 else 40,
                color=color,
                alpha=0.45,
                linewidths=0,
                label=label,
                zorder=1,
            )
    x, medians, window = trained_median(c.seq, c.status, values, data.population)
    ax.plot(
        x,
        medians,
        color="tab:blue",
        linewidth=1.3,
        label=f"median of the last {window} trained results (cache hits left out)",
        zorder=3,
    )
    _best_line(ax, c.seq, np.where(c.status == "ok", values, -np.inf))
    mark_restarts(ax, [e.seq for e in data.restarts])
    focus_ylim(ax, np.concatenate([_trimmed(values[c.status == "ok"]), _trimmed(medians)]))
    _note_below(ax, values[~np.isin(c.status, NOT_TRAINED)], worst)
    if data.judged < 2:
        ax.text(
            0.5,
            0.9,
            "only the seed has been judged: no curve yet",
            ha="center",
            color="0.35",
            transform=ax.transAxes,
        )
    fig.legend(loc="outside lower center", ncols=3, fontsize=8.5, frameon=False)
    ax.grid(alpha=0.3)
    return save(fig, path)


def trained_median(
    seq: np.ndarray, status: np.ndarray, values: np.ndarray, population: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(x, median, window)``: the rolling median of the last ``window`` trained results (not
    ``NOT_TRAINED``: cache hits, probe rejections), at the ``seq`` of each."""
    trained = np.flatnonzero(~np.isin(status, NOT_TRAINED))
    window = rolling_window(len(trained), population)
    points = sample_points(len(trained))
    got = values[trained]
    medians = np.array([np.median(got[max(0, i - window + 1) : i + 1]) for i in points])
    return seq[trained[points]], medians, window


def _trimmed(values) -> np.ndarray:
    values = np.asarray(values)
    return values[values >= np.quantile(values, 0.02)] if values.size else values


def _best_line(ax, seq: np.ndarray, ok_values: np.ndarray) -> None:
    if not np.isfinite(ok_values).any():
        return
    best = np.maximum.accumulate(ok_values)
    start = int(np.argmax(np.isfinite(best)))
    ax.step(
        seq[start:],
        best[start:],
        where="post",
        color="tab:green",
        linewidth=3.5,
        alpha=0.55,
        label="best so far (completed runs)",
        zorder=2,
    )


def _note_below(ax, values: np.ndarray, worst: float) -> None:
    below = int((values < ax.get_ylim()[0]).sum())
    if below:
        ax.text(
            0.01,
            0.02,
            f"{below} of {len(values)} trained results lie below the y-range, "
            f"failed runs included (they score {worst:g})",
            transform=ax.transAxes,
            fontsize=8,
            color="0.35",
        )
