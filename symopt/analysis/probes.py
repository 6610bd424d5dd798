"""Probe inputs: the weights, gradients and learning rates on which a program is judged untrained.

A fingerprint (``symopt.analysis.fingerprint``) and the probe rejection are only as sound as these
inputs are like training. A :class:`Probe` is ``STEPS`` steps of weights ``w``, gradients ``g`` and
learning rates ``lr``, on a *sample* of each tensor of a real model:

- **recorded** from a task (:func:`record_probe`): the task's initial weights and the gradients of
  its first ``STEPS`` training steps under AdamW, on real batches. Biases and norm offsets start at
  exactly 0, norm scales at exactly 1, rows of an embedding that a batch did not touch get exactly
  0 gradient: the sample keeps such elements.
- **synthetic** (:func:`synthetic_probe`, used when no task is named): an MLP-shaped tree with
  He-initialised weights, zero biases and gradients of realistic size (1e-4–1e-1, some exactly 0).

Learning rates span the whole schedule: the task's schedule read at ``STEPS`` evenly spaced
points, from the first warm-up step (about 1/W) through the peak to the last step (about 0).

After those steps come ``len(FAR)`` **far** steps (``FAR``): one with the last gradients
rescaled to an RMS of 1 (where rare large gradient elements of real training lie: ``arccos(g)``
is NaN there), one with the last weights scaled by 30 (where a program that wrecks training
drives them). Each stretches one input only and moderately, so that most programs stay finite
there and differences show.
Two programs that agree near a model's initialisation but not there (``max(1, w * w)`` and
``1``) train differently once the weights have run away, so the far steps count in the
fingerprint; they do not count for the probe rejection (a NaN there is a property of a blow-up,
not of the rule).

Each tensor is represented by ``PER_TENSOR`` sampled elements. Reductions (``norm``,
``global_norm``, ``dot``, ``cosine_sim``, ``clip``) weight each sampled element by
``tensor size / sample size`` (:class:`ProbeTrees`), so they see the magnitudes of the whole
model (a global norm of 10^2 on a 10^4-parameter model, not of 5 on a 27-element toy) while a
probe step costs a few microseconds per op.

**Matrix blocks.** The shape-aware ops (``symopt.dsl.matrix_ops``: ``orthogonalize``,
``row_mean``, ``col_mean``, ``is_matrix``) cannot be computed on scattered elements: they need
rows and columns. A probe recorded with ``blocks=True`` samples each tensor of rank >= 2 as a
**block**: ``BLOCK`` rows by ``BLOCK`` columns of its matrix view (leading axes as rows; all of a
smaller dimension), the sample kept in row-major order, so ``row_mean`` averages real rows,
``orthogonalize`` runs Newton-Schulz on a real ``r x c`` sub-matrix (rescaled to the whole
matrix's element scale) and the low rank of a layer's gradient (a sum of a batch's outer products)
shows in the block. At least a quarter of the rows, when the matrix has any, are rows whose first
gradient is exactly 0 (the embedding rows a batch did not touch). Vectors and scalars are sampled as
before. A block is a sub-matrix, not the whole one: its orthogonalisation is not a block of the
whole matrix's, but a deterministic function of real rows and columns, so programs that differ
in a matrix op still part and equal programs still collide, while a probe step stays a few
microseconds per op (the whole matrices would cost the size of the model per op). Probes without
blocks (every probe of a search space without matrix ops) are exactly what they were, so their
fingerprints do not change; a matrix op on such a probe is an error, never a silent guess.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from symopt.dsl.matrix_ops import matrix_shape
from symopt.errors import SymoptError

STEPS = 10
FAR = ((1.0, 1.0, 1.0), (30.0, None, 0.5))  # (weight scale, gradient RMS or None, lr) per step
PER_TENSOR = 32
BLOCK = 8  # rows and columns of a matrix's sampled block (blocks=True)
REFERENCE_PEAK = 1e-3  # AdamW's peak learning rate while the gradients are recorded
_SAMPLE_SEED = 20230213


class ProbeTrees:
    """The tree algebra of a probe: a Tree is one flat vector of sampled elements, tensor by tensor.

    ``sum`` and ``tensor_sum`` estimate the sums over the *whole* tensors: each sampled element
    counts ``full size / sample size`` times.
    """

    def __init__(self, sizes: tuple[int, ...], full_sizes: tuple[int, ...], blocks=None) -> None:
        self.sizes = np.asarray(sizes)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        scale = np.asarray(full_sizes, np.float64) / self.sizes
        self.weights = np.repeat(scale, self.sizes).astype(np.float32)
        self.blocks = blocks

    def map(self, fn, *trees):
        return fn(*trees)

    def sum(self, tree):
        tree = np.broadcast_to(np.asarray(tree, np.float32), self.weights.shape)
        return np.float32(np.dot(tree, self.weights))

    def tensor_sum(self, tree):
        tree = np.broadcast_to(np.asarray(tree, np.float32), self.weights.shape)
        sums = np.add.reduceat(tree * self.weights, self.starts)
        return np.repeat(sums, self.sizes).astype(np.float32)

    def tensor_mean(self, tree):
        tree = np.broadcast_to(np.asarray(tree, np.float32), self.weights.shape)
        means = np.add.reduceat(tree, self.starts) / self.sizes
        return np.repeat(means, self.sizes).astype(np.float32)

    def matrix_map(self, fn, tree):
        """``fn`` on each matrix's sampled block (see the module docstring); vectors as columns."""
        if self.blocks is None:
            raise SymoptError(
                "a matrix op (orthogonalize, row_mean, col_mean, is_matrix) needs a probe "
                "recorded with matrix blocks (record_probe(task, blocks=True)); this one holds "
                "scattered elements"
            )
        tree = np.broadcast_to(np.asarray(tree, np.float32), self.weights.shape)
        pieces = []
        for start, size, block in zip(self.starts, self.sizes, self.blocks, strict=True):
            piece = tree[start : start + size]
            if block:
                pieces.append(fn(piece.reshape(block[:2]), tuple(block[2:])).reshape(-1))
            else:
                pieces.append(fn(piece.reshape(-1, 1), None).reshape(-1))
        return np.concatenate(pieces).astype(np.float32)


@dataclass(frozen=True, eq=False)
class Probe:
    """``w``, ``g``: float32 ``[steps, n]``; ``lr``: float32 ``[steps]``; ``sizes``: sampled
    elements per tensor (contiguous, in order); ``full_sizes``: each tensor's real size; the
    update must be finite on the first ``checked`` steps (the rest are far steps); ``blocks``:
    ``None`` for scattered samples, else per tensor ``(r, c, rows, cols)`` (an ``r x c`` block of
    a ``rows x cols`` matrix view, row-major) or ``()`` for a vector or scalar."""

    name: str
    w: np.ndarray
    g: np.ndarray
    lr: np.ndarray
    sizes: tuple[int, ...]
    full_sizes: tuple[int, ...]
    checked: int
    blocks: tuple[tuple[int, ...], ...] | None = None

    @property
    def steps(self) -> int:
        return int(self.lr.shape[0])

    @property
    def size(self) -> int:
        return int(self.w.shape[1])

    @cached_property
    def trees(self) -> ProbeTrees:
        return ProbeTrees(self.sizes, self.full_sizes, self.blocks)

    @cached_property
    def at_init(self) -> Probe:
        """This probe with the weights of every checked step held at the first step's (the
        initialisation every program starts from): the probe rejection's second look."""
        w = self.w.copy()
        w[: self.checked] = self.w[0]
        return Probe(f"{self.name} (weights at init)", w, self.g, self.lr, self.sizes,
                     self.full_sizes, self.checked, self.blocks)  # fmt: skip

    @cached_property
    def digest(self) -> str:
        """A hash of the probe's contents: part of every shared-cache key."""
        h = hashlib.blake2b(digest_size=8)
        sizes = (np.asarray(self.sizes), np.asarray(self.full_sizes), np.asarray(self.checked))
        for array in (self.w, self.g, self.lr, *sizes):
            h.update(np.ascontiguousarray(array).tobytes())
        if self.blocks is not None:  # probes without blocks keep the digests they always had
            h.update(_blocks_array(self.blocks).tobytes())
        return h.hexdigest()

    def to_bytes(self) -> bytes:
        """The probe as an ``.npz`` file's contents (:meth:`load` reads it back)."""
        buffer = io.BytesIO()
        blocks = {} if self.blocks is None else {"blocks": _blocks_array(self.blocks)}
        np.savez(buffer, name=self.name, w=self.w, g=self.g, lr=self.lr,
                 sizes=np.asarray(self.sizes), full_sizes=np.asarray(self.full_sizes),
                 checked=np.asarray(self.checked), **blocks)  # fmt: skip
        return buffer.getvalue()

    @classmethod
    def load(cls, path: Path | str) -> Probe:
        with np.load(path) as data:
            blocks = None
            if "blocks" in data:
                blocks = tuple(
                    tuple(int(v) for v in row) if row[0] else () for row in data["blocks"]
                )
            return cls(
                str(data["name"]), data["w"], data["g"], data["lr"],
                tuple(int(s) for s in data["sizes"]), tuple(int(s) for s in data["full_sizes"]),
                int(data["checked"]), blocks,
            )  # fmt: skip


def _blocks_array(blocks) -> np.ndarray:
    """``blocks`` as an int64 ``[tensors, 4]`` array, a row of zeros for a vector or scalar."""
    return np.asarray([block or (0, 0, 0, 0) for block in blocks], np.int64).reshape(-1, 4)


def with_far_steps(name, w, g, lr, sizes, full_sizes, blocks=None) -> Probe:
    """A probe of the steps given, followed by the far steps (``FAR``)."""
    far_w = [w[-1] * scale for scale, _, _ in FAR]
    rms = float(np.sqrt(np.mean(np.square(g[-1], dtype=np.float64)))) or 1.0
    far_g = [g[-1] * (1.0 if target is None else target / rms) for _, target, _ in FAR]
    return Probe(
        name,
        np.concatenate([w, far_w]).astype(np.float32),
        np.concatenate([g, far_g]).astype(np.float32),
        np.concatenate([lr, [rate for _, _, rate in FAR]]).astype(np.float32),
        tuple(sizes), tuple(full_sizes), len(lr), blocks,
    )  # fmt: skip


def schedule_points(schedule, num_steps: int, steps: int = STEPS) -> np.ndarray:
    """The schedule at its first step, at its peak (exactly: ``arctanh(lr)`` is infinite there
    and nowhere else), then at ``steps - 2`` evenly spaced steps after the peak to the last.

    ``schedule`` maps an array of steps to the learning-rate multipliers."""
    values = np.asarray(schedule(np.arange(num_steps)), np.float32)
    peak = int(np.argmax(values))
    after = np.rint(np.linspace(peak, num_steps - 1, steps - 1)[1:]).astype(np.int64)
    return values[np.concatenate([[0, peak], after])]


def needs_blocks(ops) -> bool:
    """Whether programs made of the op names ``ops`` need probes with matrix blocks."""
    from symopt.dsl.ops import OPS

    return any(OPS[name].matrix for name in ops)


def _sample(rng: np.random.Generator, g0: np.ndarray, k: int) -> np.ndarray:
    """``k`` element indices of one tensor (all when it is small); at least a quarter of them,
    when the tensor has any, where the first gradient is exactly 0."""
    n = g0.size
    if n <= k:
        return np.arange(n)
    zeros = np.flatnonzero(g0 == 0)
    take_zero = min(len(zeros), k // 4)
    chosen = set(rng.choice(zeros, take_zero, replace=False).tolist()) if take_zero else set()
    rest = np.setdiff1d(np.arange(n), np.fromiter(chosen, np.int64, len(chosen)))
    chosen.update(rng.choice(rest, k - take_zero, replace=False).tolist())
    return np.sort(np.fromiter(chosen, np.int64, k))


def _block(rng: np.random.Generator, g0: np.ndarray, k: int = BLOCK):
    """The flat indices of a ``k x k`` block (all of a smaller dimension) of the matrix ``g0``
    (row-major) and its ``(r, c, rows, cols)``; at least a quarter of the rows, when it has any,
    are rows of exact zeros."""
    rows = _sample(rng, np.abs(g0).sum(axis=1), k)
    cols = _sample(rng, np.ones(g0.shape[1]), k)
    flat = (rows[:, None] * g0.shape[1] + cols[None, :]).ravel()
    return flat, (len(rows), len(cols), *g0.shape)


def _picks(rng, g0s, shapes, per_tensor: int, blocks: bool):
    """Per tensor: the sampled flat indices, and its block (``()`` when scattered)."""
    picks, found = [], []
    for g0, shape in zip(g0s, shapes, strict=True):
        view = matrix_shape(tuple(shape)) if blocks else None
        if view is None:
            picks.append(_sample(rng, g0, per_tensor))
            found.append(())
        else:
            flat, block = _block(rng, g0.reshape(view))
            picks.append(flat)
            found.append(block)
    return picks, (tuple(found) if blocks else None)


@functools.lru_cache(maxsize=16)
def record_probe(
    task, steps: int = STEPS, per_tensor: int = PER_TENSOR, blocks: bool = False
) -> Probe:
    """Record a probe from ``task``: its initial weights and AdamW's first ``steps`` steps;
    with ``blocks``, each matrix is sampled as a block (see the module docstring).

    Deterministic for a given task (its seed fixes the initialisation and the batches); recorded
    once per process.
    """
    import jax
    import optax

    from proxy_tasks.user import label

    params = task.init_params()
    leaves, treedef = jax.tree.flatten(params)
    optimizer = optax.adamw(task.lr_schedule(REFERENCE_PEAK), weight_decay=0.0)
    data = task.train_data()

    @jax.jit
    def step(params, opt_state, index):
        grads = jax.grad(task.loss)(params, task.get_batch(data, index))
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, grads

    opt_state = optimizer.init(params)
    ws, gs = [], []
    for t in range(steps):
        ws.append([np.asarray(x, np.float32).ravel() for x in treedef.flatten_up_to(params)])
        params, opt_state, grads = step(params, opt_state, t)
        gs.append([np.asarray(x, np.float32).ravel() for x in treedef.flatten_up_to(grads)])
    rng = np.random.default_rng(_SAMPLE_SEED)
    picks, found = _picks(rng, gs[0], [x.shape for x in leaves], per_tensor, blocks)
    w = np.stack([np.concatenate([t[i] for t, i in zip(ws_t, picks, strict=True)]) for ws_t in ws])
    g = np.stack([np.concatenate([t[i] for t, i in zip(gs_t, picks, strict=True)]) for gs_t in gs])
    lr = schedule_points(task.schedule, task.num_steps, steps)
    name = f"{label(task.name)}@{task.size}" + (f"/seed{task.seed}" if task.seed else "")
    sizes, full = tuple(len(i) for i in picks), tuple(x.size for x in leaves)
    return with_far_steps(name, w, g, lr, sizes, full, found)


def _synthetic(blocks: bool) -> Probe:
    rng = np.random.default_rng(_SAMPLE_SEED)
    layers = ((64, 128), (128,), (128, 10), (10,))
    found = tuple(
        (min(s[0], BLOCK), min(s[1], BLOCK), *s) if blocks and len(s) == 2 else () for s in layers
    )
    sizes = tuple(
        b[0] * b[1] if b else min(int(np.prod(s)), PER_TENSOR)
        for s, b in zip(layers, found, strict=True)
    )
    full = tuple(int(np.prod(s)) for s in layers)
    w0 = np.concatenate([
        rng.normal(0.0, np.sqrt(2.0 / s[0]), n) if len(s) == 2 else np.zeros(n)
        for s, n in zip(layers, sizes, strict=True)
    ])  # fmt: skip
    g_scale = np.exp(rng.uniform(np.log(1e-4), np.log(1e-1), w0.size))
    zero_grad = rng.random(w0.size) < 0.1
    g = rng.normal(size=(STEPS, w0.size)) * g_scale * ~zero_grad
    w = w0 - np.cumsum(1e-4 * np.sign(g), axis=0) + 1e-4 * np.sign(g[0])
    lr = schedule_points(_unit_schedule(300, 30), 300)
    name = "synthetic (matrix blocks)" if blocks else "synthetic"
    return with_far_steps(name, w, g, lr, sizes, full, found if blocks else None)


def _unit_schedule(num_steps: int, warmup: int):
    def schedule(t: np.ndarray) -> np.ndarray:
        cosine = 0.5 * (1 + np.cos(np.pi * np.clip(t - warmup, 0, None) / (num_steps - warmup)))
        return np.where(t < warmup, (t + 1) / warmup, cosine)

    return schedule


def _unit(blocks: bool) -> Probe:
    rng = np.random.default_rng(_SAMPLE_SEED)
    sizes = (12, 5, 6)
    w = rng.normal(size=(4, sum(sizes))).astype(np.float32)
    g = rng.normal(size=(4, sum(sizes))).astype(np.float32)
    lr = np.float32([0.3, 0.7, 1.0, 0.55])
    if blocks:  # the first tensor is a whole 3 x 4 matrix
        return Probe("unit (matrix)", w, g, lr, sizes, sizes, 4, ((3, 4, 3, 4), (), ()))
    return Probe("unit", w, g, lr, sizes, sizes, 4)


_BUILT: dict[str, Probe] = {}


def synthetic_probe(blocks: bool = False) -> Probe:
    """The probe used when no task is named (built once per process); with ``blocks``, its
    matrices are sampled as blocks (see the module docstring)."""
    key = "synthetic blocks" if blocks else "synthetic"
    if key not in _BUILT:
        _BUILT[key] = _synthetic(blocks)
    return _BUILT[key]


def unit_probe(blocks: bool = False) -> Probe:
    """Four steps of N(0, 1) weights and gradients on three tiny tensors, learning rates
    0.3–1: where the protected epsilon and underflow are negligible. The simplifier checks its
    algebraic rewrites here; it is *not* a regime that looks like training. With ``blocks``, its
    first tensor is a 3 x 4 matrix for the matrix ops."""
    key = "unit blocks" if blocks else "unit"
    if key not in _BUILT:
        _BUILT[key] = _unit(blocks)
    return _BUILT[key]
