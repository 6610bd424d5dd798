"""Compiled training runs that score one held-out split: a baseline's, and any program's.

Both answer ``score(lr, wd, seed, split) -> Score``: train the task at ``seed`` (its initial
weights and batch order) and measure the trained parameters on ``split`` (``"validation"`` or
``"test"``). For a baseline ``lr`` is its peak learning rate and ``wd`` its weight decay; for a
program ``lr`` is a factor on the program's own ``lr`` input (``lr = lr * f`` prepended) and
``wd`` a decoupled weight decay added to its update (:mod:`symopt.execution.weight_decay`; 0 or
None: the program as written).

Losses are the task's own loss over the split (mean cross-entropy, nats per character for a
language model; mean squared error for a regression), capped at ``task.worst_loss`` (``2
ln(classes)`` for a classifier); a failed run (NaN, Inf, divergence) scores the cap and an
accuracy of 0 (a regression reports no accuracy). Compilations: a baseline compiles once per
(task, split shape), the seed's weights and batches being arguments; a program evaluator (the
compiled-once interpreter) once per (task, seed, split, metric), as the interpreter holds the
initial weights.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from proxy_tasks import Task, optax_update, train_loop
from proxy_tasks.train import STATUS_NAMES
from symopt.benchmark.baselines import Baseline
from symopt.dsl.program import Program
from symopt.execution.encode import EncodeError, Layout, encode
from symopt.execution.evaluator import Evaluator
from symopt.execution.lr_factors import at_factor as scale_lr
from symopt.execution.weight_decay import with_decay

LOSS, ACCURACY = "neg_val_loss", "val_accuracy"


@dataclass(frozen=True)
class Score:
    """One training run measured on one split; ``accuracy`` is None where it was not measured
    (the language model, and program runs during tuning)."""

    loss: float
    accuracy: float | None
    status: str


def reports_accuracy(task: Task) -> bool:
    """Classifiers report accuracy beside the loss; the language model reports nats/char only."""
    return task.metric_name == ACCURACY


class BaselineTrainer:
    """``baseline`` on ``task``: one compiled run taking the peak lr and weight decay as inputs."""

    def __init__(self, task: Task, baseline: Baseline) -> None:
        self.task = task
        loss_task = task.scoring(task.split, LOSS)
        accuracy_task = task.scoring(task.split, ACCURACY) if reports_accuracy(task) else None

        def run(peak, wd, params, data, held_out):
            optimizer = baseline.make(task, peak, wd)
            out = train_loop(
                task, optax_update(optimizer), params, optimizer.init(params), data, held_out
            )
            final = baseline.eval_params(out.opt_state, out.params)
            loss = -loss_task.fitness(final, held_out, out.diverged)
            accuracy = (
                jnp.nan
                if accuracy_task is None
                else accuracy_task.fitness(final, held_out, out.diverged)
            )
            return loss, accuracy, out.status

        self._run = jax.jit(run)

    def score(self, lr: float, wd: float | None, seed: int, split: str) -> Score:
        seeded = dataclasses.replace(self.task, seed=seed)
        held_out = self.task.scoring(split).val_data()
        out = self._run(jnp.float32(lr), jnp.float32(wd or 0.0), seeded.init_params(),
                        seeded.train_data(), held_out)  # fmt: skip
        loss, accuracy, status = jax.device_get(out)
        measured = float(accuracy) if reports_accuracy(self.task) else None
        return Score(float(loss), measured, STATUS_NAMES[int(status)])


class ProgramTrainer:
    """Programs on ``task`` through compiled-once evaluators, built per (seed, split, metric,
    layout) and shared by every program (the layout is the default one unless a program is too
    long for it)."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.cache: dict[tuple[int, str, str, Layout], Evaluator] = {}
        self.layouts: dict[Program, Layout] = {}

    def evaluator(
        self, seed: int, split: str, metric: str, layout: Layout | None = None
    ) -> Evaluator:
        layout = layout or Layout()
        key = (seed, split, metric, layout)
        if key not in self.cache:
            scored = dataclasses.replace(self.task.scoring(split, metric), seed=seed)
            self.cache[key] = Evaluator(scored, layout)
        return self.cache[key]

    def score(self, program: Program, lr: float, wd: float | None, seed: int, split: str) -> Score:
        """``program`` at lr factor ``lr`` with decoupled weight decay ``wd`` added (None or 0:
        none added); accuracy is measured on test only (tuning reads the validation loss
        alone)."""
        scaled = scale_lr(with_decay(program, wd or 0.0), lr)
        if program not in self.layouts:  # sized once, by its longest form: every setting shares it
            self.layouts[program] = _layout(scale_lr(with_decay(program, 1.0), 2.0))
        layout = self.layouts[program]
        loss = self.evaluator(seed, split, LOSS, layout).evaluate([scaled])[0]
        accuracy = None
        if split == "test" and reports_accuracy(self.task):
            accuracy = self.evaluator(seed, split, ACCURACY, layout).evaluate([scaled])[0].fitness
        return Score(-loss.fitness, accuracy, loss.status)


def _layout(program: Program) -> Layout:
    """The default layout, or for a program too long for it one that holds it."""
    try:
        encode(program, Layout())
    except EncodeError:
        return Layout.fitting(len(program.body), program.num_states)
    return Layout()
