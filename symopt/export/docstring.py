"""The parts of an exported module's docstring that both targets share.

The update rule is written as the generated code computes it: protected forms spelled out
(``m / (sqrt(abs(v)) + 1e-08)``), ``interp`` expanded, constants by their hyperparameter names,
and the whole-tree ops defined below the rule. Then the hyperparameters with their defaults and
roles, the learning rate and where its default comes from, and the provenance.
"""

from __future__ import annotations

import textwrap

from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.export.hyperparams import Naming

WIDTH = 92  # docstring lines, indented by 4, stay within 96 characters

TREE_OPS = {
    "norm": "norm(x): each tensor's L2 norm, broadcast over that tensor",
    "global_norm": "global_norm(x) = sqrt(sum of x * x over every element of every tensor)",
    "dot": "dot(a, b) = sum of a * b over every element of every tensor",
    "cosine_sim": "cosine_sim(a, b) = dot(a, b) / (global_norm(a) * global_norm(b) + 1e-08)",
    "clip": "clip(x, c) = x * min(1, c / (global_norm(x) + 1e-08))",
}


def constant_text(value: float) -> str:
    return repr(float(value))


def maths_lines(program: Program, naming: Naming, lr: str = "learning_rate") -> list[str]:
    """The update rule, one assignment a line, as computed (see the module docstring); ``lr``
    is how the export's learning rate is spelled."""
    lines = [f"{program.lr} = {lr}"] if naming.learning_rate.statement is None else []
    for i, stmt in enumerate(program.body):
        if i == naming.learning_rate.statement:
            lines.append(f"{stmt.target} = {lr}")
            continue
        op = OPS[stmt.op]
        args = [a if isinstance(a, str) else naming.at[(i, j)] for j, a in enumerate(stmt.args)]
        if op.arity == 0:
            expr = constant_text(float(op.export))
        elif op.level == "tree":
            expr = f"{op.name}({', '.join(args)})"
        else:
            expr = op.export.replace("jnp.", "").format(*args)
        lines.append(f"{stmt.target} = {expr}")
    lines.append(f"return {', '.join(program.returns)}")
    defined = {name: TREE_OPS.get(name) or OPS[name].doc for name in OPS}
    used = dict.fromkeys(s.op for s in program.body if defined[s.op])
    if used:
        lines += ["", "where (whole-tree ops)"]
        for name in used:
            lines += textwrap.wrap(defined[name], WIDTH, subsequent_indent="    ")
    return lines


def hyperparameter_lines(naming: Naming, lr_name: str = "learning_rate") -> list[str]:
    """``name = default``: role, one a line, the learning rate (named ``lr_name``) first."""
    lr = naming.learning_rate
    source = lr.source.replace("learning_rate", lr_name)
    entries = [f"{lr_name} = {constant_text(lr.default)}: {source}."]
    entries += [f"{h.name} = {constant_text(h.default)}: {h.role}." for h in naming.hyperparameters]
    lines = []
    for entry in entries:
        lines += textwrap.wrap(entry, WIDTH, subsequent_indent="    ", break_long_words=False)
    return lines


def wrap(text: str) -> str:
    """``text`` as lines of at most ``WIDTH + 4`` characters (a docstring paragraph)."""
    return "\n".join(textwrap.wrap(text, WIDTH + 4, break_long_words=False))


def lr_range_line(naming: Naming) -> str:
    """The natural range of learning rates, stated for the reader."""
    lr = constant_text(naming.learning_rate.default)
    return (
        f"Natural learning rates: around the default {lr}; for a new model sweep a few "
        f"factors of it, as symopt's benchmark does (0.03x to 30x)."
    )


def indent(lines: list[str], n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else "" for line in lines)
