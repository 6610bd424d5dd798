"""The optax baselines, one table shared by the benchmark and the funnel (EVALUATION.md rule 8).

Each baseline is built from a task, a peak learning rate and a weight decay; the benchmark and
the funnel tune both, on validation (EVALUATION.md rule 3). Learning rates start from a 7-value
log grid that widens while its best is at an edge (:mod:`symopt.sweep`); weight decays are the
listed values, at least {0, small, large}.

| name | optax | weight decay (grid) |
|---|---|---|
| AdamW | ``adamw(lr)`` | decoupled, ``lr * wd * w``: 0, 0.01, 0.1 |
| AdamW-clip | ``chain(clip_by_global_norm(1), adamw(lr))`` | as AdamW |
| Lion | ``lion(lr)``, lrs 10x smaller than AdamW's | decoupled, 0, 0.1, 1 (10x AdamW's) |
| SGD-momentum | ``chain(add_decayed_weights(wd), sgd(lr, 0.9))`` | coupled L2: 0, 5e-4, 5e-3 |
| Adafactor | ``adafactor(lr, weight_decay_rate=wd)`` | added after the lr: 0, 1e-4, 1e-3 |
| Schedule-Free AdamW | ``contrib.schedule_free_adamw(peak, warmup)`` | decoupled: 0, 0.01, 0.1 |
| Muon | ``contrib.muon(lr)``: Muon on matrices, AdamW on the rest | 0, 0.01, 0.1 (both parts) |

Every baseline but Schedule-Free AdamW follows the task's schedule (``task.lr_schedule(peak)``);
Schedule-Free AdamW replaces the schedule by its own averaging (a constant ``peak`` after the
task's warm-up), and it is scored at its averaged point
(``optax.contrib.schedule_free_eval_params``), as its authors evaluate it. Muon's AdamW part
takes the same learning rate, as optax's default does. Lion's grids follow
the Lion paper: a learning rate 3-10x smaller and a weight decay 3-10x larger than AdamW's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import optax

from proxy_tasks import Task
from symopt.errors import SymoptError
from symopt.sweep import ADAMW_LRS, LION_LRS, SGD_MOMENTUM_LRS

Make = Callable[[Task, jax.Array, jax.Array], optax.GradientTransformation]

REFERENCE = "AdamW"
"""The baseline every other optimizer is judged against."""


def _final_params(opt_state: Any, params: Any) -> Any:
    return params


@dataclass(frozen=True)
class Baseline:
    """An optax optimizer made from ``(task, peak lr, weight decay)`` (both may be traced).

    ``eval_params(opt_state, params)`` gives the parameters to score after training (the
    trained ones, except for schedule-free methods).
    """

    name: str
    lrs: tuple[float, ...]
    weight_decays: tuple[float, ...]
    make: Make
    eval_params: Callable[[Any, Any], Any] = _final_params


def _adamw(task: Task, lr, wd) -> optax.GradientTransformation:
    return optax.adamw(task.lr_schedule(lr), weight_decay=wd)


def _adamw_clip(task: Task, lr, wd) -> optax.GradientTransformation:
    return optax.chain(optax.clip_by_global_norm(1.0), _adamw(task, lr, wd))


def _lion(task: Task, lr, wd) -> optax.GradientTransformation:
    return optax.lion(task.lr_schedule(lr), weight_decay=wd)


def _sgd_momentum(task: Task, lr, wd) -> optax.GradientTransformation:
    return optax.chain(optax.add_decayed_weights(wd), optax.sgd(task.lr_schedule(lr), 0.9))


def _adafactor(task: Task, lr, wd) -> optax.GradientTransformation:
    return optax.adafactor(task.lr_schedule(lr), weight_decay_rate=wd)


def _schedule_free_adamw(task: Task, lr, wd) -> optax.GradientTransformation:
    return optax.contrib.schedule_free_adamw(lr, warmup_steps=task.warmup_steps, weight_decay=wd)


def _muon(task: Task, lr, wd) -> optax.GradientTransformation:
    return optax.contrib.muon(task.lr_schedule(lr), weight_decay=wd, adam_weight_decay=wd)


DECOUPLED_WDS = (0.0, 0.01, 0.1)
BASELINES: tuple[Baseline, ...] = (
    Baseline("AdamW", ADAMW_LRS, DECOUPLED_WDS, _adamw),
    Baseline("AdamW-clip", ADAMW_LRS, DECOUPLED_WDS, _adamw_clip),
    Baseline("Lion", LION_LRS, (0.0, 0.1, 1.0), _lion),
    Baseline("SGD-momentum", SGD_MOMENTUM_LRS, (0.0, 5e-4, 5e-3), _sgd_momentum),
    Baseline("Adafactor", ADAMW_LRS, (0.0, 1e-4, 1e-3), _adafactor),
    Baseline(
        "Schedule-Free-AdamW",
        ADAMW_LRS,
        DECOUPLED_WDS,
        _schedule_free_adamw,
        optax.contrib.schedule_free_eval_params,
    ),  # fmt: skip
    Baseline("Muon", (3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1), DECOUPLED_WDS, _muon),
)
"""Every baseline, :data:`REFERENCE` first."""


def baseline(name: str) -> Baseline:
    """The baseline called ``name``; :class:`SymoptError` naming the known ones otherwise."""
    for entry in BASELINES:
        if entry.name == name:
            return entry
    known = ", ".join(entry.name for entry in BASELINES)
    raise SymoptError(f"Unknown baseline {name!r}; known: {known}.")
