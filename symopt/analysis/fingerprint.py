"""The functional fingerprint: what a program does to fixed probe inputs over several steps.

The probe is a small parameter tree (tensors of shapes 4x3, 5 and 2x3, held as one flat float32
vector so that every op is one numpy call) and ``STEPS`` steps of fixed random weights and
gradients with a varying learning rate, state slots starting at zero as in training. The updates
of every step and the final value of every live state slot are quantised to ``MANTISSA_BITS``
bits of mantissa and hashed. Programs that compute the same function share a fingerprint however
they are written (up to rounding that straddles a quantisation step, which only costs a cache
miss); a program whose update is NaN or infinite on the probe is found without training.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from symopt.analysis.liveness import Liveness, liveness, prune
from symopt.dsl.program import Program
from symopt.execution.reference import execute

SHAPES = ((4, 3), (5,), (2, 3))
STEPS = 4
LEARNING_RATES = (0.3, 0.7, 1.0, 0.55)
MANTISSA_BITS = 14


class FlatNumpyTrees:
    """A Tree is one flat numpy vector; ``tensor_sum`` sums each tensor's contiguous segment."""

    def __init__(self, shapes=SHAPES) -> None:
        sizes = [int(np.prod(s)) for s in shapes]
        self.starts = np.cumsum([0, *sizes[:-1]])
        self.sizes = np.array(sizes)

    def map(self, fn, *trees):
        return fn(*trees)

    def sum(self, tree):
        return np.sum(tree, dtype=np.float32)

    def tensor_sum(self, tree):
        return np.repeat(np.add.reduceat(tree, self.starts), self.sizes).astype(np.float32)


_TREES = FlatNumpyTrees()
_SIZE = int(sum(np.prod(s) for s in SHAPES))
_RNG = np.random.default_rng(20230213)
_W = _RNG.normal(size=(STEPS, _SIZE)).astype(np.float32)
_G = _RNG.normal(size=(STEPS, _SIZE)).astype(np.float32)


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    finite: bool  # the update is finite at every probe step


def probe_outputs(
    program: Program, info: Liveness | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The update at each probe step and the final live states (the program is pruned first)."""
    info = info or liveness(program)
    live = info.states
    program = prune(program, info)
    states = tuple(np.zeros(_SIZE, np.float32) for _ in program.states)
    updates = []
    with np.errstate(all="ignore"):
        for t in range(STEPS):
            lr = np.float32(LEARNING_RATES[t])
            update, states = execute(program, np, _W[t], _G[t], states, lr, _TREES)
            updates.append(np.broadcast_to(np.asarray(update, np.float32), (_SIZE,)))
    return updates, [s for s, keep in zip(states, live, strict=True) if keep]


def _quantise(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    mantissa, exponent = np.frexp(np.where(finite, values, 0.0))
    q = np.round(mantissa * (1 << MANTISSA_BITS)).astype(np.int64)
    special = np.where(np.isnan(values), 1, np.where(np.isinf(values), 2 + (values > 0), 0))
    return np.stack([q, exponent.astype(np.int64), special])


def fingerprint(program: Program, info: Liveness | None = None) -> Fingerprint:
    """``info`` is ``liveness(program)`` when the caller has it already."""
    updates, states = probe_outputs(program, info)
    finite = all(bool(np.all(np.isfinite(u))) for u in updates)
    values = np.concatenate([np.asarray(v, np.float32) for v in (*updates, *states)])
    digest = hashlib.blake2b(_quantise(values).tobytes(), digest_size=12)
    return Fingerprint(digest.hexdigest(), finite)
