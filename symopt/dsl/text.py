"""The text format of programs: a subset of Python parsed with ``ast``, never executed.

::

    def train(w, g, m, v, lr):
        g2 = square(g)
        m = interp(g, m, 0.9)
        ...
        return update, m, v

Every statement assigns one op call to one variable; arguments are variables or float literals
(``-0.5`` included). ``a + b``, ``a - b``, ``a * b``, ``a / b`` and ``-a`` spell ``add``, ``sub``,
``mul``, ``div`` and ``negative``. A docstring and comments are allowed and are not kept.
Printing then parsing gives back the same program.
"""

from __future__ import annotations

import math
from pathlib import Path

from symopt.dsl.kinds import infer_kinds
from symopt.dsl.ops import OPS
from symopt.dsl.parser import Parser
from symopt.dsl.program import Arg, Program, Statement
from symopt.errors import ProgramError

# ---- printing ---------------------------------------------------------------------------------


def format_arg(arg: Arg) -> str:
    return arg if isinstance(arg, str) else repr(float(arg))


def format_call(stmt: Statement) -> str:
    """The right-hand side of a statement as program text."""
    op = OPS[stmt.op]
    args = [format_arg(a) for a in stmt.args]
    if op.name == "negative":
        (arg,) = stmt.args
        return (
            f"-({args[0]})"
            if isinstance(arg, float) and math.copysign(1, arg) < 0
            else f"-{args[0]}"
        )
    if op.infix:
        return f"{args[0]} {op.infix} {args[1]}"
    return f"{op.name}({', '.join(args)})"


def to_text(program: Program) -> str:
    """Program text, one statement a line, ending with a newline."""
    lines = [f"def {program.name}({', '.join(program.params)}):"]
    lines += [f"    {s.target} = {format_call(s)}" for s in program.body]
    lines.append(f"    return {', '.join(program.returns)}")
    return "\n".join(lines) + "\n"


# ---- parsing ----------------------------------------------------------------------------------


def read_program(path: str | Path) -> Program:
    """Parse the program in the file at ``path``; every problem is a one-line ``ProgramError``."""
    source = str(path)  # as the user spelt it
    path = Path(path)
    try:
        if not path.exists():
            raise ProgramError("no such file", source=source)
        if path.is_dir():
            raise ProgramError("is a directory, not a program file", source=source)
        data = path.read_bytes()
    except OSError as err:
        raise ProgramError(f"cannot read the file ({err.strerror})", source=source) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ProgramError(
            f"not UTF-8 text: byte 0x{data[err.start]:02x} on line {line} cannot be decoded; "
            "save the file as UTF-8",
            source=source,
        ) from None
    return parse(text, source=source)


def parse(text: str, source: str = "") -> Program:
    """Parse and check program text; raises ``ProgramError`` naming line, column and problem."""
    parser = Parser(text, source)
    program = parser.program()
    try:
        infer_kinds(program)
    except ProgramError as err:
        raise parser.locate(err) from None
    return program
