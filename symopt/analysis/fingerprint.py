"""The functional fingerprint: what a program does to probe inputs that look like training.

A program runs on each :class:`~symopt.analysis.probes.Probe` (recorded from the task, or the
synthetic one) for the probe's steps, its state slots starting at zero as in training. The update
of every step and the final value of every live state slot are quantised to ``MANTISSA_BITS`` bits
of mantissa and hashed. Programs that compute the same function share a fingerprint however they
are written (up to rounding that straddles a quantisation step, which only costs a cache miss); a
program whose update is NaN or infinite on a probe is found without training. A probe's weights
after its first step come from another optimizer's trajectory, which the program would not
follow (``arcsin(w)`` is NaN where AdamW moved a norm scale just above 1), so a program is
rejected only when its update is also non-finite with the weights held at the initialisation.

The program is pruned and compiled into a list of numpy calls once, and fingerprints are memoised
per pruned program, so a child that differs from its parent only in dead code costs a dict lookup.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from symopt.analysis.liveness import Liveness, liveness, prune
from symopt.analysis.probes import Probe, needs_blocks, synthetic_probe
from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.numeric import float32

MANTISSA_BITS = 14
_MEMO_LIMIT = 200_000


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    finite: bool  # the update is finite at every checked step of every probe
    reason: str = ""  # why it is not, in words


def _compile(program: Program, trees):
    """``run(w, g, states, lr) -> (update, states)`` for a pruned program: a list of numpy calls
    on a register list (no name lookups, constants converted once)."""
    regs_of = {name: i for i, name in enumerate((program.weight, program.grad, program.lr))}
    regs_of.update((name, 3 + j) for j, name in enumerate(program.states))
    init: list = [None] * len(regs_of)
    consts: dict[float, int] = {}

    def constant(value) -> int:
        value = np.float32(float32(value))
        key = float(value) if value == value else "nan"
        if key not in consts:
            consts[key] = len(init)
            init.append(value)
        return consts[key]

    code = []
    for stmt in program.body:
        op = OPS[stmt.op]
        if op.arity == 0:
            regs_of[stmt.target] = constant(op.jax(np))
            continue
        args = tuple(regs_of[a] if isinstance(a, str) else constant(a) for a in stmt.args)
        fn = (
            functools.partial(op.jax, np, trees)
            if op.level == "tree"
            else functools.partial(op.jax, np)
        )
        regs_of[stmt.target] = len(init)
        init.append(None)
        code.append((fn, args, regs_of[stmt.target]))
    outputs = [regs_of[name] for name in program.returns]
    n_states = program.num_states

    def run(w, g, states, lr):
        regs = list(init)
        regs[0], regs[1], regs[2] = w, g, lr
        regs[3 : 3 + n_states] = states
        for fn, args, dst in code:
            regs[dst] = fn(*[regs[a] for a in args])
        return regs[outputs[0]], [regs[i] for i in outputs[1:]]

    return run


def run_probe(program: Program, live: Sequence[bool], probe: Probe, steps: int | None = None):
    """The pruned ``program``'s update at each of the first ``steps`` steps of ``probe`` (default:
    all) and its final ``live`` states, its state slots starting at zero."""
    run = _compile(program, probe.trees)
    n = probe.size
    states = [np.zeros(n, np.float32)] * program.num_states
    updates = []
    for t in range(probe.steps if steps is None else steps):
        update, states = run(probe.w[t], probe.g[t], states, probe.lr[t])
        updates.append(np.broadcast_to(np.asarray(update, np.float32), (n,)))
    finals = [np.broadcast_to(np.asarray(s, np.float32), (n,)) for s in states]
    return updates, [s for s, keep in zip(finals, live, strict=True) if keep]


def probe_outputs(
    program: Program, info: Liveness | None = None, probe: Probe | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The update at each step of ``probe`` (default: the synthetic one) and the final live
    states (the program is pruned first)."""
    info = info or liveness(program)
    with np.errstate(all="ignore"):
        pruned = prune(program, info)
        return run_probe(pruned, info.states, probe or default_probe(pruned))


def _quantise(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    mantissa, exponent = np.frexp(np.where(finite, values, 0.0))
    q = np.round(mantissa * (1 << MANTISSA_BITS)).astype(np.int64)
    special = np.where(np.isnan(values), 1, np.where(np.isinf(values), 2 + (values > 0), 0))
    return np.stack([q, exponent.astype(np.int64), special])


def _not_finite(updates: list[np.ndarray], probe: Probe) -> str:
    for t, update in enumerate(updates[: probe.checked]):
        bad = ~np.isfinite(update)
        if bad.any():
            what = "NaN" if np.isnan(update[bad]).any() else "infinite"
            return (
                f"the update is {what} at step {t + 1} of the {probe.name} probe "
                f"(lr {float(probe.lr[t]):.3g}, {int(bad.sum())} of {update.size} elements)"
            )
    return ""


_MEMO: dict = {}


def fingerprint(
    program: Program, info: Liveness | None = None, probes: Sequence[Probe] | None = None
) -> Fingerprint:
    """The fingerprint of ``program`` on ``probes`` (default: the synthetic probe).

    ``info`` is ``liveness(program)`` when the caller has it already.
    """
    info = info or liveness(program)
    pruned = prune(program, info)
    probes = tuple(probes) if probes else (default_probe(pruned),)
    key = (pruned, info.states, probes)
    found = _MEMO.get(key)
    if found is None:
        found = _fingerprint(pruned, info.states, probes)
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        _MEMO[key] = found
    return found


def default_probe(pruned: Program) -> Probe:
    """The synthetic probe, with matrix blocks when the program has a matrix op."""
    return synthetic_probe(blocks=needs_blocks(stmt.op for stmt in pruned.body))


def _fingerprint(pruned: Program, live: tuple[bool, ...], probes: tuple[Probe, ...]):
    digest = hashlib.blake2b(digest_size=12)
    reason = ""
    with np.errstate(all="ignore"):
        for probe in probes:
            updates, states = run_probe(pruned, live, probe)
            if not reason and _not_finite(updates, probe):
                reason = _not_finite(run_probe(pruned, live, probe.at_init)[0], probe.at_init)
            values = np.concatenate([*updates, *states]) if updates else np.zeros(0, np.float32)
            digest.update(_quantise(values).tobytes())
    return Fingerprint(digest.hexdigest(), not reason, reason)
