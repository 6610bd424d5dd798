"""The interpreter compiles only the ops of its layout: a campaign's layout holds its search
space's ops, programs are encoded through the layout's own table, and a reduced table changes
no result."""

import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from proxy_tasks import get_task
from symopt.backends import EvaluationWorker, Job, TaskSpec
from symopt.campaign_setup import interpreter_layout
from symopt.dsl import read_program
from symopt.dsl.ops import OPS
from symopt.dsl.space import load_space
from symopt.execution.encode import ALL_OPS, EncodeError, Layout, encode, switch_ops
from symopt.execution.evaluator import Evaluator
from symopt.execution.interpreter import initial_registers, make_step
from tests.dsl.test_text import SEEDS

LION45 = load_space("lion45")
SHAPES = [(6, 5), (5,), (5, 3), (3,)]


def _switch_branches(layout: Layout) -> list[int]:
    """The branch counts of every ``lax.switch`` in the traced interpreter step."""
    size = sum(int(np.prod(shape)) for shape in SHAPES)
    step = make_step(SHAPES, layout)
    code = jnp.zeros((layout.max_statements, 5), jnp.int32)
    regs = jnp.zeros((layout.num_registers, size))
    vec = jnp.zeros(size)
    jaxpr = jax.make_jaxpr(step)(code, 1, 3, vec, vec, 0.5, regs)
    counts = []

    def walk(jaxpr):
        for eqn in jaxpr.eqns:
            if eqn.primitive.name == "cond":
                counts.append(len(eqn.params["branches"]))
            for param in eqn.params.values():
                for sub in param if isinstance(param, tuple | list) else [param]:
                    inner = getattr(sub, "jaxpr", sub)
                    if hasattr(inner, "eqns"):
                        walk(inner)

    walk(jaxpr.jaxpr)
    return counts


def test_the_lion45_layout_compiles_the_45_ops_of_the_space_only():
    layout = interpreter_layout(LION45)
    assert len(LION45.op_weights) == 45
    assert set(layout.ops) == set(LION45.op_weights)
    assert not any(OPS[name].matrix for name in layout.ops)
    assert _switch_branches(layout) == [45]
    assert _switch_branches(Layout()) == [len(OPS)] and len(OPS) > 45


def test_a_space_layout_holds_the_seed_ops_and_the_copy_op():
    space = load_space("matrix")
    assert set(interpreter_layout(space).ops) == set(space.op_weights) | {"mul"}
    assert {s.op for s in space.seed.body} <= set(interpreter_layout(space).ops)
    assert switch_ops(["sign", "interp"]) == tuple(n for n in OPS if n in {"sign", "interp", "mul"})
    with pytest.raises(ValueError, match="not ops of the registry: nope"):
        Layout(ops=("nope",))


def test_an_op_outside_the_layout_is_one_line_and_an_invalid_result():
    muon = read_program(SEEDS / "muon.txt")
    layout = interpreter_layout(LION45)
    with pytest.raises(EncodeError) as err:
        encode(muon, layout)
    message = str(err.value)
    assert "'orthogonalize'" in message and "not compiled with" in message
    assert "\n" not in message
    (result,) = Evaluator(get_task("cancer_mlp"), layout).evaluate([muon])
    assert result.status == "invalid" and result.reason == message


def test_codes_follow_the_layout_table():
    adamw = read_program(SEEDS / "adamw.txt")
    small = Layout.for_programs([adamw])
    assert small.ops == switch_ops({s.op for s in adamw.body})
    full, reduced = encode(adamw, Layout()), encode(adamw, small)
    rows = slice(0, full.length)
    assert [ALL_OPS[c] for c in full.code[rows, 0]] == [small.ops[c] for c in reduced.code[rows, 0]]
    assert not np.array_equal(full.code[rows, 0], reduced.code[rows, 0])


@pytest.mark.parametrize("seed", ["adamw", "lion"])
def test_the_reduced_table_steps_bit_identically(seed):
    """Five steps of the interpreter's own step on random weights and gradients: the same update
    and registers, bit for bit, from the full and the lion45 tables."""
    program = read_program(SEEDS / f"{seed}.txt")
    size = sum(int(np.prod(shape)) for shape in SHAPES)
    outputs = []
    for layout in (Layout.fitting(40, 2), interpreter_layout(LION45)):
        enc = encode(program, layout)
        step = jax.jit(make_step(SHAPES, layout))
        regs = initial_registers(enc.init, layout, size)
        key, w, trace = jax.random.key(0), jnp.ones(size), []
        for i in range(5):
            key, sub = jax.random.split(key)
            g = jax.random.normal(sub, (size,))
            update, regs = step(enc.code, enc.length, enc.update, w, g, jnp.float32(0.9**i), regs)
            w = w - update
            trace.append(np.asarray(update))
        outputs.append((np.stack(trace), np.asarray(w)))
    np.testing.assert_array_equal(outputs[0][0], outputs[1][0])
    np.testing.assert_array_equal(outputs[0][1], outputs[1][1])


def test_the_reduced_table_trains_bit_identically():
    task = get_task("cancer_mlp")
    programs = [read_program(SEEDS / f"{name}.txt") for name in ("adamw", "lion")]
    full = Evaluator(task, Layout.fitting(40, 2), keep_losses=True).evaluate(programs)
    reduced = Evaluator(task, interpreter_layout(LION45), keep_losses=True).evaluate(programs)
    assert full[0].status == "ok"  # AdamW trains (Lion's own lr may diverge on this task)
    for a, b in zip(full, reduced, strict=True):
        assert (a.status, a.fitness, a.steps) == (b.status, b.fitness, b.steps)
        assert a.final_loss == b.final_loss or np.isnan(a.final_loss) and np.isnan(b.final_loss)
        np.testing.assert_array_equal(a.losses, b.losses)


def test_a_layout_travels_to_a_worker_by_pickle():
    """A Ray actor receives its layout pickled: it must arrive equal (so it keys the same
    compilation) and run the space's programs."""
    layout = interpreter_layout(LION45, lr_factors=(0.5, 1.0))
    arrived = pickle.loads(pickle.dumps(layout))
    assert arrived == layout and hash(arrived) == hash(layout) and arrived.ops == layout.ops
    assert arrived != Layout.fitting(41, 2)  # the same sizes with every op: another compilation
    worker = EvaluationWorker([TaskSpec("cancer_mlp")], layout=arrived)
    adamw = (SEEDS / "adamw.txt").read_text()
    result = worker.run(Job(1, adamw, -np.inf, lr_factors=(0.5, 1.0)))
    assert result.status == "ok" and result.fitness > 0.9


def test_the_matrix_space_runs_the_muon_seed():
    space = load_space("matrix")
    (result,) = Evaluator(get_task("digits_mlp"), interpreter_layout(space)).evaluate([space.seed])
    assert result.status == "ok" and result.fitness > 0.8
