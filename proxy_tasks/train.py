"""The training loop shared by every optimizer, and the native optax baseline built on it.

:func:`train_loop` is traceable: an evaluator calls it inside its own ``jax.jit`` with whatever
optimizer ``update`` it likes (an optax transformation, or an interpreter whose program arrives as
jit arguments, so a new program does not recompile). Each step::

    batch          = task.get_batch(train_data, step)
    loss, grads    = value_and_grad(task.loss)(params, batch)
    params, state  = update(params, grads, state, step)

Once a loss is non-finite or above ``task.divergence_loss`` the run is marked diverged; the steps
are scanned in chunks (:func:`chunk_length`) and chunks after a divergence are skipped with
``lax.cond``, so a failed program costs little. Its fitness is ``task.worst_fitness``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from proxy_tasks.base import Task

Update = Callable[[Any, Any, Any, jax.Array], tuple[Any, Any]]


class TrainOutcome(NamedTuple):
    """What a run returns (all jnp arrays).

    fitness: float32 scalar from :meth:`Task.fitness` (worst fitness if diverged).
    final_loss: training loss of the last step (NaN when the run diverged before its last chunk).
    diverged: bool scalar.
    losses: float32 ``[num_steps]`` training loss per step (NaN for skipped chunks).
    params: the trained parameters.
    """

    fitness: jax.Array
    final_loss: jax.Array
    diverged: jax.Array
    losses: jax.Array
    params: Any


def train_loop(
    task: Task, update: Update, params: Any, opt_state: Any, train_data: Any, val_data: Any
) -> TrainOutcome:
    """Train ``params`` for ``task.num_steps`` steps with ``update`` inside one ``lax.scan``.

    ``update(params, grads, opt_state, step) -> (params, opt_state)`` receives the int32 step;
    the learning rate it should use is ``task.schedule(step)`` times its own peak. Traceable:
    call it under ``jax.jit`` with ``train_data`` and ``val_data`` as arguments (closing over
    them would embed the data set in the compiled program as constants).
    """

    def live_step(carry, step):
        params, opt_state, diverged = carry
        batch = task.get_batch(train_data, step)
        loss, grads = jax.value_and_grad(task.loss)(params, batch)
        params, opt_state = update(params, grads, opt_state, step)
        return (params, opt_state, diverged | task.has_diverged(loss)), loss

    def live_chunk(carry, steps):
        return jax.lax.scan(live_step, carry, steps)

    def dead_chunk(carry, steps):
        return carry, jnp.full(steps.shape, jnp.nan, jnp.float32)

    def chunk_fn(carry, steps):
        return jax.lax.cond(carry[2], dead_chunk, live_chunk, carry, steps)

    chunk = chunk_length(task.num_steps)
    steps = jnp.arange(task.num_steps, dtype=jnp.int32).reshape(-1, chunk)
    carry = (params, opt_state, jnp.array(False))
    (params, _, diverged), losses = jax.lax.scan(chunk_fn, carry, steps)
    losses = losses.reshape(task.num_steps)
    fitness = task.fitness(params, val_data, diverged)
    return TrainOutcome(fitness, losses[-1], diverged, losses, params)


def chunk_length(num_steps: int, chunks: int = 10) -> int:
    """Steps per divergence check: the largest divisor of ``num_steps`` ≤ ``num_steps / chunks``.

    The divergence flag is tested once per chunk (a per-step ``lax.cond`` costs ~15% of a small
    run), so a diverged run wastes at most one chunk.
    """
    limit = max(1, -(-num_steps // chunks))
    return max(d for d in range(1, limit + 1) if num_steps % d == 0)


def optax_update(optimizer: optax.GradientTransformation) -> Update:
    """Adapt an optax transformation to :data:`Update` (its schedule counts steps itself)."""

    def update(params, grads, opt_state, step):
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    return update


@dataclass(frozen=True)
class Trainer:
    """A compiled training run; calling it runs it once (no recompilation) and blocks.

    ``compile_seconds`` is the time ``jit(...).lower(...).compile()`` took.
    """

    compiled: Callable[..., TrainOutcome]
    args: tuple
    compile_seconds: float

    def __call__(self) -> TrainOutcome:
        return jax.block_until_ready(self.compiled(*self.args))


def make_optax_trainer(task: Task, optimizer: optax.GradientTransformation) -> Trainer:
    """Compile the whole ``task`` run with ``optimizer`` (from ``task.init_params()``) once."""
    update = optax_update(optimizer)

    def run(params, train_data, val_data):
        return train_loop(task, update, params, optimizer.init(params), train_data, val_data)

    args = (task.init_params(), task.train_data(), task.val_data())
    start = time.perf_counter()
    compiled = jax.jit(run).lower(*args).compile()
    return Trainer(compiled, args, time.perf_counter() - start)


def train_optax(task: Task, optimizer: optax.GradientTransformation) -> dict:
    """Train ``task`` with ``optimizer`` and report Python floats.

    Returns ``{"fitness", "final_loss", "diverged", "seconds", "compile_seconds"}``, where
    ``seconds`` times the compiled run alone. Give the optimizer its scheduled learning rate,
    e.g. ``optax.adamw(task.lr_schedule(1e-3), weight_decay=0.01)``.
    """
    trainer = make_optax_trainer(task, optimizer)
    start = time.perf_counter()
    outcome = trainer()
    seconds = time.perf_counter() - start
    return {
        "fitness": float(outcome.fitness),
        "final_loss": float(outcome.final_loss),
        "diverged": bool(outcome.diverged),
        "seconds": seconds,
        "compile_seconds": trainer.compile_seconds,
    }
