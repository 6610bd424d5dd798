"""What a benchmark runs: the default task suite, the optax baselines and their lr sweeps.

The default suite is every task family at sizes 1 and 10 (vision, tabular, language). Each sweep
starts from the values here and widens while its best is at an edge (:mod:`symopt.sweep`). Cost
is dominated by shakespeare_lm@10 (~1.6 s per run); README "Benchmark" has measured totals. A
further program adds one sweep per task and no compilation (every worker compiles each task once
per seed for programs and once per seed and baseline).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import optax

import proxy_tasks
from proxy_tasks import Task, TaskError
from symopt.errors import SymoptError
from symopt.sweep import ADAMW_LRS, LION_LRS, SGD_MOMENTUM_LRS

DEFAULT_SUITE: tuple[tuple[str, int], ...] = (
    ("digits_mlp", 1),
    ("digits_mlp", 10),
    ("cancer_mlp", 1),
    ("cancer_mlp", 10),
    ("shakespeare_lm", 1),
    ("shakespeare_lm", 10),
)
"""Each proxy task family (vision, tabular, language) at sizes 1 and 10."""

DEFAULT_LR_FACTORS: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
"""Multipliers of a program's own ``lr`` input: ``lr = lr * f`` runs before its first statement."""

WEIGHT_DECAY = 0.01
REFERENCE = "AdamW"
"""The baseline every other optimizer is judged against."""


@dataclass(frozen=True)
class Baseline:
    """An optax optimizer built from a peak learning rate (the task's schedule scales it)."""

    name: str
    lrs: tuple[float, ...]
    make: Callable[[Callable], optax.GradientTransformation]


BASELINES: tuple[Baseline, ...] = (
    Baseline("AdamW", ADAMW_LRS, lambda lr: optax.adamw(lr, weight_decay=WEIGHT_DECAY)),
    # Lion takes the same decoupled weight decay 0.01 as AdamW; with lrs 10x smaller its
    # effective decay (lr * wd) is 10x weaker. The Lion paper raises wd 3-10x to compensate.
    Baseline("Lion", LION_LRS, lambda lr: optax.lion(lr, weight_decay=WEIGHT_DECAY)),
    Baseline("SGD-momentum", SGD_MOMENTUM_LRS, lambda lr: optax.sgd(lr, momentum=0.9)),
)
"""The baselines: AdamW (wd 0.01), Lion (wd 0.01, lrs 10x smaller), SGD with momentum 0.9."""


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
            resolved.append(proxy_tasks.get_task(name, size))
        except TaskError as err:
            raise SymoptError(str(err)) from None
    labels = [task_label(task) for task in resolved]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            raise SymoptError(f"The benchmark lists task {label} twice.")
    return resolved


def task_label(task: Task) -> str:
    """``name@size``, e.g. ``cancer_mlp@1``."""
    return f"{task.name}@{task.size}"


def check_sweep(name: str, values: Sequence[float], allow_zero: bool = False) -> tuple[float, ...]:
    """``values`` sorted ascending; :class:`SymoptError` if empty, repeated or not positive."""
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
