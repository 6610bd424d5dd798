"""Figure 5 and the lineage diffs: how the best program came from the seed, step by step."""

from __future__ import annotations

import difflib
import math
from pathlib import Path

import numpy as np

from symopt.report.data import RunData
from symopt.report.style import focus_ylim, message, new_figure, save
from symopt.store import EvaluationRecord

ORIGINS = {"seed": "black", "insert": "tab:green", "delete": "tab:red", "modify": "tab:blue"}


def lineage_figure(data: RunData, path: Path) -> Path:
    """The fitness of each program on the chain from the seed (step 0) to the best program,
    coloured by the mutation that made it; a failed ancestor is drawn as an x at the bottom."""
    fig, ax = new_figure(height=4.2)
    ax.set_title("Lineage of the best program: fitness along the chain from the seed")
    ax.set_xlabel("mutation steps from the seed (count)")
    ax.set_ylabel(f"fitness ({data.metric})")
    chain = data.lineage
    if not chain:
        message(ax, "no completed run yet: there is no best program")
        return save(fig, path)
    fitness = np.array([r.fitness for r in chain], dtype=float)
    good = np.isfinite(fitness) & (fitness > data.worst if math.isfinite(data.worst) else True)
    steps = np.arange(len(chain))
    ax.plot(steps[good], fitness[good], color="0.6", linewidth=1, zorder=1)
    for origin, color in ORIGINS.items():
        pick = good & np.array([r.origin == origin for r in chain])
        if pick.any():
            ax.plot(steps[pick], fitness[pick], "o", color=color, label=origin, zorder=2)
    focus_ylim(ax, fitness[good], pad=0.3)
    if (~good).any():
        low = ax.get_ylim()[0]
        ax.plot(
            steps[~good],
            [low] * int((~good).sum()),
            "x",
            color="tab:red",
            clip_on=False,
            markersize=8,
            label="failed ancestor",
            zorder=3,
        )
    if len(chain) <= 25:
        ax.set_xticks(steps, [f"{n}\n#{r.id}" for n, r in enumerate(chain)], fontsize=8)
    ax.set_xlim(-0.5, len(chain) - 0.5)
    if len(chain) == 1:
        ax.text(
            0.5,
            0.9,
            "the best program is the seed: no mutant has beaten it yet",
            ha="center",
            color="0.35",
            transform=ax.transAxes,
        )
    ax.grid(alpha=0.3)
    ax.legend(title="made by", loc="lower right", fontsize=8.5, title_fontsize=8.5)
    return save(fig, path)


def lineage_diffs(chain: list[EvaluationRecord]) -> list[tuple[EvaluationRecord, str]]:
    """Each program of ``chain`` (seed first) with the unified diff of its text against its
    parent's (the seed: its whole text)."""
    out = [(chain[0], chain[0].program)] if chain else []
    for parent, child in zip(chain, chain[1:], strict=False):
        diff = difflib.unified_diff(
            parent.program.splitlines(keepends=True),
            child.program.splitlines(keepends=True),
            fromfile=f"#{parent.id}",
            tofile=f"#{child.id}",
        )
        out.append((child, "".join(diff)))
    return out
