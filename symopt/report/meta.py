"""Figure 2: the meta-validation curve beside the search fitness, to show meta-overfitting."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symopt.config import entry_reference, task_key
from symopt.report.data import RunData
from symopt.report.style import focus_ylim, judged_axis, mark_restarts, message, new_figure, save

TITLE = "Meta-validation: the best program so far on a larger task"


def meta_figure(data: RunData, path: Path) -> Path:
    """Two panels over the same x (candidates judged): above, the search fitness of the best
    program at each meta-validation check; below, its fitness on the meta-validation task.
    Meta-overfitting is the upper curve rising while the lower one falls."""
    if not data.meta:
        fig, ax = new_figure(height=2.4)
        ax.set_title(TITLE)
        message(
            ax,
            "this run has no meta-validation\n(config: meta_validation is not set, or "
            "no check was due yet)",
        )
        return save(fig, path)
    fig, (top, bottom) = new_figure(2, 1, height=5.6)
    fig.suptitle(TITLE)
    top.sharex(bottom)
    judged_axis(bottom, data.judged)
    seq = np.array([e.seq for e in data.meta])
    search = np.array([e.payload["search_fitness"] for e in data.meta], dtype=float)
    meta = np.array([e.payload["meta_fitness"] for e in data.meta], dtype=float)
    task = data.meta[0].payload["task"]
    search_task = ", ".join(
        task_key(entry_reference(t), t.get("size", 1)) for t in data.config["tasks"]
    )
    end = max(data.judged, int(seq[-1]))
    _curve(top, seq, search, end, "tab:green", f"best program's search fitness ({search_task})")
    _curve(bottom, seq, meta, end, "tab:purple", f"its meta-validation fitness ({task})")
    failed = [e.seq for e in data.meta if e.payload.get("meta_status", "ok") != "ok"]
    if failed:
        bottom.scatter(
            failed,
            [bottom.get_ylim()[0]] * len(failed),
            marker="x",
            color="tab:red",
            label="meta run failed",
            zorder=4,
            clip_on=False,
        )
    for ax, label in ((top, "search"), (bottom, "meta-validation")):
        ax.set_ylabel(f"{label}\n({data.metric})", fontsize=9)
        mark_restarts(ax, [e.seq for e in data.restarts])
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8.5, framealpha=0.9)
    top.tick_params(labelbottom=False)
    return save(fig, path)


def _curve(ax, seq: np.ndarray, values: np.ndarray, end: int, color: str, label: str) -> None:
    ax.step(seq, values, where="post", color=color, linewidth=1.5, alpha=0.7)
    # No check after the last one: the value holds (dotted) until the end of the run.
    ax.plot([seq[-1], end], [values[-1]] * 2, ":", color=color, linewidth=1.5, alpha=0.7)
    ax.plot(seq, values, "o", color=color, markersize=5, label=label)
    focus_ylim(ax, values, pad=0.3)
