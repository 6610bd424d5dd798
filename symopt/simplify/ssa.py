"""Programs in single-assignment form: every statement defines a fresh name, no parameter is
reassigned, so a rewrite can replace one value everywhere by substituting one name.

The statement DAG is the program itself: a value is a parameter, a statement target or a constant;
``uses`` counts how often each value is read (the returns count as reads).
"""

from __future__ import annotations

from collections import Counter

from symopt.dsl.kinds import infer_kinds, param_kinds
from symopt.dsl.ops import Kind
from symopt.dsl.program import Arg, Program, Statement
from symopt.errors import ProgramError

PREFIX = "_v"


def to_ssa(program: Program) -> Program:
    """The same program with statement ``i`` assigning ``_v{i}``: each name assigned once."""
    env = {p: p for p in program.params}
    body = []
    for i, stmt in enumerate(program.body):
        args = tuple(env[a] if isinstance(a, str) else a for a in stmt.args)
        target = f"{PREFIX}{i}"
        body.append(Statement(target, stmt.op, args))
        env[stmt.target] = target
    returns = tuple(env[r] for r in program.returns)
    return Program(program.params, tuple(body), returns, program.name)


def uses(program: Program) -> Counter[str]:
    """How many times each variable is read, by statements and by the return."""
    counts: Counter[str] = Counter()
    for stmt in program.body:
        counts.update(stmt.variables())
    counts.update(program.returns)
    return counts


def definitions(program: Program) -> dict[str, Statement]:
    return {stmt.target: stmt for stmt in program.body}


def substitute(program: Program, name: str, value: Arg) -> Program | None:
    """Every read of ``name`` becomes ``value``; ``None`` when a return would become a constant."""
    if not isinstance(value, str) and name in program.returns:
        return None
    body = tuple(
        Statement(s.target, s.op, tuple(value if a == name else a for a in s.args))
        for s in program.body
    )
    returns = tuple(value if r == name else r for r in program.returns)
    return Program(program.params, body, returns, program.name)  # type: ignore[arg-type]


def replace_statement(program: Program, new: Statement) -> Program:
    body = tuple(new if s.target == new.target else s for s in program.body)
    return program.replace_body(body)


def kinds_of(program: Program) -> dict[str, Kind] | None:
    """The kind of every variable, or ``None`` when the program does not kind-check."""
    try:
        statement_kinds = infer_kinds(program)
    except ProgramError:
        return None
    env = param_kinds(program)
    env.update((s.target, k) for s, k in zip(program.body, statement_kinds, strict=True))
    return env


def resolve(program: Program) -> tuple:
    """The program as a graph, whatever its names: each read points at a statement or parameter."""
    env: dict[str, tuple] = {p: ("param", i) for i, p in enumerate(program.params)}
    nodes = []
    for i, stmt in enumerate(program.body):
        args = tuple(env.get(a, ("undefined", a)) if isinstance(a, str) else a for a in stmt.args)
        nodes.append((stmt.op, args))
        env[stmt.target] = ("stmt", i)
    returns = tuple(env.get(r, ("undefined", r)) for r in program.returns)
    return tuple(nodes), returns
