"""Kind inference: which values are Trees (shaped like the parameters) and which are Scalars.

``w``, ``g`` and every state slot are Trees; ``lr`` and constants are Scalars. An element-wise op
returns a Tree when any argument is a Tree. The update and every returned state must be Trees.
"""

from __future__ import annotations

import difflib

from symopt.dsl.ops import OPS, Kind
from symopt.dsl.program import Program
from symopt.errors import ProgramError


def param_kinds(program: Program) -> dict[str, Kind]:
    """The kind of each parameter by name."""
    kinds = dict.fromkeys(program.params[:-1], Kind.TREE)
    kinds[program.lr] = Kind.SCALAR
    return kinds


def infer_kinds(program: Program) -> tuple[Kind, ...]:
    """The kind of each statement's result; raises ``ProgramError`` if the program is invalid.

    Errors carry ``statement`` (index into the body; ``len(body)`` means the return) and ``arg``
    (argument or return position) so that the parser can point at the line and column.
    """
    if len(program.params) < 3:
        raise ProgramError(
            f"a program takes at least 3 parameters (w, g, lr), got {len(program.params)}",
            statement=-1,
        )
    if len(set(program.params)) != len(program.params):
        raise ProgramError("parameter names must be distinct", statement=-1)
    env = param_kinds(program)
    result: list[Kind] = []
    for i, stmt in enumerate(program.body):
        kind = _statement_kind(stmt, env, i, program)
        env[stmt.target] = kind
        result.append(kind)
    _check_returns(program, env)
    return tuple(result)


def _statement_kind(stmt, env: dict[str, Kind], index: int, program: Program) -> Kind:
    op = OPS.get(stmt.op)
    if op is None:
        close = difflib.get_close_matches(stmt.op, OPS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ProgramError(f"unknown op '{stmt.op}'{hint}", statement=index)
    if len(stmt.args) != op.arity:
        if op.arity == 0:
            takes = "takes no arguments"
        else:
            plural = "argument" if op.arity == 1 else "arguments"
            takes = f"takes {op.arity} {plural} ({', '.join(op.arg_names)})"
        # too many: point at the first extra argument; too few: at the call
        extra = op.arity if len(stmt.args) > op.arity else None
        raise ProgramError(f"'{op.name}' {takes}, got {len(stmt.args)}", statement=index, arg=extra)
    arg_kinds = []
    for j, arg in enumerate(stmt.args):
        if isinstance(arg, str):
            kind = env.get(arg)
            if kind is None:
                raise ProgramError(
                    _undefined(arg, env, program.body[index + 1 :]), statement=index, arg=j
                )
        else:
            kind = Kind.SCALAR
        if not op.accepts(j, kind):
            shown = f"'{arg}'" if isinstance(arg, str) else f"the constant {arg!r}"
            raise ProgramError(
                f"'{op.name}' needs a {op.kinds[j]} as argument {j + 1} ({op.arg_names[j]}), "
                f"but {shown} is a {kind.value}",
                statement=index,
                arg=j,
            )
        arg_kinds.append(kind)
    return op.result_kind(tuple(arg_kinds))


def _undefined(name: str, env: dict[str, Kind], later) -> str:
    """The message for a read of ``name``, which is not defined at this point."""
    if any(stmt.target == name for stmt in later):
        return f"variable '{name}' is used before it is assigned (it is assigned further down)"
    close = difflib.get_close_matches(name, env, n=1)
    if close:
        return f"undefined variable '{name}'; did you mean '{close[0]}'?"
    return f"undefined variable '{name}': it is neither a parameter nor assigned above"


def _check_returns(program: Program, env: dict[str, Kind]) -> None:
    where = len(program.body)
    expected = ("update", *program.states)
    names = ", ".join(expected)
    if len(program.returns) < len(expected):
        missing = expected[len(program.returns)]
        raise ProgramError(
            f"state slot '{missing}' is not returned: the return must list "
            f"{len(expected)} values ({names}), got {len(program.returns)}",
            statement=where,
        )
    if len(program.returns) > len(expected):
        why = (
            "the update, then the new value of each state slot"
            if program.states
            else "this program has no state slots"
        )
        raise ProgramError(
            f"the return lists {len(program.returns)} values, expected {len(expected)} "
            f"({names}): {why}",
            statement=where,
            arg=len(expected),
        )
    for j, name in enumerate(program.returns):
        kind = env.get(name)
        if kind is None:
            close = difflib.get_close_matches(name, env, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ProgramError(
                f"variable '{name}' is returned but never assigned{hint}", statement=where, arg=j
            )
        if kind is not Kind.TREE:
            what = (
                "the update" if j == 0 else f"the new value of state slot '{program.states[j - 1]}'"
            )
            raise ProgramError(
                f"{what} must be a Tree, but '{name}' is a Scalar", statement=where, arg=j
            )
