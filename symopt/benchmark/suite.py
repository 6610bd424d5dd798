"""What a benchmark runs: the task suites, the programs' lr factors, input checks.

The default suite is every task family at sizes 1 and 10 (vision, tabular, language); the
``heldout`` suite is the five tasks of :mod:`proxy_tasks.heldout`, which no campaign may train
on (the test of whether a discovered optimizer generalizes). Each sweep
starts from the values here (baselines: :mod:`.baselines`) and widens while its best is at an
edge (:mod:`symopt.sweep`). Cost is dominated by shakespeare_lm@10 (~1.6 s per run); README
"Benchmark" has measured totals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import proxy_tasks
from proxy_tasks import Task, TaskError
from proxy_tasks.heldout import HELDOUT, get_heldout_task, heldout_names
from proxy_tasks.user import label as short_name
from symopt.errors import SymoptError

DEFAULT_SUITE: tuple[tuple[str, int], ...] = (
    ("digits_mlp", 1),
    ("digits_mlp", 10),
    ("cancer_mlp", 1),
    ("cancer_mlp", 10),
    ("shakespeare_lm", 1),
    ("shakespeare_lm", 10),
)
"""Each proxy task family (vision, tabular, language) at sizes 1 and 10."""

SUITES = ("default", "heldout")
"""Suite names for :func:`suite_tasks` (``symopt benchmark --suite``)."""


def suite_tasks(suite: str) -> list[tuple[str, int]]:
    """The ``(name, size)`` pairs of ``suite``: :data:`DEFAULT_SUITE`, or every held-out task
    at size 1. Raises :class:`SymoptError` for an unknown suite."""
    if suite == "default":
        return list(DEFAULT_SUITE)
    if suite == "heldout":
        return [(name, 1) for name in heldout_names()]
    raise SymoptError(f"Unknown benchmark suite {suite!r}; use one of {', '.join(SUITES)}.")


def get_task(name: str, size: int) -> Task:
    """The task ``name`` at ``size`` from the search's registry or, for a held-out name, from
    :mod:`proxy_tasks.heldout` (the benchmark may evaluate on them; a campaign may not)."""
    if name in HELDOUT:
        return get_heldout_task(name, size)
    return proxy_tasks.get_task(name, size)


DEFAULT_LR_FACTORS: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
"""Multipliers of a program's own ``lr`` input: ``lr = lr * f`` runs before its first statement.
Seven values over three decades: the same grid width as every baseline's first lrs."""


def resolve_tasks(tasks: Sequence[tuple[str, int]] | None) -> list[Task]:
    """The :class:`Task` of each ``(name, size)`` (``None``: :data:`DEFAULT_SUITE`).

    Raises :class:`SymoptError` for an unknown name or size, or a repeated task.
    """
    pairs = list(DEFAULT_SUITE if tasks is None else tasks)
    if not pairs:
        raise SymoptError("The benchmark needs at least one task.")
    resolved = []
    for name, size in pairs:
        try:
            resolved.append(get_task(name, size))
        except TaskError as err:
            raise SymoptError(str(err)) from None
    labels = [task_label(task) for task in resolved]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            raise SymoptError(f"The benchmark lists task {label} twice.")
    return resolved


def task_label(task: Task) -> str:
    """``name@size``, e.g. ``cancer_mlp@1`` (a user task's ``MODULE:NAME`` shortened by
    :func:`proxy_tasks.user.label`: ``my_task:build@1``)."""
    return f"{short_name(task.name)}@{task.size}"


def check_sweep(name: str, values: Sequence[float], allow_zero: bool = False) -> tuple[float, ...]:
    """``values`` sorted ascending; :class:`SymoptError` if empty, repeated, not finite or not
    positive (0 allowed with ``allow_zero``: a weight decay; an lr or lr factor of 0 never moves
    the weights, so it is refused)."""
    if not values:
        raise SymoptError(f"The {name} sweep is empty; give at least one value.")
    if len(set(values)) != len(values):
        raise SymoptError(f"The {name} sweep repeats a value: {', '.join(map(str, values))}.")
    if not all(math.isfinite(v) for v in values):
        raise SymoptError(f"The {name} sweep must be finite; got {', '.join(map(str, values))}.")
    low = min(values)
    if low < 0 or (low == 0 and not allow_zero):
        raise SymoptError(f"The {name} sweep must be positive; got {low:g}.")
    return tuple(sorted(float(v) for v in values))
