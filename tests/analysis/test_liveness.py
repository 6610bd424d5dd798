"""Liveness across steps: dead statements and dead state slots."""

from hypothesis import given, settings

from symopt.analysis.liveness import liveness, prune
from symopt.dsl import parse, read_program, to_text
from tests.dsl.test_text import SEEDS
from tests.strategies import programs


def test_seeds_have_no_dead_code():
    for name in ("adamw", "lion", "sgd", "momentum"):
        program = read_program(SEEDS / f"{name}.txt")
        info = liveness(program)
        assert all(info.statements) and all(info.states), name


def test_a_state_overwritten_before_it_is_read_is_dead_with_what_feeds_it():
    program = parse(
        "def train(w, g, m, v, lr):\n"
        "    m = interp(g, v, 0.9)\n"  # m's incoming value is never read
        "    update = sign(m)\n"
        "    update = update * lr\n"
        "    m = cosh(update)\n"  # so this only feeds a dead slot
        "    v = interp(g, v, 0.99)\n"
        "    return update, m, v\n"
    )
    info = liveness(program)
    assert info.states == (False, True)
    assert info.dead_statements == (3,)
    pruned = prune(program)
    assert "cosh" not in to_text(pruned)
    assert pruned.returns == ("update", "m", "v")


def test_a_state_that_feeds_only_another_dead_state_is_dead():
    program = parse(
        "def train(w, g, a, b, lr):\n"
        "    a = b + g\n    b = a * 2.0\n    update = g * lr\n    return update, a, b\n"
    )
    assert liveness(program).states == (False, False)
    assert len(prune(program).body) == 1


@settings(max_examples=200, deadline=None)
@given(programs())
def test_pruning_keeps_a_valid_program_and_is_idempotent(program):
    pruned = prune(program)
    assert parse(to_text(pruned)) == pruned
    assert prune(pruned) == pruned
    assert all(liveness(pruned).statements)


@settings(max_examples=100, deadline=None)
@given(programs(max_statements=10))
def test_pruning_does_not_change_the_updates_over_several_steps(program):
    import numpy as np

    from symopt.execution.reference import execute

    rng = np.random.default_rng(0)
    w = (rng.normal(size=(3,)).astype(np.float32),)
    pruned = prune(program)
    states = {p: tuple((np.zeros(3, np.float32),) for _ in p.states) for p in (program, pruned)}
    with np.errstate(all="ignore"):
        for _ in range(3):
            g = (rng.normal(size=(3,)).astype(np.float32),)
            updates = {}
            for p in (program, pruned):
                updates[p], states[p] = execute(p, np, w, g, states[p], np.float32(0.1))
            np.testing.assert_array_equal(updates[program][0], updates[pruned][0])
