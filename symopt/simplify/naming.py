"""Descriptive variable names for a simplified program.

The update is ``update`` and a state slot's new value takes the slot's name, as in the seeds; a
value read once, by a statement that already has a name, takes that name too (the ``update =
update * lr`` chains of the seeds); a parameter rescaled in place keeps its name (``lr = lr *
0.001``); other values are named after what they compute (``g2 = square(g)``, ``sqrt_v``,
``sign_c``) or numbered ``t1``, ``t2``, .... Every choice is kept only when the program still reads
the same values (``resolve`` is unchanged), so renaming never changes what a program computes.
"""

from __future__ import annotations

from symopt.dsl.ops import OPS
from symopt.dsl.program import Program, Statement
from symopt.simplify.ssa import resolve, uses

MAX_NAME = 12


def rename(program: Program) -> Program:
    """``program`` (single-assignment form) with descriptive targets, statements in order."""
    graph = resolve(program)
    taken = set(program.params)
    names = [_fresh("t", taken, i + 1) for i in range(len(program.body))]
    user_of = _single_users(program)

    def attempt(i: int, name: str) -> bool:
        if not name.isidentifier() or len(name) > MAX_NAME or name == names[i]:
            return False
        trial = names.copy()
        trial[i] = name
        if resolve(_with_names(program, trial)) != graph:
            return False
        names[i] = name
        return True

    for i in range(len(program.body) - 1, -1, -1):
        for name in _output_names(program, program.body[i].target):
            if attempt(i, name):
                break
        else:
            j = user_of.get(program.body[i].target)
            if j is not None:
                attempt(i, names[j])
    for i in range(len(program.body)):
        if _is_temp(names[i]):
            stmt = _with_names(program, names).body[i]
            for name in _descriptive(stmt, program.params):
                if attempt(i, name):
                    break
    return _renumber(program, names, graph)


def _fresh(stem: str, taken: set[str], start: int) -> str:
    k = start
    while f"{stem}{k}" in taken:
        k += 1
    return f"{stem}{k}"


def _single_users(program: Program) -> dict[str, int]:
    """Each value read once, as the first variable of a statement: the index of that statement."""
    counts = uses(program)
    users: dict[str, int] = {}
    for j, stmt in enumerate(program.body):
        variables = stmt.variables()
        if variables and counts[variables[0]] == 1:
            users[variables[0]] = j
    return users


def _output_names(program: Program, target: str) -> list[str]:
    names = []
    if program.returns[0] == target:
        names.append("update")
    names += [s for s, r in zip(program.states, program.returns[1:], strict=True) if r == target]
    return names


def _descriptive(stmt: Statement, params: tuple[str, ...]) -> list[str]:
    variables = stmt.variables()
    if not variables:
        return []
    x = variables[0]
    if _is_temp(x):
        return []
    op = OPS[stmt.op]
    if op.arity == 1 and len(stmt.args) == 1:
        if stmt.op == "square":
            return [f"{x}2"]
        if stmt.op == "negative":
            return [f"neg_{x}"]
        return [f"{stmt.op}_{x}"]
    if x == params[-1] and isinstance(stmt.args[0], str):
        return [x]  # the learning rate rescaled in place, as in the seeds
    return []


def _with_names(program: Program, names: list[str]) -> Program:
    """Rename statement ``i``'s target to ``names[i]``, rewiring reads and returns to match."""
    env = {p: p for p in program.params}
    body = []
    for stmt, name in zip(program.body, names, strict=True):
        args = tuple(env.get(a, a) if isinstance(a, str) else a for a in stmt.args)
        body.append(Statement(name, stmt.op, args))
        env[stmt.target] = name
    returns = tuple(env.get(r, r) for r in program.returns)
    return Program(program.params, tuple(body), returns, program.name)


def _renumber(program: Program, names: list[str], graph: tuple) -> Program:
    """Number the remaining ``t`` temporaries 1, 2, ... in order of appearance."""
    taken = set(program.params) | {n for n in names if not _is_temp(n)}
    k = 0
    final = names.copy()
    for i, name in enumerate(names):
        if _is_temp(name):
            k += 1
            final[i] = _fresh("t", taken, k)
            taken.add(final[i])
    renamed = _with_names(program, final)
    return renamed if resolve(renamed) == graph else _with_names(program, names)


def _is_temp(name: str) -> bool:
    return name.startswith("t") and name[1:].isdigit()
