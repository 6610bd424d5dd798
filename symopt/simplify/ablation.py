"""Ablation on a task: changes that do not keep a program's meaning, kept while fitness holds.

One change at a time, on the program from the exact pass: drop a statement by reading one of its
arguments of the same kind in its place (later statements first), or round a constant to 1 or 2
significant digits. A change is kept when the program trains without failure and its fitness is at
least the starting fitness minus ``tolerance``; the next change starts from the kept one. Every
change tried is logged, kept or rejected, with the fitness it gave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from symopt.analysis.liveness import prune
from symopt.dsl.program import Program, Statement
from symopt.dsl.text import to_text
from symopt.execution.evaluator import Evaluator
from symopt.simplify.exact import drop_dead_states
from symopt.simplify.naming import rename
from symopt.simplify.rules import Context
from symopt.simplify.ssa import kinds_of, replace_statement, substitute, to_ssa

MAX_EVALUATIONS = 200


def ablate(
    program: Program,
    evaluator: Evaluator,
    tolerance: float,
    log: Callable[[str], None] = print,
    max_evaluations: int = MAX_EVALUATIONS,
) -> Program:
    """``program`` after greedy one-at-a-time ablation on ``evaluator``'s task."""
    (start,) = evaluator.evaluate([program])
    if start.failed:
        log(f"ablation skipped: the program fails on {evaluator.task.name} ({start.reason})")
        return program
    floor = start.fitness - tolerance
    log(
        f"ablation on {evaluator.task.name}: fitness {start.fitness:.4f}; a change is kept while "
        f"fitness stays >= {floor:.4f} (tolerance {tolerance:g})"
    )
    current = to_ssa(program)
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
            evaluations += 1
            (result,) = evaluator.evaluate([rename(candidate)])
            keep = result.status == "ok" and result.fitness >= floor
            verdict = "kept" if keep else "rejected"
            outcome = result.status if result.status != "ok" else f"fitness {result.fitness:.4f}"
            log(f"ablation {verdict}: {what}: {outcome} (floor {floor:.4f})")
            if keep:
                current, improved = candidate, True
                break
            if evaluations >= max_evaluations:
                log(f"ablation stopped after {max_evaluations} evaluations")
                break
    return rename(current)


def _changes(ctx: Context) -> Iterator[tuple[Program, str]]:
    kinds = kinds_of(ctx.program) or {}
    for stmt in reversed(ctx.program.body):
        for a in dict.fromkeys(stmt.variables()):
            if kinds.get(a) == kinds.get(stmt.target):
                candidate = substitute(ctx.program, stmt.target, a)
                if candidate is not None:
                    yield candidate, f"drop `{_shown(ctx, stmt)}`, reading `{ctx.show(a)}` instead"
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


def _shown(ctx: Context, stmt: Statement) -> str:
    """``stmt`` as text, with the temporaries that feed only it written out in place."""
    inside = frozenset(
        a for a in stmt.variables() if ctx.single_use(a) and ctx.show(a).startswith("t")
    )
    return f"{ctx.show(stmt.target)} = {ctx.call(stmt.op, stmt.args, inside)}"
