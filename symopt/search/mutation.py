"""Mutations: insert a random statement, delete one, or modify one argument.

As in the paper's released code: an inserted statement calls a random op (by the search space's
weights) on visible variables or a new constant, and assigns a new variable or an existing one of
the same kind; a modified variable argument becomes another visible variable of a fitting kind; a
modified constant is multiplied by 2^N(0,1) or, with probability ``redraw_prob``, redrawn from
N(0,1). The called op is never changed. A child is kept only when it kind-checks and differs from
its parent; the tries are bounded and counted.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from symopt.dsl.kinds import infer_kinds, param_kinds
from symopt.dsl.ops import OPS, Kind
from symopt.dsl.program import Program, Statement
from symopt.errors import ProgramError
from symopt.search.random_programs import random_statement

MUTATIONS = ("insert", "delete", "modify")


@dataclass(frozen=True)
class MutationConfig:
    """What mutations may do; ``weights`` are relative (``insert``, ``delete``, ``modify``)."""

    op_weights: Mapping[str, float]
    weights: Mapping[str, float] = None  # type: ignore[assignment]
    insert_constant: float = 1.0
    redraw_prob: float = 0.1
    max_statements: int | None = None
    max_tries: int = 100

    def __post_init__(self) -> None:
        if self.weights is None:
            object.__setattr__(self, "weights", dict.fromkeys(MUTATIONS, 1.0))


class MutationFailed(Exception):
    """No valid, different child was found within ``max_tries``."""


@dataclass(frozen=True)
class Mutant:
    """A child, the mutation that made it, and how many tries it took to find a valid one."""

    program: Program
    kind: str
    tries: int


def mutate(rng: random.Random, parent: Program, config: MutationConfig) -> Mutant:
    """A valid child that differs from ``parent``."""
    kinds = [k for k in MUTATIONS if config.weights.get(k, 0) > 0]
    weights = [config.weights[k] for k in kinds]
    for tries in range(1, config.max_tries + 1):
        kind = rng.choices(kinds, weights)[0]
        child = _MUTATORS[kind](rng, parent, config)
        if child is None or child == parent:
            continue
        if config.max_statements is not None and len(child.body) > config.max_statements:
            continue
        try:
            infer_kinds(child)
        except ProgramError:
            continue
        return Mutant(child, kind, tries)
    raise MutationFailed(f"no valid child in {config.max_tries} tries")


def _env_before(program: Program, position: int) -> dict[str, Kind]:
    """The kind of every variable visible just before statement ``position``."""
    env = dict(param_kinds(program))
    kinds = infer_kinds(program)
    for stmt, kind in zip(program.body[:position], kinds, strict=False):
        env[stmt.target] = kind
    return env


def _fresh_name(program: Program) -> str:
    used = set(program.params) | {s.target for s in program.body}
    i = len(program.body)
    while f"v{i}" in used:
        i += 1
    return f"v{i}"


def _insert(rng: random.Random, program: Program, config: MutationConfig) -> Program | None:
    position = rng.randint(0, len(program.body))
    env = _env_before(program, position)
    fresh = _fresh_name(program)
    stmt, kind = random_statement(
        rng, env, config.op_weights, _fixed(config.insert_constant), fresh
    )
    same_kind = [v for v, k in env.items() if k is kind]
    if same_kind and rng.random() < 0.5:
        stmt = Statement(rng.choice(same_kind), stmt.op, stmt.args)
    body = program.body[:position] + (stmt,) + program.body[position:]
    return program.replace_body(body)


def _delete(rng: random.Random, program: Program, config: MutationConfig) -> Program | None:
    if not program.body:
        return None
    position = rng.randrange(len(program.body))
    return program.replace_body(program.body[:position] + program.body[position + 1 :])


def _modify(rng: random.Random, program: Program, config: MutationConfig) -> Program | None:
    candidates = [i for i, s in enumerate(program.body) if s.args]
    if not candidates:
        return None
    position = rng.choice(candidates)
    stmt = program.body[position]
    j = rng.randrange(len(stmt.args))
    arg = stmt.args[j]
    if isinstance(arg, float):
        new = rng.gauss(0, 1) if rng.random() < config.redraw_prob else arg * 2 ** rng.gauss(0, 1)
        new = float(f"{new:.6g}")
        if not math.isfinite(new):
            return None
    else:
        op = OPS[stmt.op]
        env = _env_before(program, position)
        choices = [v for v, k in env.items() if v != arg and op.accepts(j, k)]
        if not choices:
            return None
        new = rng.choice(choices)
    args = stmt.args[:j] + (new,) + stmt.args[j + 1 :]
    body = list(program.body)
    body[position] = Statement(stmt.target, stmt.op, args)
    return program.replace_body(tuple(body))


def _fixed(value: float) -> Callable[[random.Random], float]:
    return lambda rng: value


_MUTATORS = {"insert": _insert, "delete": _delete, "modify": _modify}


def random_walk(rng: random.Random, start: Program, config: MutationConfig, steps: int) -> Program:
    """``start`` after ``steps`` successive mutations: a stream of realistic search candidates."""
    program = start
    for _ in range(steps):
        program = mutate(rng, program, config).program
    return program
