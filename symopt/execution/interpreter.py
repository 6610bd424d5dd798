"""The compiled-once interpreter: one XLA computation per task trains any encoded program.

The parameters are one flat float32 vector. Each step writes ``w``, ``g`` and ``lr`` into the
first registers, runs the program's statements with ``lax.fori_loop`` (each dispatched by
``lax.switch`` over the ops of the layout, ``Layout.ops``, which a campaign limits to its
search space's, as every branch lengthens the compilation; a branch reads its operands from the
whole register file and returns only the new value, which is written back in place) and applies
``w = w - update``. A matrix op slices each tensor at static offsets (``FlatTrees``). State
slots live in registers of their own and never move (``symopt.execution.encode``). Programs change
only the *values* of the arguments, never their shapes, so no program compiles anything. The loop
around it is the task's own ``proxy_tasks.train_loop``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.flatten_util import ravel_pytree

from proxy_tasks import train_loop
from proxy_tasks.train import chunk_length
from symopt.dsl.matrix_ops import matrix_shape
from symopt.dsl.ops import OPS
from symopt.execution.encode import Layout


class FlatTrees:
    """The tree algebra of the interpreter: a Tree is one flat vector (see ``symopt.dsl.ops``).

    ``shapes`` are the parameter tensors' shapes in the vector's order: static per task, so a
    matrix op slices each tensor at fixed offsets and the trainer still compiles once.
    """

    def __init__(self, shapes: list[tuple[int, ...]]) -> None:
        self.shapes = [tuple(int(d) for d in shape) for shape in shapes]
        self.sizes = [math.prod(shape) for shape in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int).tolist()
        segments = np.repeat(np.arange(len(shapes), dtype=np.int32), self.sizes)
        self.segments = jnp.asarray(segments)
        self.num_segments = len(shapes)
        self.counts = jnp.asarray(np.asarray(self.sizes, np.float32)[segments])

    def map(self, fn, *trees):
        return fn(*trees)

    def sum(self, tree):
        return jnp.sum(tree)

    def tensor_sum(self, tree):
        sums = jax.ops.segment_sum(tree, self.segments, self.num_segments)
        return sums[self.segments]

    def tensor_mean(self, tree):
        return self.tensor_sum(tree) / self.counts

    def matrix_map(self, fn, tree):
        tree = jnp.broadcast_to(tree, (self.offsets[-1],))
        pieces = []
        for shape, start, end in zip(self.shapes, self.offsets, self.offsets[1:], strict=False):
            view = matrix_shape(shape)
            m = tree[start:end].reshape(view or (end - start, 1))
            pieces.append(fn(m, view).reshape(-1))
        return jnp.concatenate(pieces) if pieces else tree


def _branch(op, trees: FlatTrees, size: int):
    def run(regs, a, b, c):
        args = [regs[i] for i in (a, b, c)[: op.arity]]
        value = op.jax(jnp, trees, *args) if op.level == "tree" else op.jax(jnp, *args)
        return jnp.broadcast_to(jnp.asarray(value, jnp.float32), (size,))

    return run


def make_step(shapes: list[tuple[int, ...]], layout: Layout | None = None):
    """``step(code, length, update_reg, w, g, lr, regs) -> (update, regs)``: one step of an
    encoded program on the flat vector of tensors shaped ``shapes``, the interpreter's own step
    (a statement per ``lax.switch`` over the ops of ``layout``, default every op; ``code`` must
    be encoded for the same ops) exposed so that it can be checked against other optimizers;
    ``regs`` start as :func:`initial_registers`."""
    size = sum(math.prod(shape) for shape in shapes)
    trees = FlatTrees(shapes)
    ops = (layout or Layout()).ops
    branches = [_branch(OPS[name], trees, size) for name in ops]

    def step(code, length, update_reg, w, g, lr, regs):
        def body(i, regs):
            row = code[i]
            value = lax.switch(row[0], branches, regs, row[2], row[3], row[4])
            return lax.dynamic_update_index_in_dim(regs, value, row[1], 0)

        inputs = jnp.stack([w, g, jnp.broadcast_to(lr, (size,))])
        regs = lax.dynamic_update_slice_in_dim(regs, inputs, 0, axis=0)
        regs = lax.fori_loop(0, length, body, regs)
        return regs[update_reg], regs

    return step


def initial_registers(init, layout: Layout, size: int) -> jax.Array:
    """The register file at the start of training: every register's initial value, broadcast."""
    return jnp.broadcast_to(jnp.asarray(init)[:, None], (layout.num_registers, size))


def make_trainer(task, layout: Layout, align_step: int | None = None):
    """``train(code, length, init, update_reg, hurdle_step, hurdle_fitness, data, val, params)``.

    Trains one encoded program on ``task`` from ``params`` (the flat initial parameters, see
    :func:`flat_params`; an argument, so every task seed shares the compilation) and returns
    ``(fitness, status, steps, final_loss, losses, hurdle_fitness)`` (see
    ``proxy_tasks.TrainOutcome``). Every argument is an array, so under ``jax.jit`` it is traced
    and compiled once per task and layout. With ``align_step`` (the hurdle step) the training
    loop's chunks are aligned so that the hurdle is checked exactly at that step.
    """
    chunk = chunk_length(task.num_steps, align=align_step)
    params0 = task.init_params()
    flat0, unravel = ravel_pytree(params0)
    size = int(flat0.size)
    program_step = make_step([leaf.shape for leaf in jax.tree.leaves(params0)], layout)

    def train(code, length, init, update_reg, hurdle_step, hurdle_fitness, data, val, flat0):
        def update(w, g, regs, step):
            lr = task.schedule(step)
            update, regs = program_step(code, length, update_reg, w, g, lr, regs)
            return w - update, regs

        regs0 = initial_registers(init, layout, size)
        outcome = train_loop(
            task, update, flat0, regs0, data, val, hurdle_step, hurdle_fitness, unravel, chunk
        )
        return outcome.summary()

    return train


def flat_params(task) -> jax.Array:
    """``task``'s initial parameters as the one flat vector the interpreter trains."""
    return ravel_pytree(task.init_params())[0]
