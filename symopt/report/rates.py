"""Figure 3: how candidates fare over time, as rolling shares in percent."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symopt.report.data import RunData
from symopt.report.style import judged_axis, mark_restarts, message, new_figure, sample_points, save

# status -> (line label, colour); each share is of the candidates judged in the window.
SHARES = {
    "cached": ("cache hits", "tab:blue"),
    "rejected": ("rejected on the probes", "tab:brown"),
    "hurdle": ("stopped at the hurdle", "tab:orange"),
    "diverged": ("diverged", "tab:red"),
    "nonfinite": ("non-finite (NaN/inf)", "tab:purple"),
}


def rates_figure(data: RunData, path: Path) -> Path:
    """Rolling shares over the last ``W`` candidates judged: cache hits, rejected on the probe
    inputs, hurdle stops, diverged and non-finite runs (each of the candidates judged), and
    invalid mutants (of the mutation attempts: a child that failed the checks and was retried)."""
    fig, ax = new_figure()
    ax.set_title("Cache hits, invalid mutants and failures over time (rolling windows)")
    judged_axis(ax, data.judged)
    ax.set_ylabel("share (%)")
    c = data.columns
    if data.judged < 2:
        message(ax, f"{data.judged} candidate judged: too few for rates over time")
        return save(fig, path)
    window = _window(data.judged, data.population)
    points = sample_points(data.judged)
    x = c.seq[points]
    for status, (label, color) in SHARES.items():
        hit = c.status == status
        ax.plot(
            x,
            100 * _rolling(hit, window)[points],
            color=color,
            linewidth=1.4,
            label=f"{label} ({hit.mean():.0%} overall)",
        )
    tries = _rolling(c.tries, window)
    mutants = _rolling(c.tries > 0, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        invalid = np.where(tries > 0, (tries - mutants) / tries, np.nan)[points]
    ax.plot(
        x,
        100 * invalid,
        color="0.3",
        linestyle="-.",
        linewidth=1.4,
        label=f"invalid mutants, of tries ({data.stats.invalid_rate:.0%} overall)",
    )
    mark_restarts(ax, [e.seq for e in data.restarts])
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.text(
        0.01,
        0.98,
        f"each point: the last {window} candidates judged",
        fontsize=8,
        color="0.35",
        va="top",
        transform=ax.transAxes,
    )
    fig.legend(loc="outside lower center", ncols=3, fontsize=8.5, frameon=False)
    return save(fig, path)


def _window(n: int, population: int) -> int:
    """Enough candidates for a share to mean something (several populations), a twentieth of
    a long run."""
    return max(1, min(n, max(4 * population, n // 20)))


def _rolling(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of ``values`` over the last ``window`` entries (fewer at the start), for each entry."""
    total = np.cumsum(np.asarray(values, dtype=np.float64))
    lagged = np.concatenate([np.zeros(window), total[:-window]])
    counts = np.minimum(np.arange(1, len(total) + 1), window)
    return (total - lagged[: len(total)]) / counts
