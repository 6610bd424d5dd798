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
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

STEPS = 10
FAR = ((1.0, 1.0, 1.0), (30.0, None, 0.5))  # (weight scale, gradient RMS or None, lr) per step
PER_TENSOR = 32
REFERENCE_PEAK = 1e-3  # AdamW's peak learning rate while the gradients are recorded
_SAMPLE_SEED = 20230213


class ProbeTrees:
    """The tree algebra of a probe: a Tree is one flat vector of sampled elements, tensor by tensor.

    ``sum`` and ``tensor_sum`` estimate the sums over the *whole* tensors: each sampled element
    counts ``full size / sample size`` times.
    """

    def __init__(self, sizes: tuple[int, ...], full_sizes: tuple[int, ...]) -> None:
        self.sizes = np.asarray(sizes)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        scale = np.asarray(full_sizes, np.float64) / self.sizes
        self.weights = np.repeat(scale, self.sizes).astype(np.float32)

    def map(self, fn, *trees):
        return fn(*trees)

    def sum(self, tree):
        tree = np.broadcast_to(np.asarray(tree, np.float32), self.weights.shape)
        return np.float32(np.dot(tree, self.weights))

    def tensor_sum(self, tree):
        tree = np.broadcast_to(np.asarray(tree, np.float32), self.weights.shape)
        sums = np.add.reduceat(tree * self.weights, self.starts)
        return np.repeat(sums, self.sizes).astype(np.float32)


@dataclass(frozen=True, eq=False)
class Probe:
    """``w``, ``g``: float32 ``[steps, n]``; ``lr``: float32 ``[steps]``; ``sizes``: sampled
    elements per tensor (contiguous, in order); ``full_sizes``: each tensor's real size; the
    update must be finite on the first ``checked`` steps (the rest are far steps)."""

    name: str
    w: np.ndarray
    g: np.ndarray
    lr: np.ndarray
    sizes: tuple[int, ...]
    full_sizes: tuple[int, ...]
    checked: int

    @property
    def steps(self) -> int:
        return int(self.lr.shape[0])

    @property
    def size(self) -> int:
        return int(self.w.shape[1])

    @cached_property
    def trees(self) -> ProbeTrees:
        return ProbeTrees(self.sizes, self.full_sizes)

    @cached_property
    def at_init(self) -> Probe:
        """This probe with the weights of every checked step held at the first step's (the
        initialisation every program starts from): the probe rejection's second look."""
        w = self.w.copy()
        w[: self.checked] = self.w[0]
        return Probe(f"{self.name} (weights at init)", w, self.g, self.lr, self.sizes,
                     self.full_sizes, self.checked)  # fmt: skip

    @cached_property
    def digest(self) -> str:
        """A hash of the probe's contents: part of every shared-cache key."""
        h = hashlib.blake2b(digest_size=8)
        sizes = (np.asarray(self.sizes), np.asarray(self.full_sizes), np.asarray(self.checked))
        for array in (self.w, self.g, self.lr, *sizes):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()

    def to_bytes(self) -> bytes:
        """The probe as an ``.npz`` file's contents (:meth:`load` reads it back)."""
        buffer = io.BytesIO()
        np.savez(buffer, name=self.name, w=self.w, g=self.g, lr=self.lr,
                 sizes=np.asarray(self.sizes), full_sizes=np.asarray(self.full_sizes),
                 checked=np.asarray(self.checked))  # fmt: skip
        return buffer.getvalue()

    @classmethod
    def load(cls, path: Path | str) -> Probe:
        with np.load(path) as data:
            return cls(
                str(data["name"]), data["w"], data["g"], data["lr"],
                tuple(int(s) for s in data["sizes"]), tuple(int(s) for s in data["full_sizes"]),
                int(data["checked"]),
            )  # fmt: skip


def with_far_steps(name, w, g, lr, sizes, full_sizes) -> Probe:
    """A probe of the steps given, followed by the far steps (``FAR``)."""
    far_w = [w[-1] * scale for scale, _, _ in FAR]
    rms = float(np.sqrt(np.mean(np.square(g[-1], dtype=np.float64)))) or 1.0
    far_g = [g[-1] * (1.0 if target is None else target / rms) for _, target, _ in FAR]
    return Probe(
        name,
        np.concatenate([w, far_w]).astype(np.float32),
        np.concatenate([g, far_g]).astype(np.float32),
        np.concatenate([lr, [rate for _, _, rate in FAR]]).astype(np.float32),
        tuple(sizes), tuple(full_sizes), len(lr),
    )  # fmt: skip


def schedule_points(schedule, num_steps: int, steps: int = STEPS) -> np.ndarray:
    """The schedule at its first step, at its peak (exactly: ``arctanh(lr)`` is infinite there
    and nowhere else), then at ``steps - 2`` evenly spaced steps after the peak to the last.

    ``schedule`` maps an array of steps to the learning-rate multipliers."""
    values = np.asarray(schedule(np.arange(num_steps)), np.float32)
    peak = int(np.argmax(values))
    after = np.rint(np.linspace(peak, num_steps - 1, steps - 1)[1:]).astype(np.int64)
    return values[np.concatenate([[0, peak], after])]


def _sample(rng: np.random.Generator, g0: np.ndarray, k: int) -> np.ndarray:
    """``k`` element indices of one tensor (all when it is small); a quarter of them, when the
    tensor has any, where the first gradient is exactly 0."""
    n = g0.size
    if n <= k:
        return np.arange(n)
    zeros = np.flatnonzero(g0 == 0)
    take_zero = min(len(zeros), k // 4)
    chosen = set(rng.choice(zeros, take_zero, replace=False).tolist()) if take_zero else set()
    rest = np.setdiff1d(np.arange(n), np.fromiter(chosen, np.int64, len(chosen)))
    chosen.update(rng.choice(rest, k - take_zero, replace=False).tolist())
    return np.sort(np.fromiter(chosen, np.int64, k))


@functools.lru_cache(maxsize=16)
def record_probe(task, steps: int = STEPS, per_tensor: int = PER_TENSOR) -> Probe:
    """Record a probe from ``task``: its initial weights and AdamW's first ``steps`` steps.

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
    picks = [_sample(rng, g0, per_tensor) for g0 in gs[0]]
    w = np.stack([np.concatenate([t[i] for t, i in zip(ws_t, picks, strict=True)]) for ws_t in ws])
    g = np.stack([np.concatenate([t[i] for t, i in zip(gs_t, picks, strict=True)]) for gs_t in gs])
    lr = schedule_points(task.schedule, task.num_steps, steps)
    name = f"{label(task.name)}@{task.size}" + (f"/seed{task.seed}" if task.seed else "")
    sizes, full = tuple(len(i) for i in picks), tuple(x.size for x in leaves)
    return with_far_steps(name, w, g, lr, sizes, full)


def _synthetic() -> Probe:
    rng = np.random.default_rng(_SAMPLE_SEED)
    layers = ((64, 128), (128,), (128, 10), (10,))
    sizes = tuple(min(int(np.prod(s)), PER_TENSOR) for s in layers)
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
    return with_far_steps("synthetic", w, g, lr, sizes, full)


def _unit_schedule(num_steps: int, warmup: int):
    def schedule(t: np.ndarray) -> np.ndarray:
        cosine = 0.5 * (1 + np.cos(np.pi * np.clip(t - warmup, 0, None) / (num_steps - warmup)))
        return np.where(t < warmup, (t + 1) / warmup, cosine)

    return schedule


def _unit() -> Probe:
    rng = np.random.default_rng(_SAMPLE_SEED)
    sizes = (12, 5, 6)
    w = rng.normal(size=(4, sum(sizes))).astype(np.float32)
    g = rng.normal(size=(4, sum(sizes))).astype(np.float32)
    return Probe("unit", w, g, np.float32([0.3, 0.7, 1.0, 0.55]), sizes, sizes, 4)


_BUILT: dict[str, Probe] = {}


def synthetic_probe() -> Probe:
    """The probe used when no task is named (built once per process)."""
    if "synthetic" not in _BUILT:
        _BUILT["synthetic"] = _synthetic()
    return _BUILT["synthetic"]


def unit_probe() -> Probe:
    """Four steps of N(0, 1) weights and gradients on three tiny tensors, learning rates
    0.3–1: where the protected epsilon and underflow are negligible. The simplifier checks its
    algebraic rewrites here; it is *not* a regime that looks like training."""
    if "unit" not in _BUILT:
        _BUILT["unit"] = _unit()
    return _BUILT["unit"]
