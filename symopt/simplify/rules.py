"""Local rewrite rules on a single-assignment program; each proposes candidates with a reason.

A rule never decides alone: the driver (``symopt.simplify.exact``) keeps a candidate only when it
kind-checks and its probe outputs match the input program's. The rules:

- ``fold_constants``: a statement whose arguments are all constants is computed once, in float32
  as the interpreter would, and its value written into its users' arguments (a program cannot
  assign a bare constant);
- ``fold_interp``: ``interp`` of an ``interp`` with constant weights is one ``interp``
  (``interp(x, y, a) = (1-a)x + ay``): ``(1-b)((1-a)x + ay) + by = (1-c)x + cy`` with
  ``c = a + b - ab``, and ``(1-b)x + b((1-a)x + ay) = (1-ab)x + aby``, i.e.
  ``interp(x, interp(x, y, a), b) = interp(x, y, a*b)``. The inner ``interp`` may have other
  users: it then stays for them, and the outer one reads ``x`` and ``y`` directly (the Lion form:
  ``c = interp(g, m, a)`` feeds both the update and ``m = interp(g, c, b)``, which becomes
  ``m = interp(g, m, a*b)``);
- ``merge_scalings``: a chain of constant scalings (``x * a``, ``x / a``, ``-x``) is one ``x * c``;
- ``collapse_cone``: a statement together with the statements that feed only it (its "cone",
  up to ``MAX_CONE``) is replaced by one of its inputs or by a single op on its inputs and
  constants when sympy proves them equal (``x * 1``, ``x + 0``, ``x / sqrt(x * x)`` ->
  ``sign(x)``, ``-(-x)``, ...). Candidates are screened numerically before sympy is asked.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from symopt.dsl.ops import EPS, OPS
from symopt.dsl.program import Arg, Program, Statement
from symopt.dsl.text import format_arg
from symopt.simplify.naming import rename
from symopt.simplify.ssa import definitions, replace_statement, substitute, uses
from symopt.simplify.symbolic import EXACT, expression, prove_equal

MAX_CONE = 4
ROUNDING = "up to float32 rounding of the combined constant"
_CANDIDATE_OPS = [
    op for op in OPS.values() if op.level == "leaf" and op.arity in (1, 2) and op.name != "negative"
]


def float32(value) -> float:
    """``value`` rounded to float32, as the shortest decimal that reads back to it (``inf`` past
    float32's range, without numpy's overflow warning)."""
    with np.errstate(over="ignore"):
        return float(str(np.float32(value)))


def representable(value: float) -> bool:
    """Whether a combined constant can stand in program text, which has no spelling for ``inf``
    or ``nan``: ``g * 1e30 * 1e30`` stays as it is rather than become ``g * inf``."""
    return bool(np.isfinite(value))


@dataclass(frozen=True)
class Rewrite:
    program: Program
    reason: str
    exactness: str


@dataclass
class Context:
    """One single-assignment program and what the rules need to know about it."""

    program: Program
    defs: dict[str, Statement] = field(init=False)
    counts: dict[str, int] = field(init=False)
    names: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.defs = definitions(self.program)
        self.counts = uses(self.program)
        named = rename(self.program)
        self.names = {
            s.target: n.target for s, n in zip(self.program.body, named.body, strict=True)
        }

    def show(self, a: Arg) -> str:
        return self.names.get(a, a) if isinstance(a, str) else format_arg(a)

    def call(self, op: str, args: tuple[Arg, ...], inside: frozenset[str] = frozenset()) -> str:
        """``op(args)`` as program text, expanding the statements named in ``inside``."""
        shown = []
        for a in args:
            if isinstance(a, str) and a in inside:
                d = self.defs[a]
                text = self.call(d.op, d.args, inside)
                shown.append(f"({text})" if OPS[d.op].infix and OPS[op].infix else text)
            else:
                shown.append(self.show(a))
        spec = OPS[op]
        if op == "negative":
            return f"-{shown[0]}"
        if spec.infix:
            return f"{shown[0]} {spec.infix} {shown[1]}"
        return f"{op}({', '.join(shown)})"

    def line(self, stmt: Statement) -> str:
        return f"{self.show(stmt.target)} = {self.call(stmt.op, stmt.args)}"

    def single_use(self, a: Arg) -> bool:
        return isinstance(a, str) and a in self.defs and self.counts[a] == 1


# ---- constant folding --------------------------------------------------------------------------


def fold_constants(ctx: Context) -> Iterator[Rewrite]:
    for stmt in ctx.program.body:
        op = OPS[stmt.op]
        if op.level != "leaf" or stmt.variables():
            continue
        with np.errstate(all="ignore"):
            value = float32(op.jax(np, *(np.float32(a) for a in stmt.args)))
        if not representable(value):
            continue
        candidate = substitute(ctx.program, stmt.target, value)
        if candidate is not None:
            reason = (
                f"constant folding: `{ctx.line(stmt)}` has only constant arguments; "
                f"its value {value!r} (float32, as the interpreter computes it) goes into its users"
            )
            yield Rewrite(candidate, reason, EXACT)


# ---- interp of interp --------------------------------------------------------------------------


def fold_interp(ctx: Context) -> Iterator[Rewrite]:
    for stmt in ctx.program.body:
        if stmt.op != "interp" or isinstance(stmt.args[2], str):
            continue
        u, v, b = stmt.args
        for inner_name in (u, v):
            if inner_name not in ctx.defs or u == v:
                continue
            inner = ctx.defs[inner_name]  # type: ignore[index]
            if inner.op != "interp" or isinstance(inner.args[2], str):
                continue
            x, y, a = inner.args
            combo = _linear(u, v, b, {inner_name: {x: 1.0 - _f32(a), y: _f32(a)}})
            if len(combo) != 2 or x == y or set(combo) != {x, y}:
                continue
            c = float32(combo[y])
            if not representable(c):
                continue
            new = Statement(stmt.target, "interp", (x, y, c))
            kept = (
                ""
                if ctx.single_use(inner_name)
                else (f"; `{ctx.show(inner_name)}` stays for its other users")
            )
            reason = (
                f"interp of interp with constant weights: "
                f"`{ctx.call(stmt.op, stmt.args, frozenset({inner_name}))}` is "
                f"`{ctx.call('interp', (x, y, c))}` ((1-b)((1-a)x+ay)+by is linear in x, y "
                f"with weights summing to 1; {ROUNDING}){kept}"
            )
            yield Rewrite(replace_statement(ctx.program, new), reason, ROUNDING)


def _f32(value: Arg) -> float:
    """A constant as the interpreter holds it (float32), so a combined weight is computed from
    the weights the program really uses: ``1 - a*b`` is small for Lion's betas, and the decimal
    ``a*b`` would be off from the float32 one in that difference."""
    return float(np.float32(value))


def _linear(u: Arg, v: Arg, b: Arg, known: dict) -> dict:
    """``(1-b) u + b v`` as ``{value: coefficient}``, expanding the combinations in ``known``."""
    combo: dict = {}
    b = _f32(b)
    for arg, weight in ((u, 1.0 - b), (v, b)):
        for name, coef in known.get(arg, {arg: 1.0}).items():
            combo[name] = combo.get(name, 0.0) + weight * coef
    return combo


# ---- chains of constant scalings ---------------------------------------------------------------


def _scaling(stmt: Statement) -> tuple[str, float] | None:
    """``(x, c)`` when ``stmt`` computes ``c * x`` for a constant ``c``."""
    a = stmt.args
    if stmt.op == "mul" and isinstance(a[0], str) != isinstance(a[1], str):
        return (a[0], float(a[1])) if isinstance(a[0], str) else (a[1], float(a[0]))  # type: ignore[return-value]
    if stmt.op == "div" and isinstance(a[0], str) and not isinstance(a[1], str):
        return a[0], 1.0 / (float(a[1]) + EPS)
    if stmt.op == "negative" and isinstance(a[0], str):
        return a[0], -1.0
    return None


def merge_scalings(ctx: Context) -> Iterator[Rewrite]:
    for stmt in ctx.program.body:
        outer = _scaling(stmt)
        if outer is None or not ctx.single_use(outer[0]):
            continue
        inner = _scaling(ctx.defs[outer[0]])
        if inner is None:
            continue
        x, factor = inner[0], float32(inner[1] * outer[1])
        if not representable(factor):
            continue
        if factor == 1.0:
            candidate = substitute(ctx.program, stmt.target, x)
            new_text = ctx.show(x)
        else:
            new = Statement(stmt.target, "negative", (x,)) if factor == -1.0 else None
            new = new or Statement(stmt.target, "mul", (x, factor))
            candidate = replace_statement(ctx.program, new)
            new_text = ctx.call(new.op, new.args)
        if candidate is None:
            continue
        shown = ctx.call(stmt.op, stmt.args, frozenset({outer[0]}))
        reason = f"chain of constant scalings: `{shown}` is `{new_text}` ({ROUNDING})"
        yield Rewrite(candidate, reason, ROUNDING)


# ---- a statement and its cone collapse to one op -------------------------------------------------


def collapse_cone(ctx: Context) -> Iterator[Rewrite]:
    """Later statements first, so that the largest cone collapses before its parts do."""
    for stmt in reversed(ctx.program.body):
        if OPS[stmt.op].level != "leaf" or not stmt.args:
            continue
        full = _cone(ctx, stmt)
        for size in range(len(full), 0, -1):
            rewrite = _collapse(ctx, stmt, frozenset(full[:size]))
            if rewrite is not None:
                yield rewrite
                break


def _collapse(ctx: Context, stmt: Statement, cone: frozenset[str]) -> Rewrite | None:
    leaves = sorted({a for s in cone for a in ctx.defs[s].variables() if a not in cone})
    consts = sorted({float(a) for s in cone for a in ctx.defs[s].args if not isinstance(a, str)})
    if not leaves:
        return None
    rng = np.random.default_rng(0)
    # magnitudes in [e^-2, e^2]: far from 0, where "up to eps" equalities are loose
    values = {
        x: rng.choice([-1.0, 1.0], size=256) * np.exp(rng.uniform(-2, 2, size=256)) for x in leaves
    }
    target = _evaluate(ctx, stmt.target, cone, values)
    if not np.any(np.isfinite(target)):
        return None
    for op, args in _candidates(leaves, consts, len(cone)):
        if _close(_apply(op, args, values), target):
            rewrite = _prove(ctx, stmt, cone, op, args)
            if rewrite is not None:
                return rewrite
    return None


def _cone(ctx: Context, stmt: Statement) -> list[str]:
    cone = [stmt.target]
    for name in cone:
        for a in ctx.defs[name].variables():
            if len(cone) >= MAX_CONE:
                break
            if ctx.single_use(a) and a not in cone and OPS[ctx.defs[a].op].level == "leaf":
                cone.append(a)
    return cone


def _candidates(leaves: list[str], consts: list[float], size: int) -> Iterator[tuple]:
    for x in leaves:
        yield None, (x,)
    if size < 2:
        return
    for op in _CANDIDATE_OPS:
        if op.arity == 1:
            for x in leaves:
                yield op.name, (x,)
        else:
            pool: list[Arg] = [*leaves, *consts]
            for a, b in itertools.product(pool, repeat=2):
                if isinstance(a, str) or isinstance(b, str):
                    yield op.name, (a, b)


def _apply(op: str | None, args: tuple, values: dict) -> np.ndarray:
    vals = [values[a] if isinstance(a, str) else np.float64(a) for a in args]
    if op is None:
        return vals[0]
    with np.errstate(all="ignore"):
        return np.asarray(OPS[op].jax(np, *vals), dtype=np.float64)


def _evaluate(ctx: Context, name: str, cone: frozenset[str], values: dict) -> np.ndarray:
    stmt = ctx.defs[name]
    args = [_evaluate(ctx, a, cone, values) if a in cone else a for a in stmt.args]
    inner = dict(values)
    keys = []
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray):
            inner[f"#{k}"] = a
            keys.append(f"#{k}")
        else:
            keys.append(a)
    return _apply(stmt.op, tuple(keys), inner)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.broadcast_arrays(a, b)
    return bool(np.allclose(a, b, rtol=1e-6, atol=1e-7, equal_nan=True))


def _prove(ctx: Context, stmt: Statement, cone: frozenset[str], op, args) -> Rewrite | None:
    symbols: dict = {}
    old = expression(stmt, ctx.defs, set(cone), symbols)
    if op is None:
        new = expression(Statement("_", "add", (args[0], 0.0)), ctx.defs, set(), symbols)
        candidate = substitute(ctx.program, stmt.target, args[0])
        new_text = ctx.show(args[0])
    else:
        replacement = Statement(stmt.target, op, args)
        new = expression(replacement, ctx.defs, set(), symbols)
        candidate = replace_statement(ctx.program, replacement)
        new_text = ctx.call(op, args)
    proof = prove_equal(old, new)
    if proof is None or candidate is None:
        return None
    shown = ctx.call(stmt.op, stmt.args, cone - {stmt.target})
    what = "is" if proof == EXACT else "is, up to the protected epsilon,"
    reason = f"algebra: `{ctx.show(stmt.target)} = {shown}` {what} `{new_text}` (sympy: {proof})"
    return Rewrite(candidate, reason, proof)
