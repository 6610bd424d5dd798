"""``symopt simplify``: the exact pass, then, with a task, ablation and a final exact pass."""

from __future__ import annotations

from collections.abc import Callable

from symopt.dsl.program import Program
from symopt.dsl.text import to_text
from symopt.simplify.exact import simplify_exact

DEFAULT_TOLERANCE = 0.002


def run_simplify(
    program: Program,
    *,
    exact: bool,
    task: str | None,
    size: int = 1,
    tolerance: float = DEFAULT_TOLERANCE,
    log: Callable[[str], None] = print,
) -> Program:
    """The simplified program; each step taken is one line passed to ``log``, with its reason.

    With ``exact`` (or no ``task``) only rewrites that keep the program's meaning are made (up to
    the protected epsilon, which the log says). Otherwise the program is then ablated on proxy task
    ``task`` of size ``size``, keeping each change while fitness stays within ``tolerance``
    (absolute) of the exact program's, and simplified exactly once more.
    """
    simplified = simplify_exact(program, log)
    if exact or task is None:
        return simplified
    import proxy_tasks
    from symopt.execution.evaluator import Evaluator
    from symopt.simplify.ablation import ablate

    evaluator = Evaluator(proxy_tasks.get_task(task, size))
    ablated = ablate(simplified, evaluator, tolerance, log)
    if to_text(ablated) == to_text(simplified):
        return simplified
    return simplify_exact(ablated, log)
