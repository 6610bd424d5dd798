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

from proxy_tasks import heldout_data
from proxy_tasks.data import Split
from proxy_tasks.sources import ArraySource, held_out_windows, train_windows, window_table


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
        window = train_windows(train_data, step, self.context)
        return {"x": window[:, :-1], "y": window[:, -1]}


@functools.lru_cache(maxsize=32)
def _char_train_data(source: NextCharSource, num_steps: int, batch_size: int, seed: int) -> dict:
    tokens = heldout_data.python_source().train
    return window_table(tokens, source.context, num_steps, batch_size, seed)


@functools.lru_cache(maxsize=32)
def _char_held_out(source: NextCharSource, split: str) -> dict:
    window = held_out_windows(heldout_data.python_source().held_out(split), source.context,
                              source.held_out_windows)  # fmt: skip
    return {"x": jnp.asarray(window[:, :-1]), "y": jnp.asarray(window[:, -1])}
