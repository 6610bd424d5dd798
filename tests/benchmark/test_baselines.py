"""Every baseline of the shared registry trains a task and is scored where it should be."""

import dataclasses

import jax
import jax.numpy as jnp
import optax
import pytest

from proxy_tasks import get_task
from symopt.benchmark.baselines import BASELINES, REFERENCE, baseline
from symopt.benchmark.trainers import BaselineTrainer
from symopt.errors import SymoptError


@pytest.fixture(scope="module")
def task():
    return get_task("cancer_mlp", 1)


@pytest.mark.parametrize("entry", BASELINES, ids=lambda b: b.name)
def test_each_baseline_trains_at_a_middle_setting(task, entry):
    untrained = -float(task.scoring("validation", "neg_val_loss").fitness(
        task.init_params(), task.val_data()))  # fmt: skip
    score = BaselineTrainer(task, entry).score(entry.lrs[3], entry.weight_decays[1], 1000,
                                               "validation")  # fmt: skip
    assert score.status == "ok"
    assert score.loss < 0.5 * untrained
    assert 0.9 < score.accuracy <= 1.0


def test_grids_follow_the_rules():
    assert BASELINES[0].name == REFERENCE
    for entry in BASELINES:
        assert len(entry.lrs) >= 7 and entry.lrs[-1] / entry.lrs[0] > 999  # three decades
        assert entry.weight_decays[0] == 0.0 and len(entry.weight_decays) >= 3
    adamw, lion = baseline("AdamW"), baseline("Lion")
    assert lion.lrs[3] * 3 <= adamw.lrs[3] and lion.weight_decays[1] >= 3 * adamw.weight_decays[1]
    with pytest.raises(SymoptError, match="known: AdamW"):
        baseline("adam")


def test_schedule_free_is_scored_at_its_averaged_point(task):
    """The score equals the loss of ``schedule_free_eval_params``, not of the raw iterate."""
    entry = baseline("Schedule-Free-AdamW")
    seeded = dataclasses.replace(task, seed=1000)
    optimizer = entry.make(seeded, jnp.float32(0.1), jnp.float32(0.0))
    params = seeded.init_params()
    state = optimizer.init(params)
    data = seeded.train_data()
    for step in range(seeded.num_steps):
        grads = jax.grad(seeded.loss)(params, seeded.get_batch(data, step))
        updates, state = optimizer.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    scored = seeded.scoring("validation", "neg_val_loss")
    averaged = -float(scored.fitness(optax.contrib.schedule_free_eval_params(state, params),
                                     scored.val_data()))  # fmt: skip
    raw = -float(scored.fitness(params, scored.val_data()))
    score = BaselineTrainer(task, entry).score(0.1, 0.0, 1000, "validation")
    assert score.loss == pytest.approx(averaged, rel=1e-3)
    assert abs(averaged - raw) > 0.005
