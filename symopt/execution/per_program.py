"""The slow path: the reference meaning of one program, jitted for itself (compiles each time).

This is what a search without the interpreter would pay per candidate; it serves as the oracle
the interpreter is tested against and as the ``per_program_jit`` line of ``symopt bench``.
"""

from __future__ import annotations

import jax
from jax.flatten_util import ravel_pytree

from proxy_tasks import train_loop
from symopt.dsl.program import Program
from symopt.execution.reference import apply_update, init_states, make_step


def make_reference_trainer(program: Program, task):
    """``train(hurdle_step, hurdle_fitness, data, val)``, jitted for this program alone.

    Returns ``(fitness, status, steps, final_loss, losses, hurdle_fitness)``, as the interpreter
    does.

    The loop carries the parameters as one flat vector, as the interpreter does, so that both
    compute bit-identical gradients and differ only in how they run the program.
    """
    step_fn = make_step(program)
    flat0, unravel = ravel_pytree(task.init_params())

    def update(w, g, states, step):
        params = unravel(w)
        update, states = step_fn(params, unravel(g), states, task.schedule(step))
        return ravel_pytree(apply_update(params, update))[0], states

    def train(hurdle_step, hurdle_fitness, data, val):
        states = init_states(program, unravel(flat0))
        outcome = train_loop(
            task, update, flat0, states, data, val, hurdle_step, hurdle_fitness, unravel
        )
        return outcome.summary()

    return jax.jit(train)
