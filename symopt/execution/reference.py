"""The reference meaning of a program: every faster path in symopt must agree with this.

A Tree value is held as a tuple of tensors (the leaves of the parameter pytree); a Scalar as a
0-d float32 array. Leaf-level ops map over the leaves, broadcasting Scalars; tree-level ops see
all leaves. Constants enter as float32. ``execute`` works with any array namespace that has the
numpy API (``jax.numpy`` for training and export checks, ``numpy`` for fast probes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from symopt.dsl.matrix_ops import matrix_shape
from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.numeric import float32

Leaves = tuple[Any, ...]


def execute(
    program: Program, xp, w, g, states: tuple, lr, trees=None
) -> tuple[Any, tuple[Any, ...]]:
    """One step of ``program``: returns ``(update, new_states)``.

    Trees are tuples of leaves by default; pass another tree algebra ``trees`` (see
    ``symopt.dsl.ops``) to hold them differently, e.g. as one flat vector.
    """
    env: dict[str, Any] = {program.weight: w, program.grad: g, program.lr: xp.asarray(lr)}
    env.update(zip(program.states, states, strict=True))
    for stmt in program.body:
        args = [env[a] if isinstance(a, str) else xp.asarray(float32(a)) for a in stmt.args]
        env[stmt.target] = apply_op(stmt.op, xp, args, trees)
    update, *new_states = (env[name] for name in program.returns)
    return update, tuple(new_states)


class LeafTrees:
    """The tree algebra of the reference: a Tree is a tuple of tensors (see ``symopt.dsl.ops``)."""

    def __init__(self, xp) -> None:
        self.xp = xp

    def map(self, fn: Callable, *trees: Leaves) -> Leaves:
        return tuple(fn(*leaves) for leaves in zip(*trees, strict=True))

    def sum(self, tree: Leaves):
        return sum(self.xp.sum(leaf) for leaf in tree)

    def tensor_sum(self, tree: Leaves) -> Leaves:
        xp = self.xp
        return tuple(xp.broadcast_to(xp.sum(leaf), xp.shape(leaf)) for leaf in tree)

    def tensor_mean(self, tree: Leaves) -> Leaves:
        xp = self.xp
        return tuple(xp.broadcast_to(xp.mean(leaf), xp.shape(leaf)) for leaf in tree)

    def matrix_map(self, fn: Callable, tree: Leaves) -> Leaves:
        """``fn(view, matrix shape or None)`` on each leaf's matrix view, reshaped back to the
        leaf's shape (``symopt.dsl.matrix_ops``)."""
        xp = self.xp
        out = []
        for leaf in tree:
            shape = tuple(xp.shape(leaf))
            view = matrix_shape(shape)
            m = xp.reshape(leaf, view or (math.prod(shape), 1))
            out.append(xp.reshape(fn(m, view), shape))
        return tuple(out)


def apply_op(name: str, xp, args: list, trees=None) -> Any:
    """Apply op ``name`` to Trees (tuples of leaves) and Scalars, broadcasting Scalars."""
    op = OPS[name]
    if op.level == "tree":
        return op.jax(xp, trees or LeafTrees(xp), *args)
    n = next((len(a) for a in args if isinstance(a, tuple)), None)
    if n is None:
        return op.jax(xp, *args)
    return tuple(op.jax(xp, *(a[i] if isinstance(a, tuple) else a for a in args)) for i in range(n))


def make_step(program: Program) -> Callable:
    """``step(w, g, states, lr) -> (update, new_states)`` over parameter pytrees, in JAX.

    ``states`` is a tuple with one pytree per state slot, each shaped like ``w``.
    """
    import jax
    import jax.numpy as jnp

    def step(w, g, states, lr):
        leaves, treedef = jax.tree.flatten(w)
        flat_states = tuple(tuple(treedef.flatten_up_to(s)) for s in states)
        update, new_states = execute(
            program,
            jnp,
            tuple(leaves),
            tuple(treedef.flatten_up_to(g)),
            flat_states,
            jnp.asarray(lr, jnp.float32),
        )
        return treedef.unflatten(update), tuple(treedef.unflatten(s) for s in new_states)

    return step


def init_states(program: Program, params) -> tuple:
    """Zero-initialised state slots, one pytree shaped like ``params`` per slot."""
    import jax
    import jax.numpy as jnp

    return tuple(jax.tree.map(jnp.zeros_like, params) for _ in program.states)


def apply_update(params, update):
    """The paper's training loop: ``w = w - update``."""
    import jax

    return jax.tree.map(lambda w, u: w - u, params, update)
