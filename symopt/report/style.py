"""Shared figure helpers: one look for every figure, and the messages that replace empty plots.

Figures are plain :class:`matplotlib.figure.Figure` objects rendered by the Agg canvas, never
pyplot: nothing opens a window, nothing global is touched, a report can be made from any thread.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

JUDGED = "candidates judged (count, in completion order)"
RESTART_COLOR = "tab:red"
DPI = 110


def new_figure(rows: int = 1, cols: int = 1, width: float = 9.0, height: float = 4.6):
    """A figure with a ``rows`` x ``cols`` grid of axes (a single ``Axes`` for 1 x 1)."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=True)
    return fig, axes


def save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG to ``path``."""
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def judged_axis(ax: Axes, judged: int) -> None:
    """Label the x-axis as candidates judged, 0 to ``judged``, with whole-number ticks."""
    ax.set_xlabel(JUDGED)
    ax.set_xlim(0, max(judged, 1) * 1.02 + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def message(ax: Axes, text: str) -> None:
    """Replace the plot in ``ax`` by ``text``, centred, so an empty figure says why it is empty."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        wrap=True,
        fontsize=12,
        color="0.3",
        transform=ax.transAxes,
    )


def mark_restarts(ax: Axes, seqs: list[int]) -> None:
    """A dashed vertical line at each restart; one legend entry for all of them."""
    for n, seq in enumerate(seqs):
        label = f"restart ({len(seqs)})" if n == 0 else None
        ax.axvline(seq, color=RESTART_COLOR, linestyle="--", linewidth=0.9, alpha=0.6, label=label)


def focus_ylim(ax: Axes, values: np.ndarray, pad: float = 0.15) -> None:
    """Fit the y-range to ``values`` (e.g. the successful results) with a margin.

    Failed runs score the task's worst fitness (0.0 for accuracy); letting them set the range
    flattens every interesting difference into a line at the top.
    """
    values = values[np.isfinite(values)]
    if not len(values):
        return
    low, high = float(values.min()), float(values.max())
    span = high - low or max(abs(high) * 0.01, 1e-3)
    ax.set_ylim(low - pad * span, high + pad * span)


def rolling_window(n: int, population: int) -> int:
    """A window for rolling statistics over ``n`` results: at least the population, and about
    a fortieth of the run, so the curve neither jitters nor hides the trend."""
    return max(1, min(n, max(population, n // 40)))


def sample_points(n: int, limit: int = 2000) -> np.ndarray:
    """At most ``limit`` evenly spread indices into ``n`` items (the last one included)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))
