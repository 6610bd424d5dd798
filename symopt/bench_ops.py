"""The interpreter's cost per statement, op by op: ``symopt bench --ops``.

For each op, a program that computes ``K`` chained statements of it (``x = op(g)``, then
``x = op(x)``, ..., kept live by adding ``x * 0`` to an SGD update) is trained on the task through
the compiled-once interpreter, and so is the same program without the chain. The difference of the
median training times, over ``K`` statements and the task's steps, is the cost of one statement
of that op in one training step. An element-wise op (``mul``) is measured beside the others as
the yardstick; on a task with matrix weights the matrix ops pay for their slicing and matmuls
here.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import proxy_tasks
from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.dsl.text import parse
from symopt.errors import SymoptError
from symopt.execution.evaluator import Evaluator

DEFAULT_OPS = ("mul", "norm", "rms", "is_matrix", "row_mean", "col_mean", "orthogonalize")
CHAIN = 8


@dataclass
class OpCost:
    op: str
    us_per_statement: float  # one statement in one training step, microseconds

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def chain_program(op: str, length: int) -> Program:
    """SGD plus ``length`` live statements of the one-argument (Tree) op ``op``."""
    call = (lambda x: f"{op}({x}, 1.0)") if OPS[op].arity == 2 else (lambda x: f"{op}({x})")
    lines = [f"    x = {call('g')}"] + [f"    x = {call('x')}" for _ in range(length - 1)]
    lines += ["    x = x * 0.0", "    u = g + x"] if length else ["    u = g * 1.0"]
    lines += ["    u = u * lr", "    u = u * 0.01", "    return u"]
    return parse("def train(w, g, lr):\n" + "\n".join(lines) + "\n")


def _median_run(evaluator: Evaluator, program: Program, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        evaluator.evaluate([program])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_op_costs(
    task_name: str = "digits_mlp", ops=DEFAULT_OPS, repeats: int = 5, progress=print
) -> list[OpCost]:
    """The cost of one statement of each of ``ops`` (see the module docstring)."""
    for op in ops:
        if op not in OPS or OPS[op].arity not in (1, 2) or OPS[op].kinds[0] == "Scalar":
            raise SymoptError(f"--ops: '{op}' is not an op that takes a Tree as argument 1")
    task = proxy_tasks.get_task(task_name)
    evaluator = Evaluator(task)
    base = chain_program("mul", 0)
    evaluator.evaluate([base])  # compiles, once
    progress(f"task {task.name}: {task.num_steps} steps; {CHAIN} chained statements per op")
    costs = []
    for op in ops:
        program = chain_program(op, CHAIN)
        evaluator.evaluate([program])  # warm
        extra = _median_run(evaluator, program, repeats) - _median_run(evaluator, base, repeats)
        costs.append(OpCost(op, extra / (CHAIN * task.num_steps) * 1e6))
        progress(f"{op}: {costs[-1].us_per_statement:.1f} us per statement per step")
    return costs


def op_summary(task: str, costs: list[OpCost]) -> str:
    yardstick = next((c.us_per_statement for c in costs if c.op == "mul"), None)
    lines = [f"interpreter cost per statement per training step, task {task}"]
    for c in costs:
        ratio = f"{c.us_per_statement / yardstick:6.1f}x mul" if yardstick else ""
        lines.append(f"  {c.op:<14} {c.us_per_statement:9.1f} us   {ratio}")
    return "\n".join(lines)
