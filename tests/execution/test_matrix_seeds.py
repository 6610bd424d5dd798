"""The Muon and Adafactor seeds of the ``matrix`` space against optax's own optimizers.

A two-layer model with matrices and biases trains 100 steps under the optax optimizer and under
the seed program (with a constant ``lr`` of 1, so the seed's learning-rate factor is the whole
learning rate), through the reference executor and through the compiled-once interpreter; the
weights must agree to 1e-5.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.flatten_util import ravel_pytree
from optax import contrib

from symopt.dsl import parse, read_program
from symopt.execution.encode import Layout, encode
from symopt.execution.interpreter import initial_registers, make_step
from symopt.execution.reference import apply_update, init_states
from symopt.execution.reference import make_step as reference_step
from tests.dsl.test_text import SEEDS

STEPS = 100
TOLERANCE = 1e-5

# Same hyperparameters on both sides: the seeds' constants. Adafactor factors every matrix
# (the seed's rule), so optax's minimum dimension to factor is 1.
OPTAX = {
    "muon": lambda: contrib.muon(0.02, weight_decay=0.1, adam_weight_decay=0.01),
    "adafactor": lambda: optax.adafactor(0.01, min_dim_size_to_factor=1),
}

_X = jax.random.normal(jax.random.key(5), (64, 6))
_Y = jax.random.normal(jax.random.key(6), (64, 3))


def _params():
    k1, k2 = jax.random.split(jax.random.key(0))
    return {
        "w1": 0.4 * jax.random.normal(k1, (6, 16)),  # more columns than rows
        "b1": jnp.zeros(16),
        "w2": 0.3 * jax.random.normal(k2, (16, 3)),  # more rows than columns
        "b2": jnp.zeros(3),
    }


def _loss(p):
    hidden = jnp.tanh(_X @ p["w1"] + p["b1"])
    return jnp.mean((hidden @ p["w2"] + p["b2"] - _Y) ** 2)


def _train_optax(tx):
    params, state = _params(), tx.init(_params())

    @jax.jit
    def step(params, state):
        updates, state = tx.update(jax.grad(_loss)(params), state, params)
        return optax.apply_updates(params, updates), state

    for _ in range(STEPS):
        params, state = step(params, state)
    return params


def _train_reference(program):
    params, states, run = _params(), init_states(program, _params()), reference_step(program)

    @jax.jit
    def step(params, states):
        update, states = run(params, jax.grad(_loss)(params), states, jnp.float32(1.0))
        return apply_update(params, update), states

    for _ in range(STEPS):
        params, states = step(params, states)
    return params


def _train_interpreter(program):
    flat, unravel = ravel_pytree(_params())
    layout = Layout()
    encoded = encode(program, layout)
    run = make_step([leaf.shape for leaf in jax.tree.leaves(_params())])
    regs = initial_registers(encoded.init, layout, flat.size)
    code = jnp.asarray(encoded.code)

    @jax.jit
    def step(w, regs):
        g = ravel_pytree(jax.grad(_loss)(unravel(w)))[0]
        update, regs = run(code, encoded.length, encoded.update, w, g, jnp.float32(1.0), regs)
        return w - update, regs

    for _ in range(STEPS):
        flat, regs = step(flat, regs)
    return unravel(flat)


@functools.cache
def _optax_result(name: str):
    return _train_optax(OPTAX[name]())


def _max_difference(a, b) -> float:
    return max(float(jnp.max(jnp.abs(a[k] - b[k]))) for k in a)


@pytest.mark.parametrize("name", sorted(OPTAX))
@pytest.mark.parametrize("executor", [_train_reference, _train_interpreter])
def test_seed_matches_optax(name, executor):
    program = read_program(SEEDS / f"{name}.txt")
    want = _optax_result(name)
    assert _max_difference(want, _params()) > 0.1  # the weights moved: the check has teeth
    assert _max_difference(want, executor(program)) <= TOLERANCE


def test_the_optax_check_would_see_a_wrong_muon():
    """Muon without the orthogonalisation is far from optax's Muon."""
    text = (SEEDS / "muon.txt").read_text().replace("    u = orthogonalize(u)\n", "")
    wrong = _train_reference(parse(text))
    assert _max_difference(_optax_result("muon"), wrong) > 100 * TOLERANCE


def test_adafactor_factors_matrices_only():
    """On a matrix the seed's second moment is the outer product of row and column means (an
    estimate, not g * g); optax with factoring off differs, optax with it on does not."""
    unfactored = _train_optax(optax.adafactor(0.01, factored=False))
    got = _train_reference(read_program(SEEDS / "adafactor.txt"))
    assert _max_difference(unfactored, got) > 100 * TOLERANCE
    np.testing.assert_allclose(got["b1"], _optax_result("adafactor")["b1"], atol=TOLERANCE)
