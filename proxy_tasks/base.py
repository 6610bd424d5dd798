"""The :class:`Task` value: model, data, step budget, schedule, metric and failure thresholds.

Everything a training loop needs is a pure, jit-traceable method, so an evaluator can compile
one loop per task and run it with no host round trips::

    params = task.init_params()
    data, val = task.train_data(), task.val_data()      # pass these as jit *arguments*
    for step in range(task.num_steps):                   # in practice: lax.scan over steps
        batch = task.get_batch(data, step)
        loss, grads = jax.value_and_grad(task.loss)(params, batch)
        params = <optimizer>(params, grads, lr=task.schedule(step))
    fitness = task.fitness(params, val, diverged)        # higher is better

Splits: a task trains on its train split and scores ``val_data()``, which is the validation
split, the only held-out split a search may read. ``task.scoring("test")`` is the same task
scoring the test split instead (what the benchmark and the funnel report); ``test_data()`` reads
the test split directly.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp

from proxy_tasks.data import SPLITS
from proxy_tasks.models import accuracy, cross_entropy, mean_squared_error

FAMILIES = ("vision", "language", "tabular", "regression", "reconstruction")
"""Task families; the search's registry uses the first three, the held-out suite all five."""
SIZES = (1, 10, 100)
LOSSES = {"cross_entropy": cross_entropy, "mse": mean_squared_error}
"""Training losses by name: ``cross_entropy`` of int labels under logits (nats), or the
``mse`` of float targets (mean over every output)."""
METRICS = ("val_accuracy", "neg_val_loss")
"""Metric names; each is measured on the split the task scores (its name says validation
because that is what a search sees; ``Task.scoring("test", ...)`` measures the same on test).
``val_accuracy`` is the fraction of arg-max predictions equal to the label (classifiers only);
``neg_val_loss`` is minus the task's own loss (:attr:`Task.loss_name`)."""


@dataclass(frozen=True)
class Task:
    """One proxy task at one size; a hashable value, built by :func:`proxy_tasks.get_task`.

    Attributes:
      name, family, size: registry key (``family`` in :data:`FAMILIES`, ``size`` in :data:`SIZES`).
      num_steps, batch_size, warmup_steps: the training budget and schedule shape.
      seed: fixes the initial parameters and the batch order.
      metric_name: ``"val_accuracy"`` (fraction correct on the validation split) or
        ``"neg_val_loss"`` (minus the mean validation loss: cross-entropy in nats per character,
        or the mean squared error of an ``mse`` task).
      worst_fitness: fitness of a failed run (NaN, Inf or divergence); every finite fitness is
        clipped to be at least this.
      divergence_loss: a training loss above this at any step marks the run as diverged. It is
        ten times :attr:`reference`: ``10 * ln(num_classes)`` for a classifier.
      model: an object with ``init(key) -> params`` and ``apply(params, x) -> logits``.
      source: an object with ``train_data``, ``held_out_data`` and ``get_batch`` (``sources``).
      split: the held-out split :meth:`val_data` returns and :meth:`fitness` therefore scores,
        ``"validation"`` (as built) or ``"test"`` (see :meth:`scoring`).
      loss_name: the training loss, a key of :data:`LOSSES` (``cross_entropy`` unless the task
        regresses float targets).
      zero_loss: for an ``mse`` task, the loss of predicting zero everywhere (the training
        targets' mean square); ``None`` for cross-entropy, where all-zero logits lose
        ``ln(num_classes)``.
    """

    name: str
    family: str
    size: int
    num_steps: int
    batch_size: int
    warmup_steps: int
    seed: int
    metric_name: str
    worst_fitness: float
    divergence_loss: float
    model: Any = field(repr=False)
    source: Any = field(repr=False)
    description: str = ""
    split: str = "validation"
    loss_name: str = "cross_entropy"
    zero_loss: float | None = None

    def init_params(self) -> dict:
        """Initial parameters: a flat dict of float32 arrays, equal on every call.

        The arrays are fresh copies of a cached set, so a caller may donate them to ``jax.jit``.
        """
        return {key: jnp.array(value) for key, value in _init_params(self.model, self.seed).items()}

    def train_data(self) -> dict:
        """Training arrays plus the ``[num_steps, batch_size]`` int32 batch table.

        Cached per process and shared between callers: pass it to ``jax.jit`` as an argument,
        never donate it.
        """
        return self.source.train_data(self.num_steps, self.batch_size, self.seed)

    def val_data(self) -> dict:
        """The held-out split this task scores (:attr:`split`: validation unless the task came
        from :meth:`scoring`), whole, as ``{"x": inputs, "y": int32 labels}`` (cached)."""
        return self.source.held_out_data(self.split)

    def test_data(self) -> dict:
        """The whole test split, same form as :meth:`val_data`; never read by a search."""
        return self.source.held_out_data("test")

    @property
    def num_classes(self) -> int:
        """Classes (characters for the language model) the model predicts."""
        return self.source.num_classes

    @property
    def reference(self) -> float:
        """The loss of the all-zero output, which a fresh model roughly starts from:
        ``ln(num_classes)`` (uniform) for cross-entropy, :attr:`zero_loss` for MSE."""
        if self.zero_loss is not None:
            return self.zero_loss
        return math.log(self.num_classes)

    @property
    def worst_loss(self) -> float:
        """``2 * reference`` (``2 ln(num_classes)`` for a classifier): the loss a failed run
        counts as, and the cap on any loss."""
        return 2.0 * self.reference

    def scoring(self, split: str, metric: str | None = None) -> Task:
        """This task with :meth:`fitness` measured on ``split`` (``"validation"`` or ``"test"``)
        by ``metric`` (one of :data:`METRICS`; default: the task's own).

        Training is unchanged. The worst fitness follows the metric: 0 for an accuracy,
        ``-worst_loss`` for a negative loss.
        """
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; use one of {SPLITS}")
        metric = metric or self.metric_name
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; use one of {METRICS}")
        if metric == "val_accuracy" and self.loss_name != "cross_entropy":
            raise ValueError(f"task {self.name!r} regresses float targets: it has no accuracy")
        if metric == self.metric_name:
            worst = self.worst_fitness
        else:
            worst = 0.0 if metric == "val_accuracy" else -self.worst_loss
        return dataclasses.replace(self, split=split, metric_name=metric, worst_fitness=worst)

    def get_batch(self, train_data: dict, step: jax.Array) -> dict:
        """Batch number ``step`` (0-based, may be a traced int32) of ``train_data``."""
        return self.source.get_batch(train_data, step)

    def loss(self, params: dict, batch: dict) -> jax.Array:
        """Mean training loss (:attr:`loss_name`) of ``params`` on ``batch``; a float32 scalar."""
        return LOSSES[self.loss_name](self.model.apply(params, batch["x"]), batch["y"])

    def evaluate(self, params: dict, val_data: dict) -> jax.Array:
        """The raw validation metric (higher is better, may be NaN); a float32 scalar."""
        outputs = self.model.apply(params, val_data["x"])
        if self.metric_name == "val_accuracy":
            return accuracy(outputs, val_data["y"])
        return -LOSSES[self.loss_name](outputs, val_data["y"])

    def has_diverged(self, loss: jax.Array) -> jax.Array:
        """True where a training loss is NaN, infinite or above :attr:`divergence_loss`."""
        return ~jnp.isfinite(loss) | (loss > self.divergence_loss)

    def fitness(
        self, params: dict, val_data: dict, diverged: jax.Array | bool = False
    ) -> jax.Array:
        """:meth:`evaluate`, mapped to :attr:`worst_fitness` for a diverged or non-finite run."""
        raw = self.evaluate(params, val_data)
        ok = jnp.isfinite(raw) & ~jnp.asarray(diverged)
        worst = jnp.float32(self.worst_fitness)
        return jnp.where(ok, jnp.maximum(raw, worst), worst)

    def schedule(self, step: jax.Array) -> jax.Array:
        """Unit-peak learning-rate multiplier at ``step`` (float32), ``W = warmup_steps``.

        Linear warm-up ``(step + 1) / W`` for ``step < W`` (from 1/W up to 1), then cosine decay
        ``0.5 * (1 + cos(pi * (step - W) / (num_steps - W)))``, which reaches 0 at ``num_steps``.
        """
        t = jnp.asarray(step, jnp.float32)
        warmup = jnp.float32(max(self.warmup_steps, 1))
        decay = jnp.float32(max(self.num_steps - self.warmup_steps, 1))
        progress = jnp.clip((t - warmup) / decay, 0.0, 1.0)
        cosine = 0.5 * (1.0 + jnp.cos(jnp.float32(math.pi) * progress))
        return jnp.where(t < warmup, (t + 1.0) / warmup, cosine).astype(jnp.float32)

    def lr_schedule(self, peak: float):
        """An optax schedule ``count -> peak * schedule(count)`` (optax counts from 0)."""
        peak32 = jnp.float32(peak)
        return lambda count: peak32 * self.schedule(count)

    def num_params(self) -> int:
        """Total number of scalar parameters."""
        shapes = jax.eval_shape(self.model.init, jax.random.key(self.seed))
        return sum(int(x.size) for x in jax.tree_util.tree_leaves(shapes))


@functools.lru_cache(maxsize=64)
def _init_params(model: Any, seed: int) -> dict:
    return model.init(jax.random.key(seed))
