"""The shape-aware ops against oracles written apart: optax's Newton-Schulz, numpy means."""

import jax.numpy as jnp
import numpy as np
import pytest
from optax.contrib import _muon

from symopt.dsl.matrix_ops import NS_COEFFS, matrix_shape
from symopt.execution.interpreter import FlatTrees
from symopt.execution.reference import apply_op

SHAPES = [(3, 4), (6, 2), (2, 2, 3), (5,), ()]


def _tree(seed: int = 0):
    rng = np.random.default_rng(seed)
    return tuple(jnp.asarray(rng.normal(size=s), jnp.float32) for s in SHAPES)


def test_matrix_view_flattens_leading_axes():
    assert matrix_shape((2, 2, 3)) == (4, 3)
    assert matrix_shape((3, 4)) == (3, 4)
    assert matrix_shape((5,)) is None and matrix_shape(()) is None


def test_orthogonalize_is_optax_muon_on_matrices_and_identity_elsewhere():
    tree = _tree()
    got = apply_op("orthogonalize", jnp, [tree])
    for leaf, out in zip(tree, got, strict=True):
        view = matrix_shape(leaf.shape)
        if view is None:
            np.testing.assert_array_equal(out, leaf)
            continue
        ns = _muon.orthogonalize_via_newton_schulz(
            leaf.reshape(view), jnp.asarray(NS_COEFFS), ns_steps=5
        )
        want = np.sqrt(max(1.0, view[1] / view[0])) * np.asarray(ns).reshape(leaf.shape)
        np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)


def test_orthogonalize_brings_singular_values_near_one():
    x = jnp.asarray(np.random.default_rng(1).normal(size=(8, 32)), jnp.float32)
    (out,) = apply_op("orthogonalize", jnp, [(x,)])
    singular = np.linalg.svd(np.asarray(out) / np.sqrt(32 / 8), compute_uv=False)
    assert np.all((singular > 0.5) & (singular < 1.3))  # Muon's "US'V^T", S' in about (0.5, 1.3)


def test_row_and_col_means_follow_the_matrix_view_and_the_column_rule():
    tree = _tree(2)
    rows, cols = apply_op("row_mean", jnp, [tree]), apply_op("col_mean", jnp, [tree])
    for leaf, r, c in zip(tree, rows, cols, strict=True):
        x = np.asarray(leaf)
        view = matrix_shape(x.shape)
        if view is None:  # a vector is a column: its rows are its elements
            np.testing.assert_array_equal(r, x)
            np.testing.assert_allclose(c, np.full(x.shape, x.mean()), rtol=1e-5, atol=1e-7)
            continue
        m = x.reshape(view)
        want_r = np.repeat(m.mean(axis=1, keepdims=True), view[1], axis=1).reshape(x.shape)
        want_c = np.repeat(m.mean(axis=0, keepdims=True), view[0], axis=0).reshape(x.shape)
        np.testing.assert_allclose(r, want_r, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(c, want_c, rtol=1e-5, atol=1e-7)


def test_is_matrix_and_rms():
    tree = _tree(3)
    mask = apply_op("is_matrix", jnp, [tree])
    assert [float(np.unique(m)[0]) for m in mask] == [1.0, 1.0, 1.0, 0.0, 0.0]
    for leaf, r in zip(tree, apply_op("rms", jnp, [tree]), strict=True):
        np.testing.assert_allclose(r, np.full(leaf.shape, np.sqrt(np.mean(np.square(leaf)))), 1e-6)


def test_adafactor_reconstruction_is_exact_on_rank_one_and_the_identity_on_vectors():
    """row_mean(v) * col_mean(v) / mean(v) is v when v is an outer product, and v on a vector."""
    rng = np.random.default_rng(4)
    outer = np.outer(rng.uniform(1, 2, 5), rng.uniform(1, 2, 7)).astype(np.float32)
    vector = rng.uniform(1, 2, 6).astype(np.float32)
    v = (jnp.asarray(outer), jnp.asarray(vector))
    r, c = apply_op("row_mean", jnp, [v]), apply_op("col_mean", jnp, [v])
    mean = apply_op("col_mean", jnp, [r])
    for got_r, got_c, got_mean, want in zip(r, c, mean, v, strict=True):
        np.testing.assert_allclose(got_r * got_c / got_mean, want, rtol=1e-5)


@pytest.mark.parametrize("name", ["is_matrix", "orthogonalize", "row_mean", "col_mean", "rms"])
def test_the_interpreters_flat_algebra_matches_the_reference(name):
    tree = _tree(5)
    flat = jnp.concatenate([leaf.reshape(-1) for leaf in tree])
    got = apply_op(name, jnp, [flat], FlatTrees([leaf.shape for leaf in tree]))
    want = jnp.concatenate([leaf.reshape(-1) for leaf in apply_op(name, jnp, [tree])])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
