"""The fidelity study's parts: the zoo means what its names say, variants, ranks, correlations."""

from pathlib import Path

import jax
import numpy as np
import optax
import pytest

from symopt.benchmark.fidelity import (
    TUNED_BASELINES,
    FidelityResult,
    TaskVariant,
    agreement,
    load_zoo,
    parse_variant,
    ranks,
    run_fidelity,
)
from symopt.dsl import parse
from symopt.errors import SymoptError
from symopt.execution.reference import apply_update, init_states, make_step
from tests.export.test_optax_export import assert_trees_close, gradient, make_params, run_optax

LR = 0.5  # the schedule's value; each zoo program scales it by its own base lr


def run_program(text: str, steps: int = 50):
    program = parse(text)
    step = jax.jit(make_step(program))
    params = make_params()
    states = init_states(program, params)
    for t in range(steps):
        update, states = step(params, gradient(params, t), states, LR)
        params = apply_update(params, update)
    return params


OPTAX_TWINS = {
    "sgd": lambda: optax.sgd(LR * 0.1),
    "momentum": lambda: optax.sgd(LR * 0.01, momentum=0.9),
    "nesterov": lambda: optax.sgd(LR * 0.01, momentum=0.9, nesterov=True),
    "rmsprop": lambda: optax.rmsprop(LR * 1e-3, decay=0.99, eps=1e-8, eps_in_sqrt=False),
    "lion": lambda: optax.lion(LR * 1e-4, b1=0.9, b2=0.99, weight_decay=0.1),
    "signsgd": lambda: optax.chain(optax.scale_by_sign(), optax.scale(-LR * 1e-3)),
}
SEED_TWINS = {  # seeds a campaign may start from (seed_program), against optax
    "adamw_optax": lambda: optax.adamw(LR * 1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01),
}
SEEDS = Path(__file__).resolve().parents[2] / "search_spaces" / "seeds"


@pytest.mark.parametrize("name", sorted(OPTAX_TWINS))
def test_zoo_programs_match_their_optax_twins(name):
    ours = run_program(load_zoo()[name], steps=50)
    theirs = run_optax(OPTAX_TWINS[name](), make_params(), steps=50)
    assert_trees_close(ours, theirs, atol=2e-5)
    moved = max(float(np.max(np.abs(ours[k] - make_params()[k]))) for k in ours)
    assert moved > 1e-3  # the comparison is not vacuous


@pytest.mark.parametrize("name", sorted(SEED_TWINS))
def test_seed_programs_match_their_optax_twins(name):
    ours = run_program((SEEDS / f"{name}.txt").read_text(), steps=100)
    theirs = run_optax(SEED_TWINS[name](), make_params(), steps=100)
    assert_trees_close(ours, theirs, atol=1e-5)
    moved = max(float(np.max(np.abs(ours[k] - make_params()[k]))) for k in ours)
    assert moved > 1e-3


def test_the_zoo_holds_the_families_the_issue_names():
    zoo = load_zoo()
    assert {"sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "signsgd", "signum",
            "lion", "adabelief", "adamw_clip"} <= set(zoo)  # fmt: skip
    assert not set(zoo) & set(TUNED_BASELINES)


def test_variants_parse_build_and_refuse_bad_text():
    variant = parse_variant("cancer_mlp@1,b16,s100")
    assert variant == TaskVariant("cancer_mlp", 1, (("batch_size", 16), ("num_steps", 100)))
    assert variant.label == "cancer_mlp@1,b16,s100"
    task = variant.build()
    assert (task.batch_size, task.num_steps, task.warmup_steps) == (16, 100, 10)
    assert parse_variant("digits_cnn@1").build().name == "digits_cnn"  # held-out names resolve
    for bad in ("cancer_mlp@x", "cancer_mlp@1,q3", "cancer_mlp@1,b0", "cancer_mlp@1,bx"):
        with pytest.raises(SymoptError, match="cancer_mlp"):
            parse_variant(bad)
    with pytest.raises(SymoptError, match="Unknown proxy task"):
        parse_variant("nope@1").build()


def test_ranks_put_failures_last_and_share_ties():
    order = ranks({"a": 1.0, "b": float("nan"), "c": 0.5, "d": 0.5}, ["a", "b", "c", "d"])
    assert list(order) == [3.0, 4.0, 1.5, 1.5]


def test_agreement_against_hand_computed_correlations():
    names = ["p", "q", "r", "s"]
    result = FidelityResult(names)
    result.losses = {
        "proxy": dict(zip(names, [1.0, 2.0, 3.0, 4.0], strict=True)),
        "same": dict(zip(names, [10.0, 20.0, 30.0, 40.0], strict=True)),
        "swap": dict(zip(names, [2.0, 1.0, 3.0, 4.0], strict=True)),  # one adjacent pair swapped
    }
    a = agreement(result, "proxy", ["same", "swap"])
    assert a.rho["same"] == pytest.approx(1.0) and a.tau["same"] == pytest.approx(1.0)
    # rho = 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 6 * 2 / 60; tau = (5 - 1) / 6
    assert a.rho["swap"] == pytest.approx(0.8) and a.tau["swap"] == pytest.approx(4 / 6)
    assert a.mean_rho == pytest.approx(0.9)
    # against the mean ranks (1.5, 1.5, 3, 4): Pearson of ranks, cov 4.5 / sqrt(5 * 4.5)
    assert a.rho_mean_rank == pytest.approx(np.sqrt(4.5 / 5))
    with pytest.raises(SymoptError, match="no target"):
        agreement(result, "proxy", ["proxy"])


@pytest.mark.slow
def test_a_tiny_study_trains_every_optimizer_on_every_variant():
    zoo = {name: text for name, text in load_zoo().items() if name in ("sgd", "lion")}
    variants = [parse_variant("cancer_mlp@1,s40"), parse_variant("cancer_mlp@1,s40,b16")]
    result = run_fidelity(variants, zoo, seeds=1, extend=0)
    assert result.optimizers == ["lion", "sgd", *TUNED_BASELINES]  # the zoo sorted, then optax
    for label in ("cancer_mlp@1,s40", "cancer_mlp@1,s40,b16"):
        losses = result.losses[label]
        assert set(losses) == set(result.optimizers)
        assert all(np.isfinite(v) and v < 0.7 for v in losses.values())  # all learned something
    assert result.losses["cancer_mlp@1,s40"] != result.losses["cancer_mlp@1,s40,b16"]
