"""The training loop shared by every optimizer, and the native optax baseline built on it.

:func:`train_loop` is traceable: an evaluator calls it inside its own ``jax.jit`` with whatever
optimizer ``update`` it likes (an optax transformation, or an interpreter whose program arrives as
jit arguments, so a new program does not recompile). Each step::

    batch          = task.get_batch(train_data, step)
    loss, grads    = value_and_grad(task.loss)(params, batch)
    params, state  = update(params, grads, state, step)

Steps are scanned in chunks (:func:`chunk_length`) inside a ``lax.while_loop``: the run stops at
the end of the chunk in which its loss became NaN/Inf or exceeded ``task.divergence_loss`` (its
fitness is then ``task.worst_fitness``), or at an optional hurdle, so a failed or hopeless program
costs a fraction of a run.
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


RUNNING, OK, NONFINITE, DIVERGED, HURDLE = 0, 1, 2, 3, 4
STATUS_NAMES = {OK: "ok", NONFINITE: "nonfinite", DIVERGED: "diverged", HURDLE: "hurdle"}


class TrainOutcome(NamedTuple):
    """What a run returns (all jnp arrays).

    fitness: float32 scalar from :meth:`Task.fitness`; the worst fitness if the run failed, and
      the fitness measured at the hurdle if it stopped there.
    final_loss: training loss of the last step run.
    status: int32, one of ``OK``, ``DIVERGED`` (a loss above ``task.divergence_loss``, Inf
      included), ``NONFINITE`` (a NaN loss or non-finite weights without such a blow-up) or
      ``HURDLE`` (stopped below the hurdle); see :data:`STATUS_NAMES`.
    steps: int32, the number of steps run (a failed run stops at the end of its chunk).
    hurdle_fitness: float32, the fitness at the hurdle (NaN when there is none or the run failed
      before it), so that a search can set the bar from fitness at the same point of training.
    losses: float32 ``[num_steps]`` training loss per step (NaN for steps not run).
    params: the trained parameters.
    opt_state: the optimizer state after the last step run (e.g. for schedule-free methods,
      whose parameters to evaluate are a function of the state).
    """

    fitness: jax.Array
    final_loss: jax.Array
    status: jax.Array
    steps: jax.Array
    losses: jax.Array
    params: Any
    hurdle_fitness: jax.Array
    opt_state: Any = None

    @property
    def diverged(self) -> jax.Array:
        return (self.status == NONFINITE) | (self.status == DIVERGED)

    def summary(self) -> tuple:
        """What an evaluator returns from its compiled run (everything but the parameters):
        ``(fitness, status, steps, final_loss, losses, hurdle_fitness)``."""
        return (self.fitness, self.status, self.steps, self.final_loss, self.losses,
                self.hurdle_fitness)  # fmt: skip


def train_loop(
    task: Task,
    update: Update,
    params: Any,
    opt_state: Any,
    train_data: Any,
    val_data: Any,
    hurdle_step: jax.Array | int = -1,
    hurdle_fitness: jax.Array | float = -jnp.inf,
    unravel: Callable[[Any], Any] = lambda params: params,
    chunk: int | None = None,
) -> TrainOutcome:
    """Train ``params`` for ``task.num_steps`` steps with ``update``; traceable.

    ``update(params, grads, opt_state, step) -> (params, opt_state)`` receives the int32 step;
    the learning rate it should use is ``task.schedule(step)`` times its own peak. Steps run in
    chunks (a ``lax.scan`` each) inside a ``lax.while_loop`` that stops after the chunk in which
    the loss became NaN/Inf or diverged, or after the chunk holding ``hurdle_step`` when the
    fitness there is below ``hurdle_fitness`` (one extra validation; ``hurdle_step < 0``: none).
    ``unravel`` maps the carried ``params`` to the model's pytree (an interpreter carries one flat
    vector). ``chunk`` (static) is the number of steps between checks, a divisor of
    ``task.num_steps`` (default :func:`chunk_length`); pass ``chunk_length(num_steps, align=h)``
    so that the hurdle check falls exactly on step ``h``. Call it under ``jax.jit`` with the data
    as arguments (closing over them would embed the data set in the compiled program as
    constants).
    """
    chunk = chunk or chunk_length(task.num_steps)
    num_chunks = task.num_steps // chunk

    def loss_fn(params, batch):
        return task.loss(unravel(params), batch)

    def one_step(carry, step):
        params, opt_state, nonfinite, diverged = carry
        batch = task.get_batch(train_data, step)
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        params, opt_state = update(params, grads, opt_state, step)
        nonfinite = nonfinite | ~jnp.isfinite(loss)
        diverged = diverged | (loss > task.divergence_loss)
        return (params, opt_state, nonfinite, diverged), loss

    def one_chunk(carry):
        index, params, opt_state, _, losses, partial = carry
        steps = index * chunk + jnp.arange(chunk, dtype=jnp.int32)
        no = jnp.array(False)
        (params, opt_state, nonfinite, diverged), chunk_losses = jax.lax.scan(
            one_step, (params, opt_state, no, no), steps
        )
        losses = jax.lax.dynamic_update_slice(losses, chunk_losses, (index * chunk,))
        status = jnp.where(diverged, DIVERGED, jnp.where(nonfinite, NONFINITE, RUNNING))
        done = (index + 1) * chunk
        at_hurdle = (status == RUNNING) & (done >= hurdle_step) & (done - chunk < hurdle_step)
        partial = jax.lax.cond(
            at_hurdle, lambda: task.fitness(unravel(params), val_data), lambda: partial
        )
        status = jnp.where(at_hurdle & (partial < hurdle_fitness), HURDLE, status)
        return index + 1, params, opt_state, status, losses, partial

    def running(carry):
        return (carry[0] < num_chunks) & (carry[3] == RUNNING)

    losses = jnp.full((task.num_steps,), jnp.nan, jnp.float32)
    carry = (jnp.int32(0), params, opt_state, jnp.int32(RUNNING), losses, jnp.float32(jnp.nan))
    index, params, opt_state, status, losses, partial = jax.lax.while_loop(
        running, one_chunk, carry
    )
    finite = jnp.all(jnp.array([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(params)]))
    status = jnp.where((status == RUNNING) & ~finite, NONFINITE, status)
    failed = (status == NONFINITE) | (status == DIVERGED)
    fitness = task.fitness(unravel(params), val_data, failed)
    fitness = jnp.where(status == HURDLE, partial, fitness)
    status = jnp.where(status == RUNNING, OK, status)
    steps = index * chunk
    final_loss = losses[jnp.maximum(steps - 1, 0)]
    return TrainOutcome(fitness, final_loss, status, steps, losses, params, partial, opt_state)


def chunk_length(num_steps: int, chunks: int = 10, align: int | None = None) -> int:
    """Steps per divergence check: the largest divisor of ``num_steps`` ≤ ``num_steps / chunks``
    that also divides ``align`` when given (so a check falls exactly on step ``align``).

    The divergence flag is tested once per chunk (a per-step ``lax.cond`` costs ~15% of a small
    run), so a diverged run wastes at most one chunk.
    """
    limit = max(1, -(-num_steps // chunks))
    return max(
        d for d in range(1, limit + 1) if num_steps % d == 0 and (align is None or align % d == 0)
    )


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
        "status": STATUS_NAMES[int(outcome.status)],
        "seconds": seconds,
        "compile_seconds": trainer.compile_seconds,
    }


def peak_trainer(
    task: Task, make: Callable[[Callable], optax.GradientTransformation]
) -> Callable[[float], tuple[float, str]]:
    """A function training ``make(task.lr_schedule(peak))`` at any peak learning rate and giving
    ``(fitness, status)``. Compiled once, at the first call: the peak is an argument of the run."""

    def run(peak, params, train_data, val_data):
        optimizer = make(task.lr_schedule(peak))
        outcome = train_loop(
            task, optax_update(optimizer), params, optimizer.init(params), train_data, val_data
        )
        return outcome.fitness, outcome.status

    compiled = jax.jit(run)
    data, val = task.train_data(), task.val_data()

    def train(peak: float) -> tuple[float, str]:
        fitness, status = jax.device_get(compiled(jnp.float32(peak), task.init_params(), data, val))
        return float(fitness), STATUS_NAMES[int(status)]

    return train
