"""The contract a :class:`Task` from the user's own module must meet before anything trains on it.

The registry's tasks meet it by construction; a user's builder may return anything, so
:func:`check_task` tries what an evaluator will do, once, eagerly, at the initial parameters:

- the settings: ``size`` is the size asked for; ``family``, ``metric_name``, ``loss_name`` are
  known names (an accuracy needs the cross-entropy loss; an ``mse`` task sets ``zero_loss`` > 0);
  ``num_steps >= 1``, ``batch_size >= 1``, ``0 <= warmup_steps <= num_steps``, ``seed >= 0``;
  ``worst_fitness`` finite; ``divergence_loss`` finite and > 0;
- hashable (model and source frozen dataclasses, say), since compiled runs are cached per task;
- the data: ``train_data()``, ``val_data()`` and ``test_data()`` load; the validation and test
  splits are ``{"x", "y"}`` with the same, non-zero number of rows; ``get_batch(train, 0)`` gives
  ``batch_size`` rows;
- the model: ``init_params()`` is a non-empty dict of finite floating arrays; the training loss of
  the first batch and the metric on validation and test are finite there (computed under one
  ``jax.jit``, the way an evaluator runs them).

Each failure is one :class:`TaskError` line naming what is wrong.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from contextlib import contextmanager

import jax
import jax.numpy as jnp

from proxy_tasks.base import FAMILIES, LOSSES, METRICS, Task
from proxy_tasks.errors import TaskError


def check_task(task: Task, size: int, where: str) -> None:
    """Raise :class:`TaskError` ``"<where>: ... <what is wrong>"`` unless ``task`` keeps the
    contract (the module docstring's list), for a builder asked for ``size``."""
    try:
        problem = _settings_problem(task, size)
        if problem is None:
            _check_behaviour(task)
    except _Broken as err:
        problem = str(err)
    if problem is not None:
        raise TaskError(f"{where}: the task breaks the Task contract: {problem}")


class _Broken(Exception):
    """A broken part of the contract; ``str()`` says which."""


@contextmanager
def _doing(what: str) -> Iterator[None]:
    """Any exception the user's code raises in the block becomes a :class:`_Broken` line."""
    try:
        yield
    except _Broken:
        raise
    except Exception as err:  # the user's code: whatever it raises is reported, not a traceback
        message = " ".join(str(err).split())
        raise _Broken(f"{what} raised {type(err).__name__}: {message}") from None


def _settings_problem(task: Task, size: int) -> str | None:
    checks = [
        (task.size == size, f"its size is {task.size!r}, but size {size} was asked for"),
        (task.family in FAMILIES, f"family {task.family!r} is not one of {FAMILIES}"),
        (task.metric_name in METRICS, f"metric_name {task.metric_name!r} is not one of {METRICS}"),
        (task.loss_name in LOSSES, f"loss_name {task.loss_name!r} is not one of {tuple(LOSSES)}"),
        (
            task.metric_name != "val_accuracy" or task.loss_name == "cross_entropy",
            "metric val_accuracy needs loss_name cross_entropy",
        ),
        (
            task.loss_name != "mse" or _positive(task.zero_loss),
            "an mse task needs zero_loss > 0 (the mean square of its training targets)",
        ),
        (_whole(task.num_steps, 1), f"num_steps must be whole and >= 1, got {task.num_steps!r}"),
        (_whole(task.batch_size, 1), f"batch_size must be whole and >= 1, got {task.batch_size!r}"),
        (
            _whole(task.warmup_steps, 0)
            and _whole(task.num_steps, 1)
            and task.warmup_steps <= task.num_steps,
            f"warmup_steps must be from 0 to num_steps, got {task.warmup_steps!r}",
        ),
        (_whole(task.seed, 0), f"seed must be a whole number >= 0, got {task.seed!r}"),
        (_finite(task.worst_fitness), f"worst_fitness must be finite, got {task.worst_fitness!r}"),
        (
            _positive(task.divergence_loss),
            f"divergence_loss must be finite and > 0, got {task.divergence_loss!r}",
        ),
    ]  # fmt: skip
    return next((message for ok, message in checks if not ok), None)


def _check_behaviour(task: Task) -> None:
    try:
        hash(task)
    except TypeError:
        raise _Broken("it is not hashable: make its model and source frozen dataclasses") from None
    splits = {}
    for name in ("train_data", "val_data", "test_data"):
        with _doing(f"{name}()"):
            splits[name] = getattr(task, name)()
    for name in ("val_data", "test_data"):
        _check_split(name, splits[name])
    with _doing("get_batch(train_data(), 0)"):
        shape = jax.eval_shape(task.get_batch, splits["train_data"], 0)["x"].shape
    if not shape or shape[0] != task.batch_size:
        raise _Broken(
            f"get_batch gives inputs of shape {shape}, but batch_size is {task.batch_size}"
        )
    with _doing("init_params()"):
        params = task.init_params()
        _check_params(params)
    with _doing("computing the loss and the metric"):  # one compilation, not one per op
        values = _first_values(task, params, splits)
    names = ("training loss", f"{task.metric_name} on validation", f"{task.metric_name} on test")
    for name, value in zip(names, values, strict=True):
        if not math.isfinite(float(value)):
            raise _Broken(f"its {name} at the initial parameters is {float(value)}")


@functools.partial(jax.jit, static_argnums=0)
def _first_values(task: Task, params: dict, splits: dict) -> tuple:
    """The loss of the first training batch and the metric on validation and on test."""
    batch = task.get_batch(splits["train_data"], 0)
    evaluate = task.evaluate
    return (
        task.loss(params, batch),
        evaluate(params, splits["val_data"]),
        evaluate(params, splits["test_data"]),
    )


def _check_split(name: str, split: object) -> None:
    if not isinstance(split, dict) or not {"x", "y"} <= set(split):
        raise _Broken(f"{name}() must return a dict with 'x' and 'y', got {type(split).__name__}")
    rows = {len(split["x"]), len(split["y"])}
    if len(rows) != 1 or 0 in rows:
        raise _Broken(f"{name}() has {len(split['x'])} inputs and {len(split['y'])} targets")


def _check_params(params: object) -> None:
    if not isinstance(params, dict) or not params:
        raise _Broken(f"init_params() must return a non-empty dict, got {type(params).__name__}")
    for key, value in params.items():
        dtype = jnp.asarray(value).dtype
        if not jnp.issubdtype(dtype, jnp.floating):
            raise _Broken(f"parameter {key!r} is not floating point ({dtype})")
        if not bool(jnp.isfinite(value).all()):
            raise _Broken(f"parameter {key!r} is not finite at initialisation")


def _whole(value: object, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: object) -> bool:
    return _finite(value) and value > 0
