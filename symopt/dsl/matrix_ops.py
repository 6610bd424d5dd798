"""The shape-aware ops: each tensor seen as a matrix (the ``matrix`` search space).

**The matrix view.** A tensor of rank >= 2 with shape ``(d0, ..., dk)`` is the matrix
``(d0 * ... * d(k-1), dk)``: its leading axes flattened into rows, its last axis the columns (for
a dense layer's ``(fan_in, fan_out)`` kernel: rows are inputs, columns are outputs, as in
``optax.contrib.muon``'s default). **A tensor of rank < 2 is not a matrix**: a vector of ``n``
elements (a bias, a norm scale) is held as the column ``(n, 1)`` and a scalar as ``(1, 1)``, so
that row and column means keep their meaning, and each op below states what it does there.

The ops reach the tensors through the tree algebra's ``t.matrix_map(fn, tree)``: ``fn(m, shape)``
gets one tensor's 2-D view ``m`` and ``shape``, the ``(rows, cols)`` of the *whole* tensor's
matrix view, or ``None`` when the tensor is not a matrix, and returns an array of ``m``'s shape.
In training ``m`` is the whole tensor; in the judge's probes it is a sampled block of it
(``symopt.analysis.probes``), which is why ``shape`` is passed apart.

- ``is_matrix(x)``: 1 on every element of a matrix, 0 on vectors and scalars (``x``'s values are
  not read). A mask: ``interp(a, b, is_matrix(g))`` is ``b`` on matrices and ``a`` elsewhere.
- ``orthogonalize(x)``: Muon's direction, as ``optax.contrib.muon`` computes it: the matrix
  ``X / (||X||_F + 1e-8)`` (transposed first when it has more rows than columns) through 5
  quintic Newton-Schulz steps ``X <- a X + (b A + c A A) X``, ``A = X X^T``,
  ``(a, b, c) = (3.4445, -4.7750, 2.0315)``, transposed back, times ``sqrt(max(1, cols / rows))``.
  Vectors and scalars pass through unchanged (Muon gives them to Adam).
- ``row_mean(x)``: each row's mean, broadcast along the row; a vector (a column) is unchanged.
- ``col_mean(x)``: each column's mean, broadcast down the column; on a vector, its mean. So
  Adafactor's factored second moment ``row_mean(v) * col_mean(v) / col_mean(row_mean(v))`` is
  ``v`` itself on a vector, as Adafactor keeps vectors unfactored.
- ``rms(x)``: each tensor's root mean square ``sqrt(mean(x * x))``, broadcast over it (every
  rank).

On a sampled block of ``r x c`` elements of an ``R x C`` matrix (probes), ``orthogonalize``
rescales its result by ``sqrt(max(r, c) / max(R, C))``: an orthogonalised ``R x C`` matrix has
elements of RMS about ``1 / sqrt(max(R, C))``, so the block keeps the magnitudes training sees.

Each op is registered by :func:`register` (called by ``symopt.dsl.ops``) with its JAX form, an
opaque sympy function, and helper sources for the optax and PyTorch exports. This module imports
neither jax, numpy, torch nor sympy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

NS_COEFFS = (3.4445, -4.7750, 2.0315)
NS_STEPS = 5
_EPS = 1e-8


def matrix_shape(shape: tuple[int, ...]) -> tuple[int, int] | None:
    """The ``(rows, cols)`` of a tensor's matrix view, or ``None`` for rank < 2."""
    if len(shape) < 2:
        return None
    return math.prod(shape[:-1]), shape[-1]


def newton_schulz(xp, m):
    """Muon's orthogonalisation of the 2-D array ``m`` (see the module docstring), unscaled."""
    wide = m.shape[0] > m.shape[1]
    x = m.T if wide else m
    x = x / (xp.linalg.norm(x) + _EPS)
    a, b, c = NS_COEFFS
    for _ in range(NS_STEPS):
        gram = x @ x.T
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return x.T if wide else x


def _orthogonalize_one(xp, m, shape):
    if shape is None:
        return m
    rows, cols = shape
    scale = math.sqrt(max(1.0, cols / rows))
    if m.shape != shape:  # a probe's sampled block: keep the whole matrix's element scale
        scale *= math.sqrt(max(m.shape) / max(rows, cols))
    return newton_schulz(xp, m) * scale


def _is_matrix(xp, t, x):
    return t.matrix_map(lambda m, shape: xp.full_like(m, float(shape is not None)), x)


def _orthogonalize(xp, t, x):
    return t.matrix_map(lambda m, shape: _orthogonalize_one(xp, m, shape), x)


def _row_mean(xp, t, x):
    return t.matrix_map(
        lambda m, shape: xp.broadcast_to(xp.mean(m, axis=1, keepdims=True), m.shape), x
    )


def _col_mean(xp, t, x):
    return t.matrix_map(
        lambda m, shape: xp.broadcast_to(xp.mean(m, axis=0, keepdims=True), m.shape), x
    )


def _rms(xp, t, x):
    return t.map(xp.sqrt, t.tensor_mean(t.map(lambda leaf: leaf * leaf, x)))


# ---- export helpers: jax/optax (a Tree is a pytree) and PyTorch (a Tree is a list) ------------

_JAX_VIEW = '''
def _matrix_view(leaf):
    """``leaf`` as a float32 (or wider) matrix: leading axes are rows, the last axis columns;
    a vector is a column, a scalar 1 x 1."""
    wide = leaf.astype(jnp.promote_types(leaf.dtype, jnp.float32))
    return wide.reshape(-1, leaf.shape[-1]) if leaf.ndim >= 2 else wide.reshape(-1, 1)
'''
_TORCH_VIEW = '''
def _matrix_view(t):
    """``t`` as a float32 (or wider) matrix: leading axes are rows, the last axis columns; a
    vector is a column, a scalar 1 x 1."""
    wide = t.to(torch.promote_types(t.dtype, torch.float32))
    return wide.reshape(-1, t.shape[-1]) if t.dim() >= 2 else wide.reshape(-1, 1)
'''
_NS_TEMPLATE = '''
def _newton_schulz(x):
    """Muon's quintic Newton-Schulz orthogonalisation (5 steps), as optax.contrib.muon does."""
    wide = x.shape[0] > x.shape[1]
    x = x.T if wide else x
    x = x / ({norm}(x) + 1e-08)
    for _ in range(5):
        gram = x @ x.T
        x = 3.4445 * x + (-4.775 * gram + 2.0315 * (gram @ gram)) @ x
    return x.T if wide else x
'''

_JAX_ORTHOGONALIZE = (
    _JAX_VIEW
    + _NS_TEMPLATE.format(norm="jnp.linalg.norm")
    + '''
def _orthogonalize(x):
    """Muon's direction per matrix, scaled by sqrt(max(1, cols / rows)); vectors unchanged."""

    def one(leaf):
        if leaf.ndim < 2:
            return leaf
        m = _matrix_view(leaf)
        scale = max(1.0, m.shape[1] / m.shape[0]) ** 0.5
        return (scale * _newton_schulz(m)).reshape(leaf.shape).astype(leaf.dtype)

    return jax.tree.map(one, x)
'''
)
_TORCH_ORTHOGONALIZE = (
    _TORCH_VIEW
    + _NS_TEMPLATE.format(norm="torch.linalg.matrix_norm")
    + '''
def _orthogonalize(x):
    """Muon's direction per matrix, scaled by sqrt(max(1, cols / rows)); vectors unchanged."""
    out = []
    for t in x:
        if t.dim() < 2:
            out.append(t.clone())
            continue
        m = _matrix_view(t)
        scale = max(1.0, m.shape[1] / m.shape[0]) ** 0.5
        out.append((scale * _newton_schulz(m)).reshape(t.shape).to(t.dtype))
    return out
'''
)


def _mean_helpers(axis: int) -> tuple[str, str]:
    name = "_row_mean" if axis == 1 else "_col_mean"
    what = "each row's mean along the row" if axis == 1 else "each column's mean down the column"
    jax_src = f'''
def {name}(x):
    """{what[0].upper() + what[1:]}, broadcast (a vector is a column)."""

    def one(leaf):
        m = _matrix_view(leaf)
        mean = jnp.broadcast_to(jnp.mean(m, axis={axis}, keepdims=True), m.shape)
        return mean.reshape(leaf.shape).astype(leaf.dtype)

    return jax.tree.map(one, x)
'''
    torch_src = f'''
def {name}(x):
    """{what[0].upper() + what[1:]}, broadcast (a vector is a column)."""
    out = []
    for t in x:
        m = _matrix_view(t)
        mean = torch.mean(m, dim={axis}, keepdim=True).expand_as(m)
        out.append(mean.reshape(t.shape).to(t.dtype).contiguous())  # own memory: may be written
    return out
'''
    return _JAX_VIEW + jax_src, _TORCH_VIEW + torch_src


_ROW_MEAN = _mean_helpers(1)
_COL_MEAN = _mean_helpers(0)


def register(op: Callable) -> None:
    """Add the shape-aware ops to the registry through its ``op(name, kinds, result, jax, sympy,
    export, **fields)`` (``symopt.dsl.ops._op``)."""
    tree = ("Tree",)
    common = {"level": "tree", "matrix": True}
    op(
        "is_matrix", tree, "Tree", _is_matrix,
        lambda sp, x: sp.Function("is_matrix")(x), "_is_matrix({0})",
        helper="""
def _is_matrix(x):
    return jax.tree.map(lambda leaf: jnp.full_like(leaf, 1.0 if leaf.ndim >= 2 else 0.0), x)
""",
        torch_helper="""
def _is_matrix(x):
    return [torch.full_like(t, 1.0 if t.dim() >= 2 else 0.0) for t in x]
""",
        doc="is_matrix(x): 1 on tensors of rank >= 2 (matrices), 0 on vectors and scalars",
        **common,
    )  # fmt: skip
    op(
        "orthogonalize", tree, "Tree", _orthogonalize,
        lambda sp, x: sp.Function("orthogonalize")(x), "_orthogonalize({0})",
        helper=_JAX_ORTHOGONALIZE, torch_helper=_TORCH_ORTHOGONALIZE,
        doc="orthogonalize(x): per matrix (leading axes as rows), Muon's 5 Newton-Schulz steps on "
        "x / (||x||_F + 1e-08) times sqrt(max(1, cols / rows)); vectors unchanged",
        **common,
    )  # fmt: skip
    op(
        "row_mean", tree, "Tree", _row_mean,
        lambda sp, x: sp.Function("row_mean")(x), "_row_mean({0})",
        helper=_ROW_MEAN[0], torch_helper=_ROW_MEAN[1],
        doc="row_mean(x): per matrix, each row's mean broadcast along it; a vector unchanged",
        **common,
    )  # fmt: skip
    op(
        "col_mean", tree, "Tree", _col_mean,
        lambda sp, x: sp.Function("col_mean")(x), "_col_mean({0})",
        helper=_COL_MEAN[0], torch_helper=_COL_MEAN[1],
        doc="col_mean(x): per matrix, each column's mean broadcast down it; a vector: its mean",
        **common,
    )  # fmt: skip
    op(
        "rms", tree, "Tree", _rms,
        lambda sp, x: sp.Function("rms")(x), "_rms({0})",
        level="tree",
        helper="""
def _rms(x):
    def one(leaf):
        wide = leaf.astype(jnp.promote_types(leaf.dtype, jnp.float32))
        return jnp.full_like(leaf, jnp.sqrt(jnp.mean(wide * wide)))

    return jax.tree.map(one, x)
""",
        torch_helper="""
def _rms(x):
    out = []
    for t in x:
        wide = t.to(torch.promote_types(t.dtype, torch.float32))
        out.append(torch.sqrt(torch.mean(wide * wide)).to(t.dtype).expand_as(t).clone())
    return out
""",
        doc="rms(x): each tensor's sqrt(mean(x * x)), broadcast over that tensor",
    )  # fmt: skip
