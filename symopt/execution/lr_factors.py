"""Training a program at several factors of its learning rate and keeping the best.

A program's ``lr`` input is the task's schedule (peak 1.0); ``at_factor(program, f)`` prepends
``lr = lr * f``, a new program but not a new compilation. With ``fitness: {lr_factors: [...]}``
a campaign scores each task as the best fitness over the factors, as the benchmark does after
tuning: a rule gains nothing from a constant that merely retunes its step size for the proxy,
and one that ignores ``lr`` (no schedule) is compared with rules at their best step size. The
interpreter needs room for the one extra statement (:func:`statements_needed`).
"""

from __future__ import annotations

from collections.abc import Sequence

from symopt.dsl.program import Program, Statement

PLAIN: tuple[float, ...] = (1.0,)


def at_factor(program: Program, factor: float) -> Program:
    """``program`` with ``lr = lr * factor`` as its first statement (itself for factor 1)."""
    if factor == 1.0:
        return program
    first = Statement(program.lr, "mul", (program.lr, float(factor)))
    return program.replace_body((first, *program.body))


def statements_needed(max_statements: int, factors: Sequence[float]) -> int:
    """The interpreter's statement capacity for programs of ``max_statements`` at ``factors``."""
    return max_statements + (0 if tuple(factors) == PLAIN else 1)


def train_at_factors(evaluator, program: Program, factors: Sequence[float], hurdle=None,
                     seed: int | None = None):  # fmt: skip
    """Train ``program`` at each factor; ``(result, factor)`` of the best: the highest fitness
    among runs that finished (``ok``), else the highest fitness of all (its status says why)."""
    results = evaluator.evaluate([at_factor(program, f) for f in factors], hurdle, seed=seed)
    ranked = sorted(range(len(results)),
                    key=lambda i: (results[i].status == "ok", results[i].fitness, -i))  # fmt: skip
    best = ranked[-1]
    return results[best], float(factors[best])
