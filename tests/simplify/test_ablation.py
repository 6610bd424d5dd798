"""Ablation on cancer_mlp, the fastest task: changes kept only while fitness holds."""

import proxy_tasks
from symopt.dsl import parse
from symopt.execution.evaluator import Evaluator
from symopt.simplify import run_simplify

BLOATED = """\
def train(w, g, m, v, lr):
    g2 = square(g)
    m = interp(g, m, 0.9)
    v = interp(g2, v, 0.999)
    sqrt_v = sqrt(v)
    update = m / sqrt_v
    wd = w * 0.01
    update = update + wd
    c = cos(m)
    c = c * 1e-06
    update = update + c
    lr = lr * 0.001234567
    update = update * lr
    return update, m, v
"""


def test_ablation_drops_statements_and_keeps_fitness_within_tolerance():
    program = parse(BLOATED)
    lines: list[str] = []
    result = run_simplify(
        program, exact=False, task="cancer_mlp", size=1, tolerance=0.002, log=lines.append
    )
    assert len(result.body) < len(program.body)
    evaluator = Evaluator(proxy_tasks.get_task("cancer_mlp", 1))
    before, after = evaluator.evaluate([program, result])
    assert after.status == "ok" and after.fitness >= before.fitness - 0.002
    kept = [line for line in lines if line.startswith("ablation kept")]
    rejected = [line for line in lines if line.startswith("ablation rejected")]
    assert kept and rejected
    assert any("cos_m * 1e-06" in line for line in kept)
    assert any("round 0.001234567" in line for line in lines)


def test_exact_mode_never_trains():
    lines: list[str] = []
    result = run_simplify(
        parse(BLOATED), exact=True, task="cancer_mlp", size=1, tolerance=0.002, log=lines.append
    )
    assert not any(line.startswith("ablation") for line in lines)
    assert len(result.body) == 12
