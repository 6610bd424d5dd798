"""Where batches come from: fixed index tables, so a batch is a pure function of the step.

A source turns a data set into pytrees of jnp arrays: ``train_data`` (the data plus a
precomputed ``[num_steps, batch_size]`` int32 table built with numpy from the task seed) and
``held_out_data(split)`` for ``"validation"`` and ``"test"`` (every held-out read goes through
it, so a source that refuses one split catches any reader of it). ``get_batch(data, step)``
is a gather on that table, traceable with a traced int32 ``step``, so a whole training run
fits in one ``lax.scan`` with no host round trips.

Batches are dicts ``{"x": inputs, "y": int32 labels}``: for :class:`ArraySource` ``x`` is float32
``[batch, features]`` and ``y`` is ``[batch]``; for :class:`TextSource` both are int32
``[batch, context]`` and ``y`` is ``x`` shifted by one character.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from proxy_tasks import data, text


@dataclass(frozen=True)
class ArraySource:
    """Rows of a classification data set from :data:`proxy_tasks.data.LOADERS`.

    ``train_limit`` keeps only the first training rows, ``held_out_limit`` the first rows of the
    validation and of the test part (None: all of them).
    Training batches sample without replacement within an epoch: the table is a run of
    independent permutations of the training rows, cut into ``num_steps`` batches.
    """

    dataset: str
    train_limit: int | None = None
    held_out_limit: int | None = None

    def split(self) -> data.Split:
        return data.LOADERS[self.dataset]()

    @property
    def num_classes(self) -> int:
        return self.split().num_classes

    def train_data(self, num_steps: int, batch_size: int, seed: int) -> dict:
        return _array_train_data(self, num_steps, batch_size, seed)

    def held_out_data(self, split: str) -> dict:
        return _array_held_out(self, split)

    def get_batch(self, train_data: dict, step) -> dict:
        rows = train_data["index"][step]
        x = train_data["x"][rows].astype(jnp.float32) * jnp.float32(self.split().x_scale)
        return {"x": x, "y": train_data["y"][rows]}


@functools.lru_cache(maxsize=32)
def _array_train_data(source: ArraySource, num_steps: int, batch_size: int, seed: int) -> dict:
    split = source.split()
    x, y = split.x_train[: source.train_limit], split.y_train[: source.train_limit]
    rng = np.random.default_rng(seed)
    epochs = -(-num_steps * batch_size // len(x))
    order = np.concatenate([rng.permutation(len(x)) for _ in range(epochs)])
    index = order[: num_steps * batch_size].reshape(num_steps, batch_size).astype(np.int32)
    return {"x": jnp.asarray(x), "y": jnp.asarray(y), "index": jnp.asarray(index)}


@functools.lru_cache(maxsize=32)
def _array_held_out(source: ArraySource, name: str) -> dict:
    split = source.split()
    x, y = split.held_out(name)
    x = x[: source.held_out_limit].astype(np.float32) * np.float32(split.x_scale)
    return {"x": jnp.asarray(x), "y": jnp.asarray(y[: source.held_out_limit])}


@dataclass(frozen=True)
class TextSource:
    """Windows of ``context + 1`` characters from the Shakespeare corpus (:mod:`proxy_tasks.text`).

    Training windows start at offsets drawn uniformly (with replacement) from the whole training
    stream; validation and test use ``held_out_windows`` windows spaced evenly over their play.
    """

    context: int
    held_out_windows: int

    @property
    def num_classes(self) -> int:
        return len(text.VOCAB)

    def train_data(self, num_steps: int, batch_size: int, seed: int) -> dict:
        return _text_train_data(self, num_steps, batch_size, seed)

    def held_out_data(self, split: str) -> dict:
        return _text_held_out(self, split)

    def get_batch(self, train_data: dict, step) -> dict:
        window = train_windows(train_data, step, self.context)
        return {"x": window[:, :-1], "y": window[:, 1:]}


@functools.lru_cache(maxsize=32)
def _text_train_data(source: TextSource, num_steps: int, batch_size: int, seed: int) -> dict:
    return window_table(text.shakespeare().train, source.context, num_steps, batch_size, seed)


@functools.lru_cache(maxsize=32)
def _text_held_out(source: TextSource, split: str) -> dict:
    window = held_out_windows(text.shakespeare().held_out(split), source.context,
                              source.held_out_windows)  # fmt: skip
    return {"x": jnp.asarray(window[:, :-1]), "y": jnp.asarray(window[:, 1:])}


def window_table(tokens: np.ndarray, context: int, num_steps: int, batch_size: int,
                 seed: int) -> dict:  # fmt: skip
    """A token stream's training table: ``[num_steps, batch_size]`` window starts drawn
    uniformly (with replacement) from ``seed``; :func:`train_windows` gathers them."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(tokens) - context, (num_steps, batch_size), np.int32)
    return {"tokens": jnp.asarray(tokens), "starts": jnp.asarray(starts)}


def train_windows(train_data: dict, step, context: int) -> jnp.ndarray:
    """The int32 ``[batch, context + 1]`` windows of batch ``step`` (traceable)."""
    starts = train_data["starts"][step]
    return train_data["tokens"][starts[:, None] + jnp.arange(context + 1)].astype(jnp.int32)


def held_out_windows(tokens: np.ndarray, context: int, count: int) -> np.ndarray:
    """``count`` int32 windows of ``context + 1`` tokens spaced evenly over ``tokens``."""
    starts = np.linspace(0, len(tokens) - context - 1, count).astype(np.int64)
    return tokens[starts[:, None] + np.arange(context + 1)].astype(np.int32)
