"""One parametrized test per op of the registry: kinds, JAX form vs sympy form."""

import itertools

import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

from symopt.dsl.ops import ANY, EPS, OPS, Kind
from symopt.execution.reference import apply_op

# DESIGN.md section 3, in its order: the list is pinned.
OP_NAMES = (
    "get_pi get_e get_eps "
    "abs cos sin tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh exp exp2 exp10 "
    "expm1 log log10 log2 log1p sqrt square cube cbrt sign reciprocal negative rsqrt "
    "norm "
    "add sub mul div max min power "
    "global_norm dot cosine_sim clip interp"
).split()
# The shape-aware ops of search_spaces/matrix.yaml, after the paper's 45 (symopt.dsl.matrix_ops).
MATRIX_OP_NAMES = ["is_matrix", "orthogonalize", "row_mean", "col_mean", "rms"]
ALL_NAMES = OP_NAMES + MATRIX_OP_NAMES

SHAPES = [(3, 4), (5,), (2, 2, 3)]

# Domains where each op is finite and well-conditioned (default: +-[0.1, 2]).
DOMAINS = {
    "arcsin": (-0.9, 0.9),
    "arccos": (-0.9, 0.9),
    "arctanh": (-0.9, 0.9),
    "arccosh": (1.1, 3.0),
    "tan": (-1.2, 1.2),
}

# One-element-tree meaning of the opaque tree-level sympy functions: an oracle written here.
ONE_ELEMENT = {
    "norm": np.abs,
    "global_norm": np.abs,
    "dot": lambda a, b: a * b,
    "cosine_sim": lambda a, b: a * b / (np.abs(a) * np.abs(b) + EPS),
    "clip": lambda x, c: x * np.minimum(1.0, c / (np.abs(x) + EPS)),
    # a one-element tree is a vector: not a matrix, its own row, its own column mean
    "is_matrix": lambda x: 0.0 * x,
    "orthogonalize": lambda x: x,
    "row_mean": lambda x: x,
    "col_mean": lambda x: x,
    "rms": np.abs,
}


def test_registry_is_the_45_ops_of_the_design_then_the_matrix_ops():
    assert len(OP_NAMES) == 45
    assert list(OPS) == ALL_NAMES
    assert [name for name, op in OPS.items() if op.matrix] == MATRIX_OP_NAMES[:4]


def _sample(rng, name, shape=()):
    lo, hi = DOMAINS.get(name, (0.1, 2.0))
    x = rng.uniform(lo, hi, size=shape)
    if name not in DOMAINS:
        x *= rng.choice([-1.0, 1.0], size=shape)
    return x.astype(np.float32)


def _kind_combinations(op):
    options = [(Kind.TREE, Kind.SCALAR) if k == ANY else (Kind(k),) for k in op.kinds]
    return list(itertools.product(*options))


def _value(rng, name, kind):
    if kind is Kind.SCALAR:
        return jnp.asarray(_sample(rng, name))
    return tuple(jnp.asarray(_sample(rng, name, s)) for s in SHAPES)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_declared_kinds_match_what_the_jax_form_returns(name):
    op = OPS[name]
    rng = np.random.default_rng(0)
    for kinds in _kind_combinations(op):
        out = apply_op(name, jnp, [_value(rng, name, k) for k in kinds])
        if op.result_kind(kinds) is Kind.TREE:
            assert isinstance(out, tuple)
            assert [leaf.shape for leaf in out] == SHAPES
            assert all(leaf.dtype == jnp.float32 for leaf in out)
        else:
            assert jnp.shape(out) == ()
            assert jnp.asarray(out).dtype == jnp.float32


@pytest.mark.parametrize("name", ALL_NAMES)
def test_jax_and_sympy_forms_agree_on_random_inputs(name):
    op = OPS[name]
    symbols = sp.symbols(f"a0:{op.arity}")
    eps = sp.Symbol("eps", positive=True)
    expr = op.sympy(sp, *symbols)
    numeric = sp.lambdify((*symbols, eps), expr, modules=[ONE_ELEMENT, "numpy"])
    rng = np.random.default_rng(1)
    for _ in range(20):
        inputs = [_sample(rng, name) for _ in range(op.arity)]
        if op.level == "tree":
            args = [
                (jnp.asarray([x]),) if k == "Tree" else jnp.asarray(x)
                for x, k in zip(inputs, op.kinds, strict=True)
            ]
            got = apply_op(name, jnp, args)
            got = np.asarray(got[0] if isinstance(got, tuple) else got).reshape(())
        else:
            got = np.asarray(apply_op(name, jnp, [jnp.asarray(x) for x in inputs]))
        want = numeric(*[np.float64(x) for x in inputs], EPS)
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6, err_msg=f"{name}{inputs}")


def _leaves(value):
    return [np.asarray(x) for x in value] if isinstance(value, tuple) else [np.asarray(value)]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_numpy_and_jax_namespaces_agree(name):
    rng = np.random.default_rng(2)
    for kinds in _kind_combinations(OPS[name]):
        values = [_value(rng, name, k) for k in kinds]
        as_np = [tuple(_leaves(v)) if isinstance(v, tuple) else np.asarray(v) for v in values]
        got_jax, got_np = apply_op(name, jnp, values), apply_op(name, np, as_np)
        for a, b in zip(_leaves(got_jax), _leaves(got_np), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_protected_forms_stay_finite_at_zero():
    zero = jnp.zeros(3)
    for name in ("sqrt", "reciprocal", "rsqrt"):
        assert jnp.all(jnp.isfinite(apply_op(name, jnp, [zero])))
    assert jnp.all(jnp.isfinite(apply_op("div", jnp, [jnp.ones(3), zero])))
    assert jnp.all(jnp.isfinite(apply_op("clip", jnp, [(zero,), jnp.asarray(0.0)])[0]))
    np.testing.assert_allclose(apply_op("log1p", jnp, [jnp.asarray(-3.0)]), np.log(2.0), 1e-6)
    np.testing.assert_allclose(
        apply_op("power", jnp, [jnp.asarray(-8.0), jnp.asarray(1 / 3)]), -2.0, rtol=1e-6
    )
    assert float(apply_op("sign", jnp, [jnp.asarray(0.0)])) == 0.0


def test_norm_is_per_tensor_and_global_norm_is_over_the_tree():
    tree = (jnp.full((2, 2), 1.0), jnp.full((3,), 2.0))
    norms = apply_op("norm", jnp, [tree])
    np.testing.assert_allclose(norms[0], np.full((2, 2), 2.0), rtol=1e-6)
    np.testing.assert_allclose(norms[1], np.full((3,), np.sqrt(12.0)), rtol=1e-6)
    np.testing.assert_allclose(apply_op("global_norm", jnp, [tree]), 4.0, rtol=1e-6)
    clipped = apply_op("clip", jnp, [tree, jnp.asarray(1.0)])
    np.testing.assert_allclose(apply_op("global_norm", jnp, [clipped]), 1.0, rtol=1e-5)
