"""Scoring a program at its best factor of the learning rate (``fitness: {lr_factors: ...}``)."""

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from symopt.backends import EvaluationWorker, Job, TaskSpec
from symopt.campaign_setup import _IDENTITY_KEYS, config_hash, interpreter_layout
from symopt.config import config_from_dict
from symopt.dsl import parse
from symopt.dsl.space import load_space
from symopt.dsl.text import to_text
from symopt.execution.encode import encode
from symopt.execution.evaluator import Evaluator
from symopt.execution.lr_factors import at_factor, train_at_factors
from tests.dsl.test_text import SEEDS

SGD = (SEEDS / "sgd.txt").read_text()


def test_at_factor_prepends_the_scaling_and_leaves_factor_one_alone():
    program = parse(SGD)
    assert at_factor(program, 1.0) is program
    lines = to_text(at_factor(program, 0.25)).splitlines()
    assert lines[1].strip() == "lr = lr * 0.25" and lines[2:] == to_text(program).splitlines()[1:]


class FakeEvaluator:
    """Fitness and status by the factor the program's first statement applies."""

    def __init__(self, outcomes: dict[float, tuple[float, str]]):
        self.outcomes = outcomes
        self.calls = []

    def evaluate(self, programs, hurdle=None, seed=None):
        self.calls.append((len(programs), hurdle, seed))
        results = []
        for program in programs:
            first = program.body[0]
            factor = first.args[1] if first.target == program.lr and first.op == "mul" else 1.0
            fitness, status = self.outcomes[factor]
            results.append(SimpleNamespace(fitness=fitness, status=status))
        return results


def test_the_best_finished_run_wins_over_a_higher_unfinished_one():
    fake = FakeEvaluator({0.3: (-2.0, "ok"), 1.0: (-1.5, "ok"), 3.0: (-1.0, "hurdle")})
    result, factor = train_at_factors(fake, parse(SGD), (0.3, 1.0, 3.0), hurdle="h", seed=4)
    assert (result.fitness, factor) == (-1.5, 1.0)
    assert fake.calls == [(3, "h", 4)]  # one batch, with the job's hurdle and seed
    fake = FakeEvaluator({0.3: (-9.0, "diverged"), 3.0: (-5.0, "nonfinite")})
    result, factor = train_at_factors(fake, parse(SGD), (0.3, 3.0))
    assert (result.status, factor) == ("nonfinite", 3.0)  # none finished: the highest fitness


def test_a_worker_scores_each_task_at_its_best_factor():
    worker = EvaluationWorker([TaskSpec("cancer_mlp")])
    factors = (0.001, 1.0, 10.0)
    out = worker.run(Job(1, SGD, lr_factors=factors))
    record = out.tasks["cancer_mlp@1"]
    # the oracle: each factor written out as program text, trained on its own
    evaluator = Evaluator(worker.tasks[0])
    by_hand = {}
    for factor in factors:
        body = SGD.replace(
            "def train(w, g, lr):\n", f"def train(w, g, lr):\n    lr = lr * {factor}\n"
        )
        by_hand[factor] = evaluator.evaluate([parse(body)])[0].fitness
    best = max(by_hand, key=by_hand.get)
    assert record["lr_factor"] == best and out.fitness == pytest.approx(by_hand[best], abs=1e-6)
    assert len(set(by_hand.values())) == 3  # the factors really train differently
    plain = worker.run(Job(2, SGD))
    assert "lr_factor" not in plain.tasks["cancer_mlp@1"]
    assert plain.fitness == pytest.approx(by_hand[1.0], abs=1e-6)


def test_the_longest_program_still_fits_the_interpreter_at_a_factor():
    space = load_space("lion45")
    longest = parse(SGD)
    while len(longest.body) < space.max_statements:
        longest = at_factor(longest, 1.5)
    scaled = at_factor(longest, 0.5)
    encode(scaled, interpreter_layout(space, (0.5, 1.0)))  # raises when it does not fit
    assert len(scaled.body) == space.max_statements + 1


def test_the_default_factors_keep_a_runs_identity():
    """A run made before ``lr_factors``, ``lr_proportional`` and ``seed_program`` existed hashed
    ``fitness: {combine: ...}`` alone and no seed program; its hash must not change, or it could
    not be resumed. Setting any of them makes another identity."""
    before = config_from_dict({"name": "x"})
    data = yaml.safe_load(before.to_yaml())
    identity = {key: data.get(key) for key in _IDENTITY_KEYS if key != "seed_program"}
    identity["fitness"] = {"combine": "normalized"}  # as such a run stored it
    old = hashlib.sha256(yaml.safe_dump(identity, sort_keys=True).encode()).hexdigest()[:16]
    assert config_hash(before) == old
    scaled = config_from_dict({"name": "x", "fitness": {"lr_factors": [3, 0.3, 1]}})
    assert scaled.fitness.lr_factors == (0.3, 1.0, 3.0)
    seed = Path(__file__).resolve().parents[2] / "search_spaces" / "seeds" / "adamw_optax.txt"
    others = [
        scaled,
        config_from_dict({"name": "x", "fitness": {"lr_proportional": True}}),
        config_from_dict({"name": "x", "seed_program": str(seed)}),
    ]
    assert len({old, *(config_hash(c) for c in others)}) == 4


def test_a_campaign_scores_and_re_evaluates_at_its_factors(tmp_path):
    from symopt.campaign import Campaign
    from symopt.store import RunStore
    from tests.search.test_campaign import SMOKE

    data = {**SMOKE, "budget": {"max_evaluations": 12}, "out": str(tmp_path / "run"),
            "fitness": {"lr_factors": [0.5, 1, 2]}}  # fmt: skip
    outcome = Campaign(config_from_dict(data), show_progress=False).run()
    assert outcome.trained == 12
    store = RunStore.open_readonly(tmp_path / "run")
    trained = [r for r in store.iter_evaluations() if "tasks" in r.metrics]
    factors = {r.metrics["tasks"]["cancer_mlp@1"].get("lr_factor") for r in trained}
    assert factors and factors <= {0.5, 1.0, 2.0}


def test_re_evaluations_train_at_the_campaigns_factors():
    from symopt.elites import Elites

    elites = Elites(2, (0.5, 1.0))
    assert elites.consider(1, "fp", SGD, -1.0) is not None
    assert [job.lr_factors for job in elites.queue] == [(0.5, 1.0), (0.5, 1.0)]
    assert [job.seed for job in elites.queue] == [1, 2]
