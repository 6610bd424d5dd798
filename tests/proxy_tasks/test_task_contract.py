"""The Task contract a user's task is held to: each broken part is one line saying which."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import pytest

from proxy_tasks import TaskError, get_task
from proxy_tasks.contract import check_task

EXAMPLE = Path(__file__).resolve().parents[2] / "configs" / "my_task.py"


@pytest.fixture(scope="module")
def good():
    return get_task(f"{EXAMPLE}:build", 1)


@dataclass(frozen=True)
class Model:
    """The good task's model, with its initial weights or its outputs spoilt."""

    inner: Any
    spoil: str

    def init(self, key):
        params = self.inner.init(key)
        if self.spoil == "nan weights":
            return {k: v * jnp.nan for k, v in params.items()}
        if self.spoil == "int weights":
            return {k: v.astype(jnp.int32) for k, v in params.items()}
        return params

    def apply(self, params, x):
        out = self.inner.apply(params, x)
        return out * jnp.inf if self.spoil == "inf outputs" else out


@dataclass(frozen=True)
class Source:
    """The good task's source, with one of its splits spoilt."""

    inner: Any
    spoil: str

    @property
    def num_classes(self):
        return self.inner.num_classes

    def train_data(self, num_steps, batch_size, seed):
        if self.spoil == "no train data":
            raise FileNotFoundError("wine.csv is missing")
        return self.inner.train_data(num_steps, batch_size, seed)

    def held_out_data(self, split):
        data = self.inner.held_out_data(split)
        if self.spoil == "empty test" and split == "test":
            return {"x": data["x"][:0], "y": data["y"][:0]}
        if self.spoil == "short labels":
            return {"x": data["x"], "y": data["y"][:-1]}
        return data

    def get_batch(self, train_data, step):
        batch = self.inner.get_batch(train_data, step)
        return {"x": batch["x"][:3], "y": batch["y"][:3]} if self.spoil == "3 rows" else batch


@dataclass
class Unhashable:
    inner: Any


def broken_line(task, size=1) -> str:
    with pytest.raises(TaskError) as info:
        check_task(task, size, "task my_task.py:build")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("task my_task.py:build: the task breaks the Task contract: ")
    return message


def test_the_good_task_keeps_the_contract(good):
    check_task(good, 1, "x")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"size": 10}, "its size is 10, but size 1 was asked for"),
        ({"family": "audio"}, "family 'audio' is not one of"),
        ({"metric_name": "accuracy"}, "metric_name 'accuracy' is not one of"),
        ({"loss_name": "hinge"}, "loss_name 'hinge' is not one of"),
        ({"loss_name": "mse", "metric_name": "val_accuracy", "zero_loss": 1.0},
         "metric val_accuracy needs loss_name cross_entropy"),
        ({"loss_name": "mse"}, "an mse task needs zero_loss > 0"),
        ({"num_steps": 0}, "num_steps must be whole and >= 1, got 0"),
        ({"num_steps": 100.0}, "num_steps must be whole and >= 1, got 100.0"),
        ({"batch_size": 0}, "batch_size must be whole and >= 1, got 0"),
        ({"warmup_steps": 500}, "warmup_steps must be from 0 to num_steps, got 500"),
        ({"seed": -1}, "seed must be a whole number >= 0, got -1"),
        ({"worst_fitness": float("nan")}, "worst_fitness must be finite, got nan"),
        ({"divergence_loss": 0.0}, "divergence_loss must be finite and > 0, got 0.0"),
    ],
)  # fmt: skip
def test_each_wrong_setting_is_named(good, changes, expected):
    assert expected in broken_line(dataclasses.replace(good, **changes))


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        ("no train data", "train_data() raised FileNotFoundError: wine.csv is missing"),
        ("empty test", "test_data() has 0 inputs and 0 targets"),
        ("short labels", "val_data() has 27 inputs and 26 targets"),
        ("3 rows", "get_batch gives inputs of shape (3, 13), but batch_size is 32"),
    ],
)
def test_each_broken_split_is_named(good, spoil, expected):
    assert expected in broken_line(dataclasses.replace(good, source=Source(good.source, spoil)))


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        ("nan weights", "parameter 'layer0.w' is not finite at initialisation"),
        ("int weights", "parameter 'layer0.w' is not floating point (int32)"),
        ("inf outputs", "its training loss at the initial parameters is nan"),
    ],
)
def test_a_model_that_cannot_start_is_named(good, spoil, expected):
    assert expected in broken_line(dataclasses.replace(good, model=Model(good.model, spoil)))


def test_an_unhashable_task_is_named(good):
    task = dataclasses.replace(good, source=Unhashable(good.source))
    assert "it is not hashable: make its model and source frozen dataclasses" in broken_line(task)
