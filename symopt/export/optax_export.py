"""Export a program as a standalone optax module.

The module imports only jax and optax and defines ``optimizer(learning_rate)``, an
``optax.GradientTransformation`` whose update is ``-update`` of the program (optax adds updates to
the parameters, the paper's loop subtracts them). ``learning_rate`` is a float or an optax schedule;
its value at the current step count is the program's ``lr``. The state holds the step count and the
program's state slots, zero-initialised. The program text is in the module docstring.
"""

from __future__ import annotations

from symopt import __version__
from symopt.dsl.kinds import infer_kinds
from symopt.dsl.ops import OPS, Kind
from symopt.dsl.program import Program
from symopt.dsl.text import to_text
from symopt.export.common import helper_blocks, indent, return_line, safe_names, tree_args

# Names the generated step function needs to see unshadowed.
_RESERVED = {"jax", "jnp", "optax"}


def to_optax_source(program: Program, title: str = "program") -> str:
    """Source text of a standalone optax module implementing ``program``."""
    infer_kinds(program)
    names = safe_names(program, _RESERVED)
    slots = tuple(s if s != "count" else "count_" for s in program.states)
    helpers = helper_blocks(OPS[stmt.op].helper for stmt in program.body)
    step = _step_function(program, names)
    program_text = indent(to_text(program), 4)
    return f'''"""Optimizer "{title}", found by symopt {__version__} (`symopt export --to optax`).

The program (the paper's training loop applies ``w = w - update``)::

{program_text}
Usage::

    tx = optimizer(3e-4)                  # or optimizer(optax.cosine_decay_schedule(3e-4, 1000))
    state = tx.init(params)
    updates, state = tx.update(grads, state, params)
    params = optax.apply_updates(params, updates)

Depends on jax and optax only.
"""

import jax
import jax.numpy as jnp
import optax

# The keys of the program's state slots in the optimizer state, in the program's order. The state
# also holds "count", the number of updates so far, which a learning-rate schedule reads.
SLOTS = {slots!r}
{helpers}

def _program({", ".join(names[p] for p in program.params)}):
{step}


def optimizer(learning_rate: optax.ScalarOrSchedule) -> optax.GradientTransformation:
    """The program as an optax transformation; ``learning_rate`` is the program's ``lr``."""

    def init_fn(params):
        zeros = {{slot: optax.tree.zeros_like(params) for slot in SLOTS}}
        return {{"count": jnp.zeros([], jnp.int32), **zeros}}

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("this optimizer reads the weights: call update(grads, state, params)")
        count = state["count"]
        lr = learning_rate(count) if callable(learning_rate) else learning_rate
        lr = jnp.asarray(lr, jnp.float32)
        update, *new_slots = _program(params, updates, *(state[slot] for slot in SLOTS), lr)
        new_state = {{"count": optax.safe_increment(count), **dict(zip(SLOTS, new_slots))}}
        return jax.tree.map(jnp.negative, update), new_state

    return optax.GradientTransformation(init_fn, update_fn)
'''


def _literal(arg: float) -> str:
    text = repr(float(arg))
    return f"({text})" if text.startswith("-") else text


def _step_function(program: Program, names: dict[str, str]) -> str:
    kinds = dict.fromkeys(program.params[:-1], Kind.TREE) | {program.lr: Kind.SCALAR}
    lines = []
    for stmt, kind in zip(program.body, infer_kinds(program), strict=True):
        op = OPS[stmt.op]
        rendered = [names[a] if isinstance(a, str) else _literal(a) for a in stmt.args]
        expr = op.export.format(*rendered)
        trees = tree_args(stmt.args, kinds)
        if op.level == "leaf" and trees:
            params = ", ".join(names[t] for t in trees)
            expr = f"jax.tree.map(lambda {params}: {expr}, {params})"
        lines.append(f"    {names[stmt.target]} = {expr}")
        kinds[stmt.target] = kind
    lines.append(return_line(program, names))
    return "\n".join(lines)
