"""Batch sources of the held-out suite, in the form of :mod:`proxy_tasks.sources`.

:class:`HeldoutArraySource` is an :class:`~proxy_tasks.sources.ArraySource` over the held-out
loaders (targets may be float32 arrays: a regression's or an autoencoder's). :class:`NextCharSource`
cuts the Python-source corpus into windows of ``context`` characters, each labelled with the one
character that follows it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from proxy_tasks import heldout_data
from proxy_tasks.data import Split
from proxy_tasks.sources import ArraySource


@dataclass(frozen=True)
class HeldoutArraySource(ArraySource):
    """Rows of a data set from :data:`proxy_tasks.heldout_data.LOADERS`."""

    def split(self) -> Split:
        return heldout_data.LOADERS[self.dataset]()


@dataclass(frozen=True)
class NextCharSource:
    """Windows of the Python-source corpus (:func:`heldout_data.python_source`).

    Batches are ``{"x": int32 [batch, context], "y": int32 [batch]}``, ``y`` the next
    character. Training windows start at offsets drawn uniformly (with replacement) from the
    training stream; validation and test use ``held_out_windows`` windows spaced evenly over
    their file.
    """

    context: int
    held_out_windows: int

    @property
    def num_classes(self) -> int:
        return len(heldout_data.SOURCE_VOCAB)

    def train_data(self, num_steps: int, batch_size: int, seed: int) -> dict:
        return _char_train_data(self, num_steps, batch_size, seed)

    def held_out_data(self, split: str) -> dict:
        return _char_held_out(self, split)

    def get_batch(self, train_data: dict, step) -> dict:
        starts = train_data["starts"][step]
        window = train_data["tokens"][starts[:, None] + jnp.arange(self.context + 1)]
        window = window.astype(jnp.int32)
        return {"x": window[:, :-1], "y": window[:, -1]}


@functools.lru_cache(maxsize=32)
def _char_train_data(source: NextCharSource, num_steps: int, batch_size: int, seed: int) -> dict:
    tokens = heldout_data.python_source().train
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(tokens) - source.context, (num_steps, batch_size), np.int32)
    return {"tokens": jnp.asarray(tokens), "starts": jnp.asarray(starts)}


@functools.lru_cache(maxsize=32)
def _char_held_out(source: NextCharSource, split: str) -> dict:
    tokens = heldout_data.python_source().held_out(split)
    last = len(tokens) - source.context - 1
    starts = np.linspace(0, last, source.held_out_windows).astype(np.int64)
    window = tokens[starts[:, None] + np.arange(source.context + 1)].astype(np.int32)
    return {"x": jnp.asarray(window[:, :-1]), "y": jnp.asarray(window[:, -1])}
