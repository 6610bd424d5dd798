"""The shared training loop: divergence handling, repeatability, and an optax oracle."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from proxy_tasks import get_task, make_optax_trainer, train_loop, train_optax
from proxy_tasks.train import chunk_length


@pytest.fixture(scope="module")
def task():
    return get_task("digits_mlp")


@pytest.mark.parametrize(
    ("steps", "expected"), [(300, 30), (1000, 100), (7, 1), (301, 7), (10, 1), (1, 1)]
)
def test_chunk_length_divides_the_run(steps, expected):
    assert chunk_length(steps) == expected


def test_a_diverging_run_gets_the_worst_fitness_and_skips_work(task):
    result = make_optax_trainer(task, optax.sgd(task.lr_schedule(1e4)))()
    assert bool(result.diverged)
    assert float(result.fitness) == task.worst_fitness
    losses = np.asarray(result.losses)
    assert np.isnan(losses[-chunk_length(task.num_steps) :]).all()


def test_a_nan_update_gets_the_worst_fitness():
    task = get_task("shakespeare_lm")

    def poison(params, grads, state, step):
        return jax.tree.map(lambda w: w * jnp.nan, params), state

    run = jax.jit(lambda p, d, v: train_loop(task, poison, p, (), d, v))
    outcome = run(task.init_params(), task.train_data(), task.val_data())
    assert bool(outcome.diverged)
    assert float(outcome.fitness) == pytest.approx(task.worst_fitness)


def test_a_compiled_trainer_is_repeatable(task):
    trainer = make_optax_trainer(task, optax.adamw(task.lr_schedule(1e-3), weight_decay=0.01))
    first, second = trainer(), trainer()
    assert trainer.compile_seconds > 0
    assert float(first.fitness) == float(second.fitness)
    np.testing.assert_array_equal(first.losses, second.losses)
    assert first.losses.shape == (task.num_steps,)
    assert float(first.final_loss) == float(first.losses[-1])


def test_train_loop_with_a_hand_written_update_matches_optax_sgd(task):
    peak = 0.1

    def sgd(params, grads, state, step):
        lr = peak * task.schedule(step)
        return jax.tree.map(lambda w, g: w - lr * g, params, grads), state

    run = jax.jit(lambda p, d, v: train_loop(task, sgd, p, (), d, v))
    mine = run(task.init_params(), task.train_data(), task.val_data())
    theirs = make_optax_trainer(task, optax.sgd(task.lr_schedule(peak)))()
    np.testing.assert_allclose(mine.losses, theirs.losses, rtol=1e-4, atol=1e-5)
    assert float(mine.fitness) == pytest.approx(float(theirs.fitness), abs=0.01)


def test_train_optax_reports_python_numbers(task):
    result = train_optax(task, optax.adamw(task.lr_schedule(1e-3), weight_decay=0.01))
    assert set(result) >= {"fitness", "final_loss", "seconds", "compile_seconds", "diverged"}
    assert all(isinstance(result[key], float) for key in ("fitness", "final_loss", "seconds"))
    assert 0.9 < result["fitness"] <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["digits_mlp", "cancer_mlp"])
def test_size_10_trains(name):
    task = get_task(name, 10)
    result = train_optax(task, optax.adamw(task.lr_schedule(1e-3), weight_decay=0.01))
    assert not result["diverged"] and result["fitness"] > 0.9
