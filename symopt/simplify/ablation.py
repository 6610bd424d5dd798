"""Ablation on a task: changes that do not keep a program's meaning, kept while its loss holds.

One change at a time, on the program from the exact pass: drop a statement by reading one of its
arguments of the same kind in its place (later statements first), tie two statements that differ
only in their constants (one of them goes, the other takes either's constants), or round a
constant to 1 or 2 significant digits. Each change is judged as :mod:`symopt.simplify.judge`
says: validation loss, mean over the tuning seeds, at the program's best lr factor; it is kept
when it trains on every seed and its mean loss is at most the starting program's mean plus
``noise_factor`` standard errors of that mean. The next change starts from the kept one; the
ceiling stays the starting program's. Every change tried is logged, kept or rejected, with the
loss it gave. A change that would make an update proportional to ``lr`` stop being so is
rejected untrained (``symopt.analysis.lr_scaling``): the judge's lr factor tunes only a program
that follows its lr, and the schedule reaches no other, so the loss at one step size cannot tell
what such a change costs elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from symopt.analysis.liveness import liveness, prune
from symopt.analysis.lr_scaling import lr_disproportion
from symopt.dsl.program import Program, Statement
from symopt.dsl.text import to_text
from symopt.simplify.exact import drop_dead_states
from symopt.simplify.judge import Judge, Scored
from symopt.simplify.naming import rename
from symopt.simplify.rules import Context
from symopt.simplify.ssa import kinds_of, replace_statement, substitute, to_ssa

MAX_EVALUATIONS = 200


def ablate(
    program: Program,
    judge: Judge,
    start: Scored,
    noise_factor: float,
    log: Callable[[str], None] = print,
    max_evaluations: int = MAX_EVALUATIONS,
) -> Program:
    """``program`` after greedy one-at-a-time ablation; ``start`` is its score by ``judge``."""
    if not start.ok:
        log(f"ablation skipped: the program fails on {judge.describe()} at lr x{start.factor:g}")
        return program
    tolerance = noise_factor * start.standard_error
    ceiling = start.mean + tolerance
    losses = ", ".join(f"{loss:.4f}" for loss in start.losses)
    log(
        f"ablation on {judge.describe()}, at lr x{judge.factor:g}: loss {start.mean:.4f} "
        f"(seeds: {losses}; standard error {start.standard_error:.4f}); tolerance "
        f"{noise_factor:g} x SE = {tolerance:.4f}: a change is kept while the mean loss stays "
        f"<= {ceiling:.4f}"
    )
    current = to_ssa(program)
    follows_lr = not _disproportion(current)
    tried: set[str] = set()
    evaluations = 0
    improved = True
    while improved and evaluations < max_evaluations:
        improved = False
        for candidate, what in _changes(Context(current)):
            candidate = drop_dead_states(prune(candidate))
            key = to_text(rename(candidate))
            if key in tried or kinds_of(candidate) is None:
                continue
            tried.add(key)
            if follows_lr and _disproportion(candidate):
                log(f"ablation rejected: {what}: the update would stop following lr (untrained)")
                continue
            evaluations += 1
            result = judge.score(rename(candidate), stop_early=True)
            keep = result.ok and result.mean <= ceiling
            shown = _outcome(result, ceiling, judge.seeds)
            log(f"ablation {'kept' if keep else 'rejected'}: {what}: {shown}")
            if keep:
                current, improved = candidate, True
                break
            if evaluations >= max_evaluations:
                log(f"ablation stopped after {max_evaluations} evaluations")
                break
    log(f"ablation: {evaluations} change(s) tried, {judge.runs} training runs in all")
    return rename(current)


def _disproportion(program: Program) -> str:
    return lr_disproportion(program, liveness(program), None)


def _outcome(result: Scored, ceiling: float, seeds: tuple[int, ...]) -> str:
    for seed, status in zip(seeds, result.statuses, strict=False):
        if status != "ok":
            return f"{status} on seed {seed}"
    return f"loss {result.mean:.4f} (ceiling {ceiling:.4f})"


def _changes(ctx: Context) -> Iterator[tuple[Program, str]]:
    kinds = kinds_of(ctx.program) or {}
    for stmt in reversed(ctx.program.body):
        for a in dict.fromkeys(stmt.variables()):
            if kinds.get(a) == kinds.get(stmt.target):
                candidate = substitute(ctx.program, stmt.target, a)
                if candidate is not None:
                    yield candidate, f"drop `{_shown(ctx, stmt)}`, reading `{ctx.show(a)}` instead"
    yield from _ties(ctx)
    for stmt in ctx.program.body:
        for k, a in enumerate(stmt.args):
            if isinstance(a, str):
                continue
            for digits in (1, 2):
                rounded = float(f"{a:.{digits}g}")
                if rounded != a:
                    args = stmt.args[:k] + (rounded,) + stmt.args[k + 1 :]
                    new = Statement(stmt.target, stmt.op, args)
                    yield (
                        replace_statement(ctx.program, new),
                        f"round {a!r} to {rounded!r} in `{_shown(ctx, stmt)}`",
                    )


def _ties(ctx: Context) -> Iterator[tuple[Program, str]]:
    """Two statements that differ only in their constants become one, at either's constants:
    beside ``c = interp(g, m, b1)``, ``m = interp(g, m, b2)`` becomes ``m = c`` with ``c`` at
    ``b1`` or at ``b2`` (Lion's two betas tied: Signum). Dropping a statement cannot ask this once
    the exact pass has folded the chain the search wrote (``m = interp(g, c, b)``)."""
    body = ctx.program.body
    for i, first in enumerate(body):
        for later in body[i + 1 :]:
            if not _differ_in_constants(first, later):
                continue
            for source in (first, later):
                tied = Statement(first.target, first.op, source.args)
                candidate = substitute(
                    replace_statement(ctx.program, tied), later.target, tied.target
                )
                if candidate is None:
                    continue
                constants = ", ".join(repr(a) for a in source.args if not isinstance(a, str))
                what = f"tie `{ctx.line(later)}` to `{ctx.line(first)}`, both at {constants}"
                yield candidate, what


def _differ_in_constants(a: Statement, b: Statement) -> bool:
    """Same op, same variables in the same places, some constant different."""
    if a.op != b.op or len(a.args) != len(b.args) or not a.variables():
        return False
    pairs = list(zip(a.args, b.args, strict=True))
    same_kind = all(isinstance(x, str) == isinstance(y, str) for x, y in pairs)
    variables_equal = all(x == y for x, y in pairs if isinstance(x, str))
    return same_kind and variables_equal and a.args != b.args


def _shown(ctx: Context, stmt: Statement) -> str:
    """``stmt`` as text, with the temporaries that feed only it written out in place."""
    inside = frozenset(
        a for a in stmt.variables() if ctx.single_use(a) and ctx.show(a).startswith("t")
    )
    return f"{ctx.show(stmt.target)} = {ctx.call(stmt.op, stmt.args, inside)}"
