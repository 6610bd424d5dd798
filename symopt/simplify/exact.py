"""Exact simplification: rewrites that keep what a program computes.

1. Dead code across steps goes (``symopt.analysis.liveness.prune``), then every state slot whose
   incoming value is never read: it carries nothing from step to step, so its parameter and its
   return are dropped.
2. In single-assignment form, the rules of ``symopt.simplify.rules`` are tried one candidate at a
   time; a candidate is kept only when it kind-checks, is simpler once dead code is pruned
   (``cost``: fewer statements or, as many, a shallower dataflow graph), and its probe outputs
   (``probe_outputs`` on the unit-scale probe, where the protected epsilon is negligible: the
   update over several steps and the final live states) match the input program's to ``RTOL``.
   Each kept step is logged with its reason, including when it holds only up to the protected
   epsilon.
3. Variables get descriptive names (``symopt.simplify.naming``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from symopt.analysis.fingerprint import probe_outputs
from symopt.analysis.liveness import liveness, prune
from symopt.analysis.probes import needs_blocks, unit_probe
from symopt.dsl.program import Program
from symopt.dsl.text import format_call
from symopt.simplify.naming import rename
from symopt.simplify.rules import (
    Context,
    collapse_cone,
    fold_constants,
    fold_interp,
    merge_scalings,
)
from symopt.simplify.ssa import kinds_of, to_ssa
from symopt.simplify.symbolic import UP_TO_EPS

RTOL = 1e-4
EPS_FRACTION = 0.05
RULES = (fold_constants, fold_interp, merge_scalings, collapse_cone)
Log = Callable[[str], None]


class SimplifyError(RuntimeError):
    """A simplified program failed its final check (a bug in a rule, never the user's input)."""


def probes(program: Program) -> dict[str, list[np.ndarray]]:
    """Probe outputs by name: ``"update"`` (every step) and each live state slot (final value)."""
    blocks = needs_blocks(stmt.op for stmt in program.body)
    updates, states = probe_outputs(program, probe=unit_probe(blocks))
    live = [s for s, keep in zip(program.states, liveness(program).states, strict=True) if keep]
    out = {"update": updates}
    out.update((name, [value]) for name, value in zip(live, states, strict=True))
    return out


def probe_difference(reference: dict, candidate: dict) -> np.ndarray:
    """Each probe entry's difference relative to the reference's scale (``inf`` where NaN, Inf
    or a missing output disagree)."""
    out = []
    for name, values in reference.items():
        if name not in candidate:
            continue  # a state slot that became dead: it no longer reaches the update
        for ref, new in zip(values, candidate[name], strict=True):
            ref, new = np.broadcast_arrays(np.asarray(ref, np.float64), np.asarray(new, np.float64))
            finite = np.isfinite(ref) & np.isfinite(new)
            same = (ref == new) | (np.isnan(ref) & np.isnan(new))
            scale = np.abs(ref) + 1e-3 * np.max(np.abs(ref[finite]), initial=0.0) + 1e-30
            with np.errstate(all="ignore"):
                diff = np.where(finite, np.abs(ref - new) / scale, np.where(same, 0.0, np.inf))
            out.append(diff.ravel())
    return np.concatenate(out) if out else np.zeros(0)


def agreement(difference: np.ndarray, up_to_eps: bool) -> tuple[bool, str]:
    """Whether probes agree, and how well, in words.

    An exact step must agree everywhere to ``RTOL``. A step that holds up to the protected epsilon
    may differ where a value is within a few epsilon-scaled units of 0 (``x / (|x| + eps)`` is
    ``sign(x)`` except for tiny ``x``): it must agree on all but ``EPS_FRACTION`` of the entries.
    """
    if difference.size == 0:
        return True, "no probe outputs"
    worst = float(np.max(difference))
    if worst <= RTOL:
        return True, f"probes agree (max relative difference {worst:.1e})"
    close = float(np.mean(difference <= RTOL))
    if up_to_eps and close >= 1 - EPS_FRACTION:
        return True, (
            f"probes agree to {RTOL:g} on {close:.1%} of entries; the rest differ through the "
            f"epsilon (max relative difference {worst:.1e})"
        )
    return False, f"probes differ (max relative difference {worst:.1e})"


def drop_dead_states(program: Program, log: Log | None = None) -> Program:
    """``program`` (pruned) without the state slots that carry nothing between steps."""
    live = liveness(program).states
    if all(live):
        return program
    params = [program.weight, program.grad]
    returns = [program.returns[0]]
    for name, ret, keep in zip(program.states, program.returns[1:], live, strict=True):
        if keep:
            params.append(name)
            returns.append(ret)
        elif log:
            log(
                f"dropped state slot `{name}`: its incoming value is never read (it is "
                "overwritten before use or feeds nothing live), so it carries nothing between "
                "steps; its parameter and its return go"
            )
    params.append(program.lr)
    return Program(tuple(params), program.body, tuple(returns), program.name)


def remove_dead_code(program: Program, log: Log | None = None) -> Program:
    """Prune dead statements (logging each with its position) and drop dead state slots."""
    info = liveness(program)
    if log:
        for i in info.dead_statements:
            stmt = program.body[i]
            log(
                f"dead code: statement {i + 1} `{stmt.target} = {format_call(stmt)}` never "
                "reaches the update or a live state's next value (liveness across steps)"
            )
    return drop_dead_states(prune(program), log)


def cost(program: Program) -> tuple[int, int]:
    """``(statements, total depth)``, compared in that order; a kept rewrite lowers it, so the
    exact pass ends. A statement's depth is 1 + the largest depth of the statements it reads
    (parameters and constants: 0). Folding ``m = interp(g, c, b)`` with ``c = interp(g, m, a)``
    into ``m = interp(g, m, a*b)`` keeps ``c`` when the update reads it too, so the count is
    unchanged, but ``m`` no longer waits on ``c``: the depth falls."""
    depth: dict[str, int] = {}
    for stmt in program.body:
        depth[stmt.target] = 1 + max((depth.get(a, 0) for a in stmt.variables()), default=0)
    return len(program.body), sum(depth.values())


def simplify_exact(program: Program, log: Log = print) -> Program:
    """The shortest equivalent program the rules find, with descriptive names."""
    reference = probes(program)
    current = to_ssa(remove_dead_code(program, log))
    up_to_eps = False
    while True:
        step = _one_step(current, reference, up_to_eps)
        if step is None:
            break
        current, rewrite, how = step
        up_to_eps = up_to_eps or rewrite.exactness == UP_TO_EPS
        log(f"{rewrite.reason}; {how}")
    result = rename(current)
    _check(result, reference, len(program.body), up_to_eps)
    return result


def _one_step(current: Program, reference: dict, up_to_eps: bool):
    ctx = Context(current)
    for rule in RULES:
        for rewrite in rule(ctx):
            candidate = drop_dead_states(prune(rewrite.program))
            if cost(candidate) >= cost(current) or kinds_of(candidate) is None:
                continue
            loose = up_to_eps or rewrite.exactness == UP_TO_EPS
            ok, how = agreement(probe_difference(reference, probes(candidate)), loose)
            if ok:
                return candidate, rewrite, how
    return None


def _check(program: Program, reference: dict, input_length: int, up_to_eps: bool) -> None:
    if kinds_of(program) is None:
        raise SimplifyError("the simplified program does not kind-check")
    if len(program.body) > input_length:
        raise SimplifyError("the simplified program is longer than its input")
    ok, how = agreement(probe_difference(reference, probes(program)), up_to_eps)
    if not ok:
        raise SimplifyError(f"the simplified program differs from its input: {how}")
