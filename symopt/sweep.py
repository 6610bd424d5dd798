"""Learning-rate sweeps that widen themselves until the best value lies inside them.

A sweep trains at every value of an initial log-spaced grid. While the best value (highest
score, the smaller value on a tie) is the largest trained and strictly better than its
neighbour, it trains the next grid value above; while it is the smallest trained, the next one
below, even on a tie, because a tie there is usually every value failing (a program with no lr
scale of its own diverges at every factor near 1) and a smaller lr is the remedy. Each side gets
up to ``extend`` new values. The grid continues the usual 1, 3, 10, 30 ... spacing
(``next_value``), so a best value is not an artefact of where the grid happened to stop. The
benchmark and the funnel both sweep this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

DEFAULT_EXTEND = 8
"""New values allowed per side: 8 half-decades (four orders of magnitude)."""

# The first sweeps of the optax baselines (benchmark and funnel): three decades, 7 values each.
# Validation accuracy against lr is often not unimodal (digits_mlp@10: AdamW 0.987 at 3e-3,
# 0.984 at 3e-2, 0.991 at 0.1), so widening from a narrow grid can stop at a local peak.
ADAMW_LRS: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
LION_LRS: tuple[float, ...] = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)  # 10x smaller (paper)
SGD_MOMENTUM_LRS: tuple[float, ...] = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)


def next_value(value: float, up: bool) -> float:
    """The grid value after ``value``: 1 -> 3 -> 10 -> 30 ... going up, the reverse going down.

    Values off that grid step by a factor sqrt(10).
    """
    exponent = math.floor(math.log10(value))
    mantissa = value / 10.0**exponent
    if math.isclose(mantissa, 1.0, rel_tol=1e-6):
        new = 3.0 * 10.0**exponent if up else 3.0 * 10.0 ** (exponent - 1)
    elif math.isclose(mantissa, 3.0, rel_tol=1e-6):
        new = 10.0 ** (exponent + 1) if up else 10.0**exponent
    else:
        new = value * math.sqrt(10.0) if up else value / math.sqrt(10.0)
    return float(f"{new:.6g}")  # 3e-05, not 3.0000000000000004e-05


def widening_sweep(
    initial: Sequence[float],
    train: Callable[[float], T],
    score: Callable[[T], float],
    extend: int = DEFAULT_EXTEND,
) -> list[tuple[float, T]]:
    """``(value, train(value))`` for each value trained, ascending.

    ``initial`` must be ascending and positive, except that a first value of 0 (no step at all)
    is allowed; 0 is never an edge to widen below. A single value is trained as it is.
    """
    points = [(value, train(value)) for value in initial]
    if len(points) < 2:  # a single value is a choice, not a sweep
        return points
    above = below = 0
    while True:
        scores = [score(result) for _, result in points]
        best = best_index(scores, float)
        if best == len(points) - 1 and scores[-1] > scores[-2] and above < extend:
            value = next_value(points[-1][0], up=True)
            points.append((value, train(value)))
            above += 1
        elif best == 0 and points[0][0] > 0 and below < extend:  # a tie too: see above
            value = next_value(points[0][0], up=False)
            points.insert(0, (value, train(value)))
            below += 1
        else:
            return points


def best_index(items: Sequence[T], score: Callable[[T], float]) -> int:
    """Index of the item with the highest score (the first, i.e. smaller lr, on a tie)."""
    return max(range(len(items)), key=lambda i: score(items[i]))


def edge_note(name: str, values: Sequence[float], best: float, extend: int) -> str:
    """A warning line when ``best`` is still an end of the swept ``values`` (``""`` otherwise;
    a best of 0, which is never widened below, is no warning)."""
    edge = at_edge(values, best)
    if not edge or best == 0:
        return ""
    widened = "widening is off" if extend == 0 else f"after widening by up to {extend}"
    return f"  note: {name}'s best lr {best:g} is the {edge} swept ({widened})"


def at_edge(values: Sequence[float], best: float) -> str:
    """``smallest`` or ``largest`` when ``best`` is that end of ``values`` (ascending, at least
    two), else ``""``."""
    if len(values) < 2:
        return ""
    return "smallest" if best == values[0] else "largest" if best == values[-1] else ""
