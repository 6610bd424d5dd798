"""The interpreter's cost per statement, op by op: ``symopt bench --ops``.

For each op, a program that computes ``K`` chained statements of it (``x = op(g)``, then
``x = op(x)``, ..., kept live by adding ``min(abs(x), 0)`` to an SGD update) is trained on the
task through the compiled-once interpreter, and so is the same program with one ``mul`` in place
of the chain. The difference of the fastest training times, over ``K`` statements and the task's
steps, is the cost of one statement of that op in one training step (less 1/K of a ``mul``). An
element-wise op (``mul``) is measured beside the others as the yardstick; on a task with matrix
weights the matrix ops pay for their slicing and matmuls here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import proxy_tasks
from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.dsl.text import parse
from symopt.errors import SymoptError
from symopt.execution.evaluator import Evaluator

DEFAULT_OPS = ("mul", "norm", "rms", "is_matrix", "row_mean", "col_mean", "orthogonalize")
CHAIN = 32


@dataclass
class OpCost:
    op: str
    us_per_statement: float  # one statement in one training step, microseconds

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def chain_program(op: str, length: int) -> Program:
    """SGD plus ``length`` live statements of the op ``op`` on Trees (the first reads ``g``,
    each next one the last), or, with ``length`` 0, one ``mul`` in their place. The chain's end
    enters the update as ``min(abs(x), 0)``: exactly 0 even where the chain overflowed (a chain
    of ``norm`` grows by sqrt(size) a statement), so that every step trains."""
    call = (lambda x: f"{op}({x}, 1.0)") if OPS[op].arity == 2 else (lambda x: f"{op}({x})")
    if length:
        lines = [f"    x = {call('g')}"] + [f"    x = {call('x')}" for _ in range(length - 1)]
    else:
        lines = ["    x = g * 1.0"]
    lines += ["    x = abs(x)", "    x = min(x, 0.0)", "    u = g + x"]
    lines += ["    u = u * lr", "    u = u * 0.01", "    return u"]
    return parse("def train(w, g, lr):\n" + "\n".join(lines) + "\n")


def _fastest_run(evaluator: Evaluator, program: Program, repeats: int) -> float:
    """The fastest of ``repeats`` training runs: on a shared machine the others only add noise."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        (result,) = evaluator.evaluate([program])
        times.append(time.perf_counter() - start)
    if result.status != "ok":  # a run that stops early would time less than the program costs
        raise SymoptError(f"bench --ops: the timed program stopped early ({result.reason})")
    return min(times)


def run_op_costs(
    task_name: str = "digits_mlp", ops=DEFAULT_OPS, repeats: int = 7, progress=print
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
        extra = _fastest_run(evaluator, program, repeats) - _fastest_run(evaluator, base, repeats)
        costs.append(OpCost(op, extra / (CHAIN * task.num_steps) * 1e6))
        progress(f"{op}: {costs[-1].us_per_statement:.1f} us per statement per step")
    return costs


def op_summary(task: str, costs: list[OpCost]) -> str:
    yardstick = next((c.us_per_statement for c in costs if c.op == "mul"), None)
    lines = [f"interpreter cost per statement per training step, task {task}"]
    for c in costs:
        ratio = f"{c.us_per_statement / yardstick:6.1f}x mul" if yardstick and yardstick > 0 else ""
        lines.append(f"  {c.op:<14} {c.us_per_statement:9.1f} us   {ratio}")
    return "\n".join(lines)
