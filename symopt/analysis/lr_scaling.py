"""Does a program's update follow its learning rate? The check behind ``fitness.lr_proportional``.

The benchmark tunes a program as it tunes a baseline: by scaling its ``lr`` input over a grid of
factors (EVALUATION.md rule 3), and the task's schedule reaches the program only through that
input. Both act as a learning rate only when the update is proportional to ``lr``:

    update(k * lr) = k * update(lr)        for every step of a trajectory,

which holds for SGD, Adam(W), Lion, Muon and every program whose only use of ``lr`` is to scale
the update (or a state that only scales the update). A program that clips its momentum at
``tan(lr)`` or overwrites ``lr`` with a constant can win on the proxy at its own step size and
then cannot be tuned or annealed anywhere else (the default campaign's winner of 2026-12-03 lost
the held-out CNN this way).

The check runs the pruned program along each probe's checked steps three times, with ``lr``
scaled by 1, 1/32 and 32 (powers of two: scaling is exact in floating point, so a proportional
program passes up to the rounding of its own additions), and compares every step's update with
``k`` times the unscaled one, relative to that step's largest element. The factors span the
benchmark's default sweep (0.03 to 30).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from symopt.analysis.fingerprint import default_probe, run_probe
from symopt.analysis.liveness import Liveness, prune
from symopt.analysis.probes import Probe
from symopt.dsl.program import Program

FACTORS = (1.0 / 32.0, 32.0)
RTOL = 1e-3
_MEMO_LIMIT = 200_000
_MEMO: dict = {}


def lr_disproportion(
    program: Program, info: Liveness, probes: Sequence[Probe] | None, rtol: float = RTOL
) -> str:
    """Why ``program``'s update is not proportional to ``lr`` on ``probes`` (default: the
    synthetic probe), in words, or ``""`` when it is (see the module). Steps whose unscaled
    update is not finite are skipped: the probe rejection speaks for them. Memoised per pruned
    program, as fingerprints are."""
    pruned = prune(program, info)
    probes = tuple(probes) if probes else (default_probe(pruned),)
    key = (pruned, info.states, probes, rtol)
    found = _MEMO.get(key)
    if found is None:
        with np.errstate(all="ignore"):
            found = _disproportion(pruned, info.states, probes, rtol)
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        _MEMO[key] = found
    return found


def _disproportion(pruned: Program, live, probes: tuple[Probe, ...], rtol: float) -> str:
    for probe in probes:
        base = run_probe(pruned, live, probe, probe.checked)[0]
        for k in FACTORS:
            scaled = run_probe(pruned, live, _scaled(probe, k), probe.checked)[0]
            for t, (u, v) in enumerate(zip(base, scaled, strict=True)):
                if not np.isfinite(u).all():
                    continue
                expected = np.float64(k) * u
                bound = rtol * float(np.max(np.abs(expected), initial=0.0))
                error = float(np.max(np.abs(v - expected), initial=0.0))
                if not error <= bound:  # NaN fails too
                    return (
                        f"its update is not proportional to lr: at step {t + 1} of the "
                        f"{probe.name} probe, lr x{k:g} changes the update by x{_ratio(u, v):.3g} "
                        "(not trained: the benchmark tunes a program by scaling its lr)"
                    )
    return ""


def _scaled(probe: Probe, k: float) -> Probe:
    lr = (probe.lr.astype(np.float32) * np.float32(k)).astype(np.float32)
    return Probe(probe.name, probe.w, probe.g, lr, probe.sizes, probe.full_sizes, probe.checked,
                 probe.blocks)  # fmt: skip


def _ratio(u: np.ndarray, v: np.ndarray) -> float:
    """The update's growth as one number: the ratio of the two updates' largest elements."""
    top = float(np.max(np.abs(u), initial=0.0))
    return float(np.max(np.abs(v), initial=0.0)) / top if top else float("inf")
