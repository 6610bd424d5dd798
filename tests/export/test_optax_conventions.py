"""The optax export behaves like optax's own optimizers (the checks of optax's alias tests that
apply to a general optimizer), for every seed, the default campaign's best program and a long
discovered-looking program."""

import inspect

import numpy as np
import pytest

from symopt.dsl import read_program
from symopt.export import provenance_of, to_optax_source
from tests.dsl.test_text import SEEDS
from tests.export.programs import PROGRAMS, usage_example_losses
from tests.export.test_optax_export import load_module

jax = pytest.importorskip("jax", reason="the optax export tests need jax")
jnp = pytest.importorskip("jax.numpy", reason="the optax export tests need jax")
optax = pytest.importorskip("optax", reason="the optax export tests need optax")

FILES = {p.stem: p for p in [*sorted(SEEDS.glob("*.txt")), *sorted(PROGRAMS.glob("*.txt"))]}
TRAINING = ["adamw", "lion", "momentum", "sgd", "quick_meta"]  # the long program is random


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("optax_exports")
    modules = {}
    for name, path in FILES.items():
        program = read_program(path)
        source = to_optax_source(program, name, provenance_of(str(path), program))
        modules[name] = load_module(source, folder, f"{name}_tx")
    return modules


def tree(dtype=jnp.float32):
    """A nested parameter tree with a matrix, a vector and a scalar."""
    key = jax.random.key(0)
    return {
        "dense": {"w": jax.random.normal(key, (4, 3)).astype(dtype), "b": jnp.zeros(3, dtype)},
        "scale": jnp.ones([], dtype),
    }


def grads_like(params, t=0):
    key = jax.random.key(100 + t)
    leaves, treedef = jax.tree.flatten(params)
    keys = jax.random.split(key, len(leaves))
    grads = [
        (x - 0.5 + 0.1 * jax.random.normal(k, x.shape)).astype(x.dtype)
        for k, x in zip(keys, leaves, strict=True)
    ]
    return jax.tree.unflatten(treedef, grads)


def dtypes(tree_):
    return jax.tree.map(lambda x: x.dtype, tree_)


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16, jnp.float32])
def test_updates_and_state_keep_the_parameters_dtype(exported, name, dtype):
    tx = exported[name].optimizer()
    params = tree(dtype)
    state = tx.init(params)
    for t in range(3):
        updates, new_state = tx.update(grads_like(params, t), state, params)
        assert all(u.dtype == dtype for u in jax.tree.leaves(updates))
        assert dtypes(new_state) == dtypes(state)  # stable: lax.cond and scan accept it
        state = new_state
        params = optax.apply_updates(params, updates)


def test_float64_parameters_keep_their_dtype(exported):
    with jax.enable_x64(True):
        tx = exported["adamw"].optimizer()
        params = tree(jnp.float64)
        updates, state = tx.update(grads_like(params), tx.init(params), params)
        assert all(u.dtype == jnp.float64 for u in jax.tree.leaves(updates))
        assert all(s.dtype == jnp.float64 for s in jax.tree.leaves((state.m, state.v)))


def test_bfloat16_keeps_small_moving_average_weights(exported):
    """1 - 0.999 must not become 0: a bfloat16 0.999 is 1.0, and the AdamW seed would then keep
    its second moment at zero and divide by 1e-8."""
    tx = exported["adamw"].optimizer()
    params = tree(jnp.bfloat16)
    updates, state = tx.update(grads_like(params), tx.init(params), params)
    assert all(float(jnp.max(jnp.abs(v))) > 0 for v in jax.tree.leaves(state.v))
    assert all(float(jnp.max(jnp.abs(u))) < 0.01 for u in jax.tree.leaves(updates))


@pytest.mark.parametrize("name", FILES)
def test_state_is_a_named_tuple_and_extra_args_are_accepted(exported, name):
    tx = exported[name].optimizer()
    params = tree()
    state = tx.init(params)
    assert isinstance(state, tuple) and state._fields[0] == "count"
    updates, state = tx.update(grads_like(params), state, params, loss=1.0, value=2.0)
    assert int(state.count) == 1


@pytest.mark.parametrize("name", FILES)
def test_inject_hyperparams_matches_and_changes_the_maths(exported, name):
    factory = exported[name].optimizer
    hyper = [p for p in inspect.signature(factory).parameters if p != "learning_rate"]
    injected = optax.inject_hyperparams(factory)(learning_rate=1e-3)
    direct = factory(1e-3)
    params = tree()
    a, state = injected.update(grads_like(params), injected.init(params), params)
    b, _ = direct.update(grads_like(params), direct.init(params), params)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, equal_nan=True)
    assert set(state.hyperparams) == {"learning_rate", *hyper}


def test_an_injected_hyperparameter_changes_the_update(exported):
    tx = optax.inject_hyperparams(exported["adamw"].optimizer)()
    params = tree()
    state = tx.init(params)
    before, _ = tx.update(grads_like(params), state, params)
    state.hyperparams["weight_decay"] = jnp.asarray(0.5)
    after, _ = tx.update(grads_like(params), state, params)
    leaves = zip(jax.tree.leaves(before), jax.tree.leaves(after), strict=True)
    assert any(not np.allclose(x, y) for x, y in leaves)


@pytest.mark.parametrize("name", FILES)
def test_jit_compiles_once(exported, name):
    tx = exported[name].optimizer()
    params = tree()
    state = tx.init(params)
    update = jax.jit(tx.update)
    for t in range(4):
        updates, state = update(grads_like(params, t), state, params)
        params = optax.apply_updates(params, updates)
    assert update._cache_size() == 1


@pytest.mark.parametrize("name", FILES)
def test_multi_steps_accumulates_then_updates(exported, name):
    tx = exported[name].optimizer(1e-3)
    multi = optax.MultiSteps(tx, every_k_schedule=2)
    params = tree()
    g0, g1 = grads_like(params, 0), grads_like(params, 1)
    state = multi.init(params)
    first, state = multi.update(g0, state, params)
    # NaN updates (the long random program has some) stay NaN when MultiSteps zeroes them.
    assert all(np.all((np.asarray(u) == 0) | np.isnan(u)) for u in jax.tree.leaves(first))
    second, _ = multi.update(g1, state, params)
    mean = jax.tree.map(lambda a, b: (a + b) / 2, g0, g1)
    expected, _ = tx.update(mean, tx.init(params), params)
    for x, y in zip(jax.tree.leaves(second), jax.tree.leaves(expected), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("name", FILES)
def test_masked_and_multi_transform(exported, name):
    tx = exported[name].optimizer(1e-3)
    params = tree()
    grads = grads_like(params)
    mask = {"dense": {"w": True, "b": False}, "scale": True}
    masked = optax.masked(tx, mask)
    updates, _ = masked.update(grads, masked.init(params), params)
    np.testing.assert_array_equal(updates["dense"]["b"], grads["dense"]["b"])  # passed through
    labels = {"dense": {"w": "ours", "b": "sgd"}, "scale": "ours"}
    multi = optax.multi_transform({"ours": tx, "sgd": optax.sgd(0.1)}, labels)
    updates, _ = multi.update(grads, multi.init(params), params)
    np.testing.assert_allclose(updates["dense"]["b"], -0.1 * grads["dense"]["b"], rtol=1e-6)


@pytest.mark.parametrize("name", FILES)
def test_empty_and_nested_params(exported, name):
    tx = exported[name].optimizer()
    updates, state = tx.update({}, tx.init({}), {})
    assert updates == {} and int(state.count) == 1
    nested = {"a": [jnp.ones(2), (jnp.zeros(3), {"b": jnp.ones([])})]}
    updates, _ = tx.update(grads_like(nested), tx.init(nested), nested)
    assert jax.tree.structure(updates) == jax.tree.structure(nested)


@pytest.mark.parametrize("name", TRAINING)
def test_the_usage_example_trains_as_written(exported, name):
    losses = usage_example_losses(exported[name], name)
    assert losses[-1] < 0.05 * losses[0], (losses[0], losses[-1])


def test_hyperparameters_are_named_by_role(exported):
    def defaults(name):
        parameters = inspect.signature(exported[name].optimizer).parameters.values()
        return {p.name: p.default for p in parameters}

    assert defaults("adamw") == {
        "learning_rate": 0.001, "b1": 0.9, "b2": 0.999, "weight_decay": 0.01,
    }  # fmt: skip
    assert defaults("lion") == {
        "learning_rate": 3e-4, "b1": 0.9, "weight_decay": 0.01, "b2": 0.99,
    }  # fmt: skip
    assert defaults("momentum") == {"learning_rate": 0.01, "momentum": 0.9}
    assert defaults("quick_meta")["learning_rate"] == 1.0  # its step size is its own
    assert {"max_norm", "max_norm2", "b1", "b2", "c1"} <= set(defaults("quick_meta"))


def test_docstrings_state_provenance_and_maths(exported):
    assert "hand-written seed program 'lion.txt'" in exported["lion"].__doc__
    assert "not found by a search" in exported["lion"].__doc__
    quick = exported["quick_meta"].__doc__
    assert "not recorded" in quick and "found by" not in quick
    assert "update = log(abs(1.0 + update))" in quick  # log1p, protected form visible
    assert "clip(x, c) = x * min(1, c / (global_norm(x) + 1e-08))" in quick
    assert "update = update / (sqrt_v + 1e-08)" in quick
