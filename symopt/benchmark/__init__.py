"""Benchmark programs against tuned optax baselines: choose on validation, report on test.

>>> result = run_benchmark({"adamw": read_program("search_spaces/seeds/adamw.txt")}, seeds=3)
>>> print(render_table(result))
>>> plot(result, "benchmark.png")

Every optimizer is tuned (a program: a factor on its own ``lr`` and a decoupled weight decay added
to it, :mod:`symopt.execution.weight_decay`; a baseline: peak lr and weight decay,
:mod:`.baselines`) by mean validation loss over tuning seeds, then trained afresh at the
chosen setting on report seeds and measured on test (:mod:`.protocol`); the verdict against AdamW
is a paired t-test per task, Holm-adjusted across tasks (:mod:`.verdict`).
"""

from symopt.benchmark.baselines import BASELINES, REFERENCE, Baseline
from symopt.benchmark.plot import plot
from symopt.benchmark.result import BenchmarkResult
from symopt.benchmark.run import run_benchmark
from symopt.benchmark.suite import DEFAULT_LR_FACTORS, DEFAULT_SUITE
from symopt.benchmark.table import render_table
from symopt.benchmark.trainers import scale_lr
from symopt.benchmark.verdict import verdicts_from_dict

__all__ = [
    "BASELINES",
    "DEFAULT_LR_FACTORS",
    "DEFAULT_SUITE",
    "REFERENCE",
    "Baseline",
    "BenchmarkResult",
    "plot",
    "render_table",
    "run_benchmark",
    "scale_lr",
    "verdicts_from_dict",
]
