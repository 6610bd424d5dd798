"""Which family an update rule belongs to, judged by what it does rather than how it is written.

The program runs for ``STEPS`` steps on a small tree (a 3 x 4 matrix, vectors of 5 and 6) with
weights held at zero (so decoupled weight decay drops out), a constant ``lr`` of 1 and small
random gradients, and three questions are asked of its updates:

- **sign-valued**: at every step, every non-zero element of the update has the same magnitude
  (Lion, signSGD, signum: ``lr * sign(...)``);
- **uses history**: the last update changes when only the *earlier* gradients change (a state
  slot carries momentum or a second moment);
- **scale-free**: multiplying every gradient by 10 leaves the updates unchanged (Adam, RMSProp,
  and every sign-valued rule), up to ``eps``-sized terms.

Families: ``sign momentum`` (sign-valued, uses history: Lion's family), ``sign`` (signSGD),
``adaptive`` (scale-free, uses history, not sign-valued: Adam, RMSProp), ``linear`` (updates
scale with the gradient: SGD, momentum), ``other``; and three that say the probe found nothing
to classify: ``invalid`` (the update is not finite), ``inert`` (the update is zero at zero
weights, e.g. pure weight decay) and ``gradient-free`` (the update ignores the gradients).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symopt.analysis.probes import ProbeTrees
from symopt.dsl.program import Program
from symopt.execution.reference import execute

STEPS = 8
_TREES = ProbeTrees((12, 5, 6), (12, 5, 6), blocks=((3, 4, 3, 4), (), ()))  # a 3 x 4 matrix
_SIZE = int(_TREES.sizes.sum())
_RNG = np.random.default_rng(2302_06675)
GRADIENT_SCALE = 0.01
"""Probe gradients are N(0, 0.01^2): found programs often hold ops (``power(70, g)``) that are
harmless at the size of real gradients and overflow at N(0, 1)."""
_G = (GRADIENT_SCALE * _RNG.normal(size=(STEPS, _SIZE))).astype(np.float32)
_OTHER_HISTORY = (GRADIENT_SCALE * _RNG.normal(size=(STEPS, _SIZE))).astype(np.float32)
_RTOL = 1e-3

LABELS = {
    "sign momentum": "sign-based momentum (Lion's family)",
    "sign": "sign of the gradient (signSGD)",
    "adaptive": "scale-free adaptive (Adam / RMSProp family)",
    "linear": "linear in the gradient (SGD / momentum family)",
    "other": "none of the named families",
    "invalid": "not finite on the probe",
    "inert": "no update at zero weights (e.g. pure weight decay)",
    "gradient-free": "does not depend on the gradient",
}


@dataclass(frozen=True)
class Behaviour:
    family: str  # a key of LABELS
    sign_valued: bool
    uses_history: bool
    scale_free: bool

    @property
    def label(self) -> str:
        return LABELS[self.family]


def behaviour(program: Program) -> Behaviour:
    """The :class:`Behaviour` of ``program`` (about a millisecond; numpy only)."""
    base = _updates(program, _G)
    if not all(np.all(np.isfinite(u)) for u in base):
        return Behaviour("invalid", False, False, False)
    if not any(np.any(u != 0) for u in base):
        return Behaviour("inert", False, False, False)
    other = _updates(program, _OTHER_HISTORY)
    if all(_close(a, b) for a, b in zip(other, base, strict=True)):
        return Behaviour("gradient-free", False, False, False)
    history = np.concatenate([_OTHER_HISTORY[:-1], _G[-1:]])
    uses_history = not _close(_updates(program, history)[-1], base[-1])
    scaled = _updates(program, _G * np.float32(10))
    scale_free = all(_close(a, b) for a, b in zip(scaled, base, strict=True))
    doubled = _updates(program, _G * np.float32(2))
    linear = all(_close(a, 2 * b) for a, b in zip(doubled, base, strict=True))
    moving = [u for u in base if np.any(u != 0)]  # a first step of sign(m) with m = 0 is zero
    sign_valued = 2 * len(moving) >= len(base) and all(_one_magnitude(u) for u in moving)
    if sign_valued:
        family = "sign momentum" if uses_history else "sign"
    elif scale_free and uses_history:
        family = "adaptive"
    elif linear:
        family = "linear"
    else:
        family = "other"
    return Behaviour(family, sign_valued, uses_history, scale_free)


def _updates(program: Program, gradients: np.ndarray) -> list[np.ndarray]:
    w = np.zeros(_SIZE, np.float32)
    states = tuple(np.zeros(_SIZE, np.float32) for _ in program.states)
    updates = []
    with np.errstate(all="ignore"):
        for g in gradients:
            update, states = execute(program, np, w, g, states, np.float32(1.0), _TREES)
            updates.append(np.broadcast_to(np.asarray(update, np.float32), (_SIZE,)))
    return updates


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.allclose(a, b, rtol=_RTOL, atol=1e-7 * float(np.max(np.abs(b)) + 1e-30)))


def _one_magnitude(update: np.ndarray) -> bool:
    """Every non-zero element has the same magnitude, and most elements are non-zero."""
    magnitudes = np.abs(update[update != 0])
    if magnitudes.size < update.size // 2:
        return False
    return bool(np.all(np.abs(magnitudes - magnitudes[0]) <= _RTOL * magnitudes[0]))
