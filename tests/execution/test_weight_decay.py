"""Decoupled weight decay added to a program (the benchmark tunes it as it tunes AdamW's)."""

import numpy as np
import optax
import pytest

import proxy_tasks
from symopt.benchmark.trainers import ProgramTrainer
from symopt.dsl import parse, to_text
from symopt.execution.weight_decay import PROGRAM_WEIGHT_DECAYS, with_decay
from tests.benchmark.test_fidelity import LR, run_program
from tests.dsl.test_text import SEEDS
from tests.export.test_optax_export import assert_trees_close, make_params, run_optax

ADAMW = (SEEDS / "adamw_optax.txt").read_text()  # optax.adamw, weight decay 0.01, step 1e-3 * lr
ADAM = ADAMW.replace("wd = w * 0.01", "wd = w * 0.0")  # the same without weight decay


def test_rate_zero_is_the_program_and_bad_rates_are_refused():
    program = parse(ADAM)
    assert with_decay(program, 0.0) is program
    for bad in (-1e-4, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite and >= 0"):
            with_decay(program, bad)


def test_the_decay_reads_lr_and_w_before_the_body_and_names_stay_fresh():
    text = """def train(w, g, lr):
    decay = g * 2.0
    w = w * 0.0
    lr = lr * 0.0
    update = decay * 0.001
    return update
"""
    lines = to_text(with_decay(parse(text), 1e-4)).splitlines()
    assert lines[1].strip() == "decay_lr = lr * 0.0001"
    assert lines[2].strip() == "decay2 = w * decay_lr"
    assert lines[-2].strip() == "decayed = update + decay2"
    assert lines[-1].strip() == "return decayed"


@pytest.mark.parametrize("adamw_wd", [0.01, 0.1])
def test_adam_plus_decay_is_optax_adamw(adamw_wd):
    """Adam (the optax-exact seed without its weight decay) plus rate ``1e-3 * wd`` trains as
    optax.adamw with weight decay ``wd`` (the program's step is ``1e-3 * lr``)."""
    ours = run_program(to_text(with_decay(parse(ADAM), 1e-3 * adamw_wd)), steps=100)
    theirs = run_optax(optax.adamw(LR * 1e-3, eps=1e-8, weight_decay=adamw_wd), make_params(),
                       steps=100)  # fmt: skip
    assert_trees_close(ours, theirs, atol=1e-5)
    undecayed = run_program(ADAM, steps=100)
    gap = max(float(np.max(np.abs(undecayed[k] - theirs[k]))) for k in theirs)
    assert gap > 1e-4  # without the decay the comparison would fail


def test_the_benchmark_trainer_adds_the_decay():
    """Through the compiled interpreter on a real task: Adam with added rate 1e-5 scores as the
    seed whose own weight decay is 0.01 (the same update), and differently from Adam alone."""
    trainer = ProgramTrainer(proxy_tasks.get_task("cancer_mlp", 1))
    seed = proxy_tasks.tuning_seeds(1)[0]
    adam, adamw = parse(ADAM), parse(ADAMW)
    added = trainer.score(adam, 3.0, 1e-5, seed, "validation").loss
    own = trainer.score(adamw, 3.0, None, seed, "validation").loss
    plain = trainer.score(adam, 3.0, 0.0, seed, "validation").loss
    assert added == pytest.approx(own, rel=1e-4)
    assert abs(plain - own) > 1e-5
    assert PROGRAM_WEIGHT_DECAYS[0] == 0.0  # the default grid keeps the program as written


def test_a_program_longer_than_the_default_layout_still_trains():
    body = "\n".join(f"    g = g * 1.0{i:02d}" for i in range(47))  # 47 live statements
    program = parse(f"def train(w, g, lr):\n{body}\n    update = g * lr\n    return update\n")
    trainer = ProgramTrainer(proxy_tasks.get_task("cancer_mlp", 1))
    score = trainer.score(program, 1e-3, 1e-4, proxy_tasks.tuning_seeds(1)[0], "validation")
    assert score.status == "ok" and np.isfinite(score.loss)
