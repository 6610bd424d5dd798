"""Compiled training runs that score one held-out split: a baseline's, and any program's.

Both answer ``score(lr, wd, seed, split) -> Score``: train the task at ``seed`` (its initial
weights and batch order) and measure the trained parameters on ``split`` (``"validation"`` or
``"test"``). For a baseline ``lr`` is its peak learning rate and ``wd`` its weight decay; for a
program ``lr`` is a factor on the program's own ``lr`` input (``lr = lr * f`` prepended) and
``wd`` is None (a program's weight decay is its own constants).

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
from symopt.execution.evaluator import Evaluator
from symopt.execution.lr_factors import at_factor as scale_lr

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
    """Programs on ``task`` through compiled-once evaluators, built per (seed, split, metric) and
    shared by every program."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.cache: dict[tuple[int, str, str], Evaluator] = {}

    def evaluator(self, seed: int, split: str, metric: str) -> Evaluator:
        key = (seed, split, metric)
        if key not in self.cache:
            scored = dataclasses.replace(self.task.scoring(split, metric), seed=seed)
            self.cache[key] = Evaluator(scored)
        return self.cache[key]

    def score(self, program: Program, lr: float, wd: float | None, seed: int, split: str) -> Score:
        """``program`` at lr factor ``lr`` (``wd`` is ignored: None for programs); accuracy is
        measured on test only (tuning reads the validation loss alone)."""
        scaled = scale_lr(program, lr)
        loss = self.evaluator(seed, split, LOSS).evaluate([scaled])[0]
        accuracy = None
        if split == "test" and reports_accuracy(self.task):
            accuracy = self.evaluator(seed, split, ACCURACY).evaluate([scaled])[0].fitness
        return Score(-loss.fitness, accuracy, loss.status)
