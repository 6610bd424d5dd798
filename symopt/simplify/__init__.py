"""Simplify a program: exact rewrites (dead code, constant folding, algebra through sympy,
unused state slots, descriptive names), then, with a task, ablations kept while fitness holds.

>>> run_simplify(program, exact=True, task=None, size=1, tolerance=0.002, log=print)

Each step is logged with the reason it is safe; see ``exact`` and ``ablation``.
"""

from symopt.simplify.exact import SimplifyError, simplify_exact
from symopt.simplify.run import DEFAULT_TOLERANCE, run_simplify

__all__ = ["DEFAULT_TOLERANCE", "SimplifyError", "run_simplify", "simplify_exact"]
