"""Every program shape the DSL allows runs in the interpreter as in the per-program reference:
no statement at all, a bare state slot as the update, states passed through or swapped with no
statement, and named constants only."""

import jax
import numpy as np
import pytest

from proxy_tasks import get_task
from proxy_tasks.train import STATUS_NAMES
from symopt.dsl import parse
from symopt.execution.encode import Layout, encode
from symopt.execution.evaluator import Evaluator
from symopt.execution.per_program import make_reference_trainer

SHAPES = {
    "no statement": "def train(w, g, lr):\n    return g\n",
    "the weight as update": "def train(w, g, lr):\n    return w\n",
    "state only": "def train(w, g, m, lr):\n    return m, g\n",
    "state kept as is": "def train(w, g, m, lr):\n    return g, m\n",
    "states swapped": "def train(w, g, m, v, lr):\n    return v, g, m\n",
    "named constant only": "def train(w, g, lr):\n    c = get_e()\n    u = g * c\n    return u\n",
}


@pytest.mark.parametrize("text", SHAPES.values(), ids=SHAPES.keys())
def test_shape_matches_the_reference(text):
    task = get_task("cancer_mlp")
    program = parse(text)
    got = Evaluator(task, keep_losses=True).evaluate([program])[0]
    reference = make_reference_trainer(program, task)(
        -1, -np.inf, task.train_data(), task.val_data()
    )
    fitness, status, steps, _, losses, _ = jax.device_get(reference)
    assert got.status == STATUS_NAMES[int(status)] and got.steps == int(steps)
    np.testing.assert_allclose(got.losses[:5], losses[:5], rtol=1e-5)
    assert abs(got.fitness - float(fitness)) < 1e-6


def test_a_program_with_no_statement_encodes_to_no_row():
    encoded = encode(parse(SHAPES["no statement"]), Layout())
    assert encoded.length == 0 and encoded.update == 1  # register 1 holds g
