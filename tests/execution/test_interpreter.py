"""The compiled-once interpreter: same results as the per-program reference, never recompiles."""

import logging
import random

import jax
import numpy as np
import pytest

from proxy_tasks import get_task
from proxy_tasks.train import STATUS_NAMES
from symopt.campaign_setup import interpreter_layout
from symopt.dsl import parse, read_program
from symopt.dsl.space import load_space
from symopt.execution.encode import Layout, encode
from symopt.execution.evaluator import Evaluator, Hurdle
from symopt.execution.per_program import make_reference_trainer
from symopt.search.mutation import MutationConfig, random_walk
from tests.dsl.test_text import SEEDS

SEED_NAMES = ("adamw", "lion", "sgd", "momentum")

# Programs whose state slots are permuted or read after being replaced: the register encoding
# must copy in the right order.
TRICKY = [
    "def train(w, g, a, b, lr):\n    a = a + g\n    b = b * 0.5\n    u = a * lr\n"
    "    u = u * 0.01\n    return u, b, a\n",
    "def train(w, g, m, lr):\n    n = interp(g, m, 0.9)\n    u = m * lr\n    u = u * 0.1\n"
    "    return u, n\n",
    "def train(w, g, a, b, lr):\n    x = g * 0.1\n    u = b + x\n    u = u * lr\n"
    "    return u, x, a\n",
    "def train(w, g, m, lr):\n    m = interp(g, m, 0.9)\n    u = sign(m)\n    u = u * lr\n"
    "    u = u * 0.01\n    return u, u\n",
]


def candidates(count: int, seed: int):
    """The seeds, the tricky programs, and ``count`` random walks from the seeds."""
    rng = random.Random(seed)
    space = load_space("lion45")
    config = MutationConfig(space.op_weights)
    seeds = [read_program(SEEDS / f"{name}.txt") for name in SEED_NAMES]
    walks = [random_walk(rng, rng.choice(seeds), config, rng.randint(1, 6)) for _ in range(count)]
    return seeds + [parse(text) for text in TRICKY] + walks


@pytest.mark.slow
@pytest.mark.parametrize("task_name", ["cancer_mlp", "digits_mlp"])
def test_interpreter_matches_the_per_program_reference(task_name):
    """Every program: the same loss over the first steps, to float32 tolerance (a wrong op,
    register or state copy shows at once). Whole runs: a high learning rate can amplify last-bit
    differences (reductions are ordered differently) into another end point after a few dozen
    steps (measured: never before step 6), so at least 90% of the programs must end with the
    same status, the same number of steps and the same fitness to one validation example."""
    task = get_task(task_name)
    evaluator = Evaluator(task, keep_losses=True)
    data, val = task.train_data(), task.val_data()
    quantum = 1.0 / len(np.asarray(val["y"]))  # one validation example
    programs = candidates(50, seed=sum(map(ord, task_name)))
    statuses, same = set(), 0
    for program in programs:
        got = evaluator.evaluate([program])[0]
        reference = make_reference_trainer(program, task)(-1, -np.inf, data, val)
        fitness, status, steps, _, losses, _ = jax.device_get(reference)
        np.testing.assert_allclose(got.losses[:3], losses[:3], rtol=1e-5, err_msg=str(program))
        same += (
            got.status == STATUS_NAMES[int(status)]
            and got.steps == int(steps)
            and abs(got.fitness - float(fitness)) <= quantum + 1e-6
        )
        statuses.add(got.status)
    assert same >= 0.9 * len(programs)
    assert {"ok", "diverged"} <= statuses  # the stream exercises success and failure


@pytest.mark.parametrize("space", [None, "lion45"])
def test_new_programs_never_compile(caplog, space):
    """With the full table and with a campaign's (the search space's ops only)."""
    layout = interpreter_layout(load_space(space)) if space else None
    evaluator = Evaluator(get_task("cancer_mlp"), layout)
    programs = candidates(20, seed=3)
    evaluator.evaluate(programs[:1])
    with jax.log_compiles(True), caplog.at_level(logging.DEBUG):
        results = evaluator.evaluate(programs[1:], Hurdle(0.25, 0.5))
    compiles = [r.getMessage() for r in caplog.records if "ompil" in r.getMessage()]
    assert compiles == []
    assert len({r.fitness for r in results}) > 3


def test_failures_are_data():
    task = get_task("cancer_mlp")
    evaluator = Evaluator(task, Layout(max_statements=4, max_states=1, max_constants=4))
    nan = parse("def train(w, g, lr):\n    x = arccosh(0.5)\n    u = g * x\n    return u\n")
    huge = parse("def train(w, g, lr):\n    u = g * 1000000.0\n    return u\n")
    long = parse("def train(w, g, lr):\n" + "    g = g * 1.5\n" * 5 + "    return g\n")
    two_states = parse(
        "def train(w, g, a, b, lr):\n    a = a + g\n    b = b + a\n    return b, a, b\n"
    )
    results = evaluator.evaluate([nan, huge, long, two_states])
    assert [r.status for r in results] == ["nonfinite", "diverged", "invalid", "invalid"]
    assert all(r.fitness == task.worst_fitness for r in results)
    assert all(r.steps < task.num_steps for r in results)
    assert "NaN" in results[0].reason and "exceeded" in results[1].reason
    assert "5 live statements" in results[2].reason


def test_hurdle_stops_a_run_early_with_its_partial_fitness():
    task = get_task("cancer_mlp")
    evaluator = Evaluator(task)
    adamw = read_program(SEEDS / "adamw.txt")
    full = evaluator.evaluate([adamw])[0]
    passed = evaluator.evaluate([adamw], Hurdle(0.25, 0.0))[0]
    stopped = evaluator.evaluate([adamw], Hurdle(0.25, 1.01))[0]
    assert full.status == passed.status == "ok" and full.fitness == passed.fitness
    assert stopped.status == "hurdle" and not stopped.failed
    assert task.num_steps * 0.25 <= stopped.steps < task.num_steps
    assert 0.0 < stopped.fitness <= 1.0


def test_dead_code_and_dead_states_are_not_encoded():
    program = parse(
        "def train(w, g, m, v, lr):\n    m = interp(g, v, 0.9)\n    u = sign(m)\n"
        "    u = u * lr\n    m = cosh(u)\n    v = interp(g, v, 0.99)\n    return u, m, v\n"
    )
    assert encode(program, Layout()).length == 4
