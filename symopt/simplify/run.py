"""``symopt simplify``: the exact pass, then, with a task, ablation and a final exact pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from symopt.dsl.program import Program
from symopt.dsl.text import to_text
from symopt.simplify.exact import simplify_exact
from symopt.simplify.judge import (
    DEFAULT_LR_FACTORS,
    DEFAULT_NOISE_FACTOR,
    DEFAULT_SEEDS,
    DEFAULT_WIDEN,
    ProgramEvaluator,
)


def run_simplify(
    program: Program,
    *,
    exact: bool,
    task: str | None,
    size: int = 1,
    seeds: int = DEFAULT_SEEDS,
    noise_factor: float = DEFAULT_NOISE_FACTOR,
    lr_factors: Sequence[float] = DEFAULT_LR_FACTORS,
    widen: int = DEFAULT_WIDEN,
    log: Callable[[str], None] = print,
    make_evaluator: Callable[..., ProgramEvaluator] | None = None,
) -> Program:
    """The simplified program; each step taken is one line passed to ``log``, with its reason.

    With ``exact`` (or no ``task``) only rewrites that keep the program's meaning are made (up to
    the protected epsilon, which the log says). Otherwise the program is then ablated on proxy
    task ``task`` of size ``size`` as :mod:`symopt.simplify.judge` describes: validation loss over
    the first ``seeds`` tuning seeds (at least 2), at the best of the lr factors swept from
    ``lr_factors`` (widened by up to ``widen`` per side), keeping each change whose mean loss
    stays within ``noise_factor`` standard errors of the program's; then it is simplified exactly
    once more. ``make_evaluator(task)`` builds the evaluator (default: the compiled-once
    :class:`~symopt.execution.evaluator.Evaluator`).
    """
    simplified = simplify_exact(program, log)
    if exact or task is None:
        return simplified
    import proxy_tasks
    from symopt.simplify.ablation import ablate
    from symopt.simplify.judge import Judge, judged_task

    if make_evaluator is None:
        from symopt.execution.evaluator import Evaluator as make_evaluator
    evaluator = make_evaluator(judged_task(proxy_tasks.get_task(task, size)))
    judge = Judge(evaluator, proxy_tasks.tuning_seeds(seeds))
    start = judge.choose_factor(simplified, lr_factors, widen, log)
    ablated = ablate(simplified, judge, start, noise_factor, log)
    if judge.factor != 1.0:
        log(
            f"ablation judged every change at lr x{judge.factor:g}, the original's best factor "
            "on validation; the simplified program keeps the original's lr scale (the factor is "
            "reported, not folded in)"
        )
    if to_text(ablated) == to_text(simplified):
        return simplified
    return simplify_exact(ablated, log)
