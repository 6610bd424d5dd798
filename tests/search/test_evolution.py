"""Regularized evolution and mutation: pure logic, seeded, no files."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from symopt.dsl import infer_kinds, parse, to_text
from symopt.dsl.space import load_space
from symopt.search.evolution import EvolutionConfig, Member, RegularizedEvolution
from symopt.search.mutation import MutationConfig, mutate
from tests.strategies import programs

SPACE = load_space("lion45")
MUTATION = MutationConfig(SPACE.op_weights, max_statements=SPACE.max_statements)


@settings(max_examples=200, deadline=None)
@given(programs(max_statements=8), st.integers(0, 2**32 - 1))
def test_every_mutant_is_valid_and_differs_from_its_parent(program, seed):
    mutant = mutate(random.Random(seed), program, MUTATION)
    infer_kinds(mutant.program)
    assert mutant.program != program
    assert parse(to_text(mutant.program)) == mutant.program
    assert mutant.kind in ("insert", "delete", "modify") and mutant.tries >= 1


def test_each_mutation_kind_alone():
    for kind in ("insert", "delete", "modify"):
        config = MutationConfig(SPACE.op_weights, weights={kind: 1.0})
        mutant = mutate(random.Random(0), SPACE.seed, config)
        delta = len(mutant.program.body) - len(SPACE.seed.body)
        assert mutant.kind == kind
        assert delta == {"insert": 1, "delete": -1, "modify": 0}[kind]


def fake_fitness(program) -> float:
    """A deterministic stand-in for training: prefers shorter programs with more `sign`."""
    text = to_text(program)
    return text.count("sign") - 0.01 * len(program.body)


def run(seed, steps=300, plateau=None, restart_from="best"):
    evolution = RegularizedEvolution(
        EvolutionConfig(20, 5, plateau, restart_from), MUTATION, SPACE.seed, seed
    )
    seed_candidate = evolution.seed_candidate()
    evolution.tell(Member(0, seed_candidate.program, fake_fitness(SPACE.seed)), 0)
    history = []
    for i in range(1, steps):
        candidate = evolution.ask()
        history.append(to_text(candidate.program))
        evolution.tell(
            Member(i, candidate.program, fake_fitness(candidate.program)), candidate.index
        )
    return evolution, history


def test_same_seed_same_run_and_another_seed_another_run():
    assert run(1)[1] == run(1)[1]
    assert run(1)[1] != run(2)[1]


def test_selection_pressure_improves_the_population():
    evolution, _ = run(0, steps=600)
    assert evolution.best.fitness > fake_fitness(SPACE.seed)
    assert len(evolution.population) == 20


def test_the_oldest_member_leaves():
    evolution = RegularizedEvolution(EvolutionConfig(3, 2), MUTATION, SPACE.seed, 0)
    evolution.tell(Member(0, SPACE.seed, 0.0), 0)
    for i in range(1, 5):
        evolution.tell(Member(i, SPACE.seed, float(i)), i)
    assert [m.id for m in evolution.population] == [2, 3, 4]


def test_plateau_restarts_from_the_best_or_the_seed():
    for start in ("best", "seed"):
        evolution = RegularizedEvolution(EvolutionConfig(4, 2, plateau=3, restart_from=start),
                                         MUTATION, SPACE.seed, 0)  # fmt: skip
        evolution.tell(Member(0, SPACE.seed, 0.0), 0)
        evolution.tell(Member(1, SPACE.seed, 5.0), 1)
        events = [evolution.tell(Member(i, SPACE.seed, 1.0), i) for i in (2, 3, 4)]
        assert events == [None, None, "restart"]
        expected = 1 if start == "best" else 0
        assert {m.id for m in evolution.population} == {expected}
        assert evolution.restarts == 1


def test_replaying_results_rebuilds_the_state():
    config = EvolutionConfig(20, 5, plateau=30)
    original = RegularizedEvolution(config, MUTATION, SPACE.seed, 5)
    log = [(Member(0, SPACE.seed, fake_fitness(SPACE.seed)), 0)]
    original.tell(*log[0])
    for i in range(1, 200):
        candidate = original.ask()
        log.append((Member(i, candidate.program, fake_fitness(candidate.program)), candidate.index))
        original.tell(*log[-1])
    replay = RegularizedEvolution(config, MUTATION, SPACE.seed, 5)
    for member, index in log:
        replay.tell(member, index)
    assert [m.id for m in replay.population] == [m.id for m in original.population]
    assert (replay.best, replay.restarts, replay.next_index) == (
        original.best, original.restarts, original.next_index,
    )  # fmt: skip
    assert original.restarts > 0
    assert replay.ask() == original.ask()
