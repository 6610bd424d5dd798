"""Contracts every registered task keeps at size 1 (one parametrized test per contract)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from proxy_tasks import get_task, task_names, train_optax

NAMES = task_names()


@pytest.fixture(scope="module", params=NAMES)
def task(request):
    return get_task(request.param, 1)


def test_init_is_deterministic_float32(task):
    first, second = task.init_params(), task.init_params()
    assert isinstance(first, dict) and first.keys() == second.keys()
    for key in first:
        assert first[key].dtype == jnp.float32
        np.testing.assert_array_equal(first[key], second[key])
    rebuilt = task.model.init(jax.random.key(task.seed))
    for key in first:
        np.testing.assert_array_equal(first[key], rebuilt[key])


def test_batches_have_the_right_shapes_under_jit(task):
    data = task.train_data()
    get_batch = jax.jit(task.get_batch)
    batch = get_batch(data, jnp.int32(0))
    assert batch["x"].shape[0] == task.batch_size
    assert batch["y"].shape[0] == task.batch_size
    assert batch["y"].dtype == jnp.int32
    again = get_batch(data, jnp.int32(0))
    np.testing.assert_array_equal(batch["x"], again["x"])
    last = get_batch(data, jnp.int32(task.num_steps - 1))
    assert not np.array_equal(batch["y"], last["y"]) or not np.array_equal(batch["x"], last["x"])
    val = task.val_data()
    assert val["x"].shape[1:] == batch["x"].shape[1:]


def test_loss_is_a_finite_scalar_below_divergence(task):
    batch = task.get_batch(task.train_data(), jnp.int32(0))
    loss = jax.jit(task.loss)(task.init_params(), batch)
    assert loss.shape == () and loss.dtype == jnp.float32
    assert np.isfinite(loss) and 0 < float(loss) < task.divergence_loss / 2


def test_schedule_warms_up_to_one_then_decays_to_zero(task):
    steps = jnp.arange(task.num_steps + 1)
    lr = np.asarray(jax.jit(jax.vmap(task.schedule))(steps))
    assert lr.dtype == np.float32
    assert 0 < lr[0] <= 1.0 / task.warmup_steps + 1e-6
    assert lr.max() == pytest.approx(1.0)
    assert np.all(np.diff(lr[: task.warmup_steps]) > 0)
    assert np.all(np.diff(lr[task.warmup_steps :]) <= 1e-7)
    assert lr[-1] == pytest.approx(0.0, abs=1e-7)
    assert lr[task.num_steps - 1] < 0.01
    np.testing.assert_allclose(task.lr_schedule(2e-3)(steps), 2e-3 * lr, rtol=1e-6)


def test_adamw_beats_the_initial_parameters(task):
    initial = float(task.fitness(task.init_params(), task.val_data()))
    result = train_optax(task, optax.adamw(task.lr_schedule(3e-3), weight_decay=0.01))
    assert not result["diverged"]
    assert np.isfinite(result["final_loss"])
    margin = 0.2 if task.metric_name == "val_accuracy" else 1.0
    assert result["fitness"] > initial + margin
    assert result["seconds"] < 5.0


def test_validation_and_test_are_different_held_out_data(task):
    val, test = task.val_data(), task.test_data()
    assert val["x"].dtype == test["x"].dtype and val["y"].dtype == test["y"].dtype
    assert val["x"].shape[1:] == test["x"].shape[1:]
    assert not (val["x"].shape == test["x"].shape and bool(jnp.all(val["x"] == test["x"])))


def test_scoring_moves_the_fitness_to_another_split_and_metric(task):
    on_test = task.scoring("test", "neg_val_loss")
    assert on_test.split == "test" and task.split == "validation"
    assert on_test.val_data() is task.test_data()
    assert on_test.worst_fitness == pytest.approx(-task.worst_loss)
    params = task.init_params()
    loss = -float(on_test.fitness(params, on_test.val_data()))
    assert 0.1 < loss < task.worst_loss  # an untrained model: near ln(classes)
    with pytest.raises(ValueError, match="unknown split"):
        task.scoring("train")
