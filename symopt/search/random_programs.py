"""Random valid statements and programs: the raw material of insertion and of test streams.

Randomness is passed in as a ``random.Random``; the same generator state gives the same output.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping

from symopt.dsl.kinds import param_kinds
from symopt.dsl.ops import OPS, Kind
from symopt.dsl.program import Arg, Program, Statement


def random_statement(
    rng: random.Random,
    env: Mapping[str, Kind],
    op_weights: Mapping[str, float],
    constant: Callable[[random.Random], float],
    target: str,
    constant_prob: float = 0.25,
) -> tuple[Statement, Kind]:
    """A statement ``target = op(...)`` whose arguments are visible variables or constants.

    ``env`` maps each visible variable to its kind. An argument that accepts a Scalar is a
    new constant with probability ``constant_prob``. Returns the statement and its result kind.
    """
    names = [n for n, w in op_weights.items() if w > 0]
    weights = [op_weights[n] for n in names]
    by_kind = {kind: [v for v, k in env.items() if k is kind] for kind in Kind}
    while True:
        op = OPS[rng.choices(names, weights)[0]]
        args: list[Arg] = []
        kinds: list[Kind] = []
        for position in range(op.arity):
            arg, kind = _random_arg(rng, op, position, by_kind, constant, constant_prob)
            if arg is None:
                break
            args.append(arg)
            kinds.append(kind)
        else:
            return Statement(target, op.name, tuple(args)), op.result_kind(tuple(kinds))


def _random_arg(rng, op, position, by_kind, constant, constant_prob):
    choices = [(v, k) for k in Kind if op.accepts(position, k) for v in by_kind[k]]
    if op.accepts(position, Kind.SCALAR) and (not choices or rng.random() < constant_prob):
        return constant(rng), Kind.SCALAR
    if not choices:
        return None, None
    return rng.choice(choices)


def gaussian_constant(rng: random.Random) -> float:
    """A constant drawn from N(0, 1), rounded to 4 significant digits for readable programs."""
    value = float(f"{rng.gauss(0.0, 1.0):.4g}")
    return value if math.isfinite(value) else 1.0


def random_program(
    rng: random.Random,
    num_statements: int,
    num_states: int = 2,
    op_weights: Mapping[str, float] | None = None,
    constant: Callable[[random.Random], float] = gaussian_constant,
) -> Program:
    """A random valid program with ``num_statements`` statements.

    Targets are fresh variables or reassigned state slots; the update and the new states are
    drawn from the Tree-valued variables, preferring the most recently computed.
    """
    op_weights = op_weights or dict.fromkeys(OPS, 1.0)
    states = tuple(f"s{i}" for i in range(num_states))
    program = Program(("w", "g", *states, "lr"), (), ("g", *states))
    env = dict(param_kinds(program))
    body = []
    for i in range(num_statements):
        target = rng.choice(states) if states and rng.random() < 0.2 else f"x{i}"
        stmt, kind = random_statement(rng, env, op_weights, constant, target)
        if target in states and kind is not Kind.TREE:
            stmt = Statement(f"x{i}", stmt.op, stmt.args)
        body.append(stmt)
        env[stmt.target] = kind
    trees = [s.target for s in body if env[s.target] is Kind.TREE] or ["g"]
    update = trees[-1]
    new_states = tuple(rng.choice(trees[-3:] + list(states)) for _ in states)
    return Program(program.params, tuple(body), (update, *new_states))
