"""Figure 4: the funnel's programs against the baselines, one panel per stage."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from symopt.funnel.result import stage_value
from symopt.report.data import RunData
from symopt.report.style import focus_ylim, message, new_figure, save

# baseline -> (label, line style, colour)
BASELINES = {
    "adamw": ("AdamW, best lr of its sweep (the bar)", "-", "black", 1.3),
    "lion": ("Lion, best lr of its sweep", "--", "tab:blue", 1.3),
    "seed": ("seed program", ":", "tab:gray", 2.5),
}


def funnel_figure(data: RunData, path: Path) -> Path:
    """Per completed stage, each program's fitness (green: went on, red: stopped) against
    horizontal lines at AdamW's and Lion's best fitness over their lr sweep and the seed's."""
    funnel = data.funnel
    if funnel is None or not funnel.stages:
        fig, ax = new_figure(height=2.4)
        ax.set_title("Funnel: the top programs on larger tasks against the baselines")
        message(ax, "no funnel yet (run: symopt funnel RUN_DIR)")
        return save(fig, path)
    stages = funnel.stages
    fig, axes = new_figure(1, len(stages), width=max(9.0, 3.6 * len(stages)), height=4.6)
    axes = axes if len(stages) > 1 else [axes]
    fig.suptitle("Funnel: the top programs on larger tasks against the baselines")
    for n, (ax, stage) in enumerate(zip(axes, stages, strict=True)):
        _stage(ax, stage, data.metric if n == 0 else None)
    legend = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    fig.legend(
        legend.values(),
        legend.keys(),
        loc="outside lower center",
        ncols=3,
        fontsize=8.5,
        frameon=False,
    )
    return save(fig, path)


def _stage(ax, stage: dict, metric: str | None) -> None:
    programs = stage["programs"]
    ax.set_title(f"stage {stage['stage'] + 1}: {stage['task']} size {stage['size']}", fontsize=10)
    ax.set_xlabel("program (record id)")
    if metric:
        tested = "test_loss" in stage["baselines"]["adamw"]
        ax.set_ylabel("test loss (lower is better)" if tested else f"fitness ({metric})")
    values = []
    for x, entry in enumerate(programs):
        fitness = stage_value(entry)
        if fitness is None or not math.isfinite(fitness):
            continue
        values.append(fitness)
        went_on = entry["advanced"]
        ax.plot(
            x,
            fitness,
            "o",
            markersize=8,
            color="tab:green" if went_on else "tab:red",
            label="program: went on" if went_on else "program: stopped",
            zorder=3,
        )
    baselines = {}
    for name, (label, style, color, width) in BASELINES.items():
        fitness = stage_value(stage["baselines"][name])
        if fitness is not None and math.isfinite(fitness):
            ax.axhline(fitness, linestyle=style, color=color, linewidth=width, label=label)
            baselines[name] = fitness
    ax.set_xticks(
        range(len(programs)),
        [f"#{e['id']}" for e in programs],
        rotation=45 if len(programs) > 6 else 0,
        fontsize=8,
    )
    ax.set_xlim(-0.7, len(programs) - 0.3)
    shown, outside = y_range_values(values, baselines)
    focus_ylim(ax, np.array(shown), pad=0.3)
    if outside:
        notes = ", ".join(f"{BASELINES[n][0].split(',')[0]} {f:.4g}" for n, f in outside.items())
        ax.text(0.02, 0.02, f"off the y-range: {notes}", transform=ax.transAxes, fontsize=8,
                color="0.35")  # fmt: skip
    ax.grid(alpha=0.3, axis="y")


def y_range_values(
    programs: list[float], baselines: dict[str, float]
) -> tuple[list[float], dict[str, float]]:
    """``(values the y-range is fitted to, baselines left off it)``. The range holds the
    programs and AdamW (the bar they must beat); another baseline joins it unless it would
    stretch the range past three times its span (a seed program that barely trains would squash
    every program and the bar into one line); those left off are named on the panel."""
    core = [*programs, *[baselines[n] for n in ("adamw",) if n in baselines]]
    if not core:
        return list(baselines.values()), {}
    low, high = min(core), max(core)
    span = high - low or max(abs(high) * 0.01, 1e-3)
    outside = {n: f for n, f in baselines.items()
               if n != "adamw" and not low - span <= f <= high + span}  # fmt: skip
    return core + [f for n, f in baselines.items() if n != "adamw" and n not in outside], outside
