"""Benchmark programs against optax AdamW, Lion and SGD-momentum on a suite of proxy tasks.

>>> result = run_benchmark({"adamw": read_program("search_spaces/seeds/adamw.txt")}, seeds=3)
>>> print(render_table(result))
>>> plot(result, "benchmark.png")

Each optimizer runs at its best lr from a log-spaced sweep (a factor on a program's own ``lr``; a
peak lr for a baseline), chosen by the mean final metric over seeds; see :mod:`.run`, :mod:`.suite`
and, for the win/tie/loss rule against AdamW, :mod:`.result`.
"""

from symopt.benchmark.plot import plot
from symopt.benchmark.result import BenchmarkResult
from symopt.benchmark.run import run_benchmark, scale_lr
from symopt.benchmark.suite import DEFAULT_LR_FACTORS, DEFAULT_SUITE
from symopt.benchmark.table import render_table

__all__ = [
    "DEFAULT_LR_FACTORS",
    "DEFAULT_SUITE",
    "BenchmarkResult",
    "plot",
    "render_table",
    "run_benchmark",
    "scale_lr",
]
