"""Simplify a program: exact rewrites (dead code, constant folding, algebra through sympy,
unused state slots, descriptive names), then, with a task, ablations kept while the validation
loss holds within the seed noise.

>>> run_simplify(program, exact=False, task="digits_mlp", size=1, seeds=2, log=print)

Each step is logged with the reason it is safe; see ``exact``, ``ablation`` and ``judge``.
"""

from symopt.simplify.exact import SimplifyError, simplify_exact
from symopt.simplify.run import run_simplify

__all__ = ["SimplifyError", "run_simplify", "simplify_exact"]
