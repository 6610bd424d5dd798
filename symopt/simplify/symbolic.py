"""Statements as sympy expressions, and proofs that two expressions are equal.

Values read from outside the expression are real symbols, constants are exact rationals of their
decimal spelling, every op contributes its registry ``sympy`` form (tree-level ops stay opaque
functions) and the protected epsilon is the positive symbol ``eps``. Two expressions are equal
``exactly`` when sympy simplifies their difference to 0, and ``up to eps`` when it does so once
``eps`` is 0 (where the difference is undefined at eps = 0, e.g. at x = 0 in ``x / |x|``, it
must vanish everywhere else).
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from symopt.dsl.ops import OPS
from symopt.dsl.program import Arg, Statement

EPS_SYMBOL = sp.Symbol("eps", positive=True)
EXACT = "exactly"
UP_TO_EPS = "up to eps"


def constant(value: float) -> sp.Expr:
    return sp.Rational(repr(float(value)))


def expression(
    stmt: Statement, defs: Mapping[str, Statement], inside: set[str], symbols: dict
) -> sp.Expr:
    """``stmt`` as an expression, expanding the statements named in ``inside``."""

    def arg(a: Arg) -> sp.Expr:
        if not isinstance(a, str):
            return constant(a)
        if a in inside:
            return expression(defs[a], defs, inside, symbols)
        if a not in symbols:
            symbols[a] = sp.Symbol(a, real=True)
        return symbols[a]

    return OPS[stmt.op].sympy(sp, *(arg(a) for a in stmt.args))


def prove_equal(a: sp.Expr, b: sp.Expr) -> str | None:
    """``EXACT``, ``UP_TO_EPS`` or ``None`` when sympy cannot show that ``a`` equals ``b``."""
    try:
        difference = sp.simplify(a - b)
        if difference == 0:
            return EXACT
        if _vanishes(difference.subs(EPS_SYMBOL, 0)) or _vanishes((a - b).subs(EPS_SYMBOL, 0)):
            return UP_TO_EPS
    except (TypeError, ValueError, RecursionError, NotImplementedError):
        return None
    return None


def _vanishes(expr: sp.Expr) -> bool:
    """0, or a piecewise expression that is 0 wherever it is defined."""
    expr = sp.simplify(expr)
    if expr == 0:
        return True
    if isinstance(expr, sp.Piecewise):
        values = [sp.simplify(value) for value, _ in expr.args]
        return any(v == 0 for v in values) and all(v == 0 or v is sp.nan for v in values)
    return False
