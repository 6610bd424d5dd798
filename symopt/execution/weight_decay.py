"""Decoupled weight decay added to a program, so the benchmark can tune a program's weight decay
as it tunes AdamW's.

AdamW's update carries ``lr * wd * w``; the benchmark tunes AdamW over lr *and* wd, while a
program's own weight decay is whatever constant the search left in it (often none). Comparing a
program tuned over lr alone against AdamW tuned over both handicaps the program wherever weight
decay matters (EVALUATION.md rule 3: every optimizer tuned alike). ``with_decay(program, rate)``
adds ``lr * rate * w`` to the program's update, ``lr`` and ``w`` read before the program's body
runs (so a body that reassigns them changes nothing, and an lr factor prepended by
:func:`symopt.execution.lr_factors.at_factor` scales the decay as it scales AdamW's). ``rate`` is
in the units of the program's ``lr`` input, whose peak is 1: for a program whose step is
``1e-3 * lr``, as the seeds write it, rate ``1e-4`` is AdamW's weight decay 0.1. A rate of 0
leaves the program as written. Three statements longer, not a new compilation.
"""

from __future__ import annotations

import math

from symopt.dsl.program import Program, Statement

PROGRAM_WEIGHT_DECAYS: tuple[float, ...] = (0.0, 1e-5, 1e-4)
"""The benchmark's default decay rates for a program: AdamW's grid {0, 0.01, 0.1} for a program
whose step is ``1e-3 * lr`` (the seeds' scale)."""


def with_decay(program: Program, rate: float) -> Program:
    """``program`` whose update also carries ``lr * rate * w`` (itself for rate 0)."""
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"a weight decay rate must be finite and >= 0, got {rate!r}")
    if rate == 0.0:
        return program
    taken = set(program.params) | {stmt.target for stmt in program.body}
    scale, decay, update = (_fresh(base, taken) for base in ("decay_lr", "decay", "decayed"))
    first = (
        Statement(scale, "mul", (program.lr, float(rate))),
        Statement(decay, "mul", (program.weight, scale)),
    )
    last = Statement(update, "add", (program.returns[0], decay))
    return Program(program.params, (*first, *program.body, last),
                   (update, *program.returns[1:]), program.name)  # fmt: skip


def _fresh(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name
