"""The structural hash: what a program computes, as a graph, whatever its variable names.

After dead code is removed (across steps), every live value is named by the op that makes it and
the names of its arguments; the arguments of commutative ops (``add``, ``mul``, ``max``, ``min``,
``dot``, ``cosine_sim``) are sorted. Inputs are named by position (``w``, ``g``, ``s0``, ...,
``lr``) and constants by their float32 value. So renamed variables, dead statements, reordered
independent statements and commuted arguments give the same hash; the hash does not see algebra
(``x * 2`` and ``x + x`` differ): that is the functional fingerprint's job.
"""

from __future__ import annotations

import hashlib

from symopt.analysis.liveness import liveness, prune
from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.numeric import float32


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def structural_hash(program: Program) -> str:
    live_states = liveness(program).states
    program = prune(program)
    env = {program.weight: "w", program.grad: "g", program.lr: "lr"}
    env.update((name, f"s{j}") for j, name in enumerate(program.states))
    for stmt in program.body:
        args = [env[a] if isinstance(a, str) else repr(float(float32(a))) for a in stmt.args]
        if OPS[stmt.op].commutative:
            args.sort()
        env[stmt.target] = _digest(f"{stmt.op}({','.join(args)})")
    outputs = [env[program.returns[0]]]
    outputs += [
        env[r] if live else "-" for r, live in zip(program.returns[1:], live_states, strict=True)
    ]
    return _digest("|".join(outputs))
