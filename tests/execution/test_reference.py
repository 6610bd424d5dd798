"""The reference meaning: the same under numpy and jax.numpy, and shaped like the parameters."""

import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings

from symopt.dsl import parse
from symopt.execution.reference import execute, init_states, make_step
from tests.strategies import programs

SHAPES = [(3, 2), (4,)]


def _inputs(xp, num_states, seed=0):
    rng = np.random.default_rng(seed)

    def tree():
        return tuple(xp.asarray(rng.normal(size=s).astype(np.float32)) for s in SHAPES)

    return tree(), tree(), tuple(tree() for _ in range(num_states)), xp.asarray(np.float32(0.1))


@settings(max_examples=60, deadline=None)
@given(programs(max_statements=10))
def test_numpy_and_jax_execution_agree(program):
    with np.errstate(all="ignore"):
        out_np = execute(program, np, *_inputs(np, program.num_states))
    out_jax = execute(program, jnp, *_inputs(jnp, program.num_states))
    update_np, states_np = out_np
    update_jax, states_jax = out_jax
    for a, b in zip((update_np, *states_np), (update_jax, *states_jax), strict=True):
        assert len(a) == len(b) == len(SHAPES)
        for x, y in zip(a, b, strict=True):
            assert np.shape(y) == np.shape(x)
            np.testing.assert_allclose(x, y, rtol=2e-4, atol=1e-5, equal_nan=True)


def test_step_works_on_pytrees_and_keeps_their_structure():
    program = parse(
        "def train(w, g, m, lr):\n    m = interp(g, m, 0.9)\n    u = sign(m)\n"
        "    n = global_norm(g)\n    u = u * n\n    u = u * lr\n    return u, m\n"
    )
    params = {"a": jnp.ones((2, 3)), "b": [jnp.zeros(4)]}
    grads = {"a": jnp.full((2, 3), 2.0), "b": [jnp.full(4, -1.0)]}
    update, (m,) = make_step(program)(params, grads, init_states(program, params), 0.5)
    norm = np.sqrt(6 * 4 + 4)
    np.testing.assert_allclose(update["a"], np.full((2, 3), 0.5 * norm), rtol=1e-6)
    np.testing.assert_allclose(update["b"][0], np.full(4, -0.5 * norm), rtol=1e-6)
    np.testing.assert_allclose(m["b"][0], np.full(4, -0.1), rtol=1e-6)


def test_constants_enter_as_float32():
    program = parse("def train(w, g, lr):\n    u = g * 0.1\n    return u\n")
    update, _ = execute(program, jnp, (jnp.ones(3),), (jnp.ones(3),), (), jnp.float32(1))
    assert update[0].dtype == jnp.float32
    assert float(update[0][0]) == float(np.float32(0.1))
