"""The held-out generalization suite: tasks no campaign may train on.

Five tasks whose families or architectures the search's registry (:mod:`proxy_tasks.registry`)
does not use: a convolutional net, a fixed-window character model on Python source, an
autoencoder and a regression (both trained by mean squared error, which no search task uses),
and a deep narrow GELU classifier of a generated table. Their data ships with a package or is
generated (:mod:`proxy_tasks.heldout_data`). They live in this separate registry so that a
campaign's config, which names tasks of :func:`proxy_tasks.task_names`, cannot reach them;
``symopt benchmark --suite heldout`` runs them. Each has size 1 only and is built with seed
:data:`~proxy_tasks.registry.SEED`, like every task (the benchmark re-seeds it with its tuning
and report seeds).
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Callable

import numpy as np

from proxy_tasks.base import Task
from proxy_tasks.errors import TaskError
from proxy_tasks.heldout_data import SOURCE_VOCAB, python_source
from proxy_tasks.heldout_models import SmallCNN, WindowLM
from proxy_tasks.heldout_sources import HeldoutArraySource, NextCharSource
from proxy_tasks.models import MLP
from proxy_tasks.registry import SEED
from proxy_tasks.sources import ArraySource


def _task(name, family, steps, batch, model, source, description, metric, mse=False) -> Task:
    """A size-1 task: a classifier (cross-entropy, reference ``ln(classes)``), or with ``mse`` a
    regression whose reference is the mean square of its training targets (the loss of zero)."""
    zero = float(np.mean(np.square(source.split().y_train))) if mse else None
    reference = math.log(source.num_classes) if zero is None else zero
    return Task(
        name=name,
        family=family,
        size=1,
        num_steps=steps,
        batch_size=batch,
        warmup_steps=steps // 10,
        seed=SEED,
        metric_name=metric,
        worst_fitness=0.0 if metric == "val_accuracy" else -2.0 * reference,
        divergence_loss=10.0 * reference,
        model=model,
        source=source,
        description=description,
        loss_name="mse" if mse else "cross_entropy",
        zero_loss=zero,
    )


def digits_cnn() -> Task:
    """Two-layer CNN (8 and 16 channels, global average pool) on the search's 8×8 digits."""
    model = SmallCNN(image_size=8, channels=(8, 16), num_classes=10)
    desc = "CNN conv3x3(8) - conv3x3/2(16) - avg pool - dense on 8x8 digits"
    return _task("digits_cnn", "vision", 300, 64, model, ArraySource("digits"), desc,
                 "val_accuracy")  # fmt: skip


def pysource_lm() -> Task:
    """Window-of-16 character MLP (embed 16, tanh 128) on standard-library Python source;
    fitness is minus held-out nats per character."""
    python_source()  # a missing module is a TaskError here, before anything trains
    model = WindowLM(vocab=len(SOURCE_VOCAB), context=16, dim=16, hidden=128)
    source = NextCharSource(context=16, held_out_windows=2048)
    desc = "next-char MLP, window 16, embed 16, tanh 128, on Python stdlib source"
    return _task("pysource_lm", "language", 400, 64, model, source, desc, "neg_val_loss")


def digits_autoencoder() -> Task:
    """ReLU autoencoder 64-32-8-32-64 reconstructing digit pixels in [0, 1] (MSE)."""
    model = MLP((64, 32, 8, 32, 64), out_gain=0.01)
    source = HeldoutArraySource("digits_pixels")
    desc = "autoencoder MLP 64-32-8-32-64, MSE on 8x8 digit pixels"
    return _task("digits_autoencoder", "reconstruction", 300, 64, model, source, desc,
                 "neg_val_loss", mse=True)  # fmt: skip


def friedman_mlp() -> Task:
    """tanh MLP 10-64-64-1 regressing standardized Friedman #1 targets (MSE; predicting zero
    scores 1 on the training rows)."""
    model = MLP((10, 64, 64, 1), activation="tanh", out_gain=0.01)
    desc = "tanh MLP 10-64-64-1, MSE on generated Friedman #1"
    return _task("friedman_mlp", "regression", 300, 64, model, HeldoutArraySource("friedman"),
                 desc, "neg_val_loss", mse=True)  # fmt: skip


def blobs_gelu() -> Task:
    """Deep narrow GELU MLP 20-32-32-32-5 on a generated 5-class table, batches of 32."""
    model = MLP((20, 32, 32, 32, 5), activation="gelu")
    desc = "GELU MLP 20-32-32-32-5 on generated 5-class clusters"
    return _task("blobs_gelu", "tabular", 300, 32, model, HeldoutArraySource("blobs"), desc,
                 "val_accuracy")  # fmt: skip


HELDOUT: dict[str, Callable[[], Task]] = {
    "digits_cnn": digits_cnn,
    "pysource_lm": pysource_lm,
    "digits_autoencoder": digits_autoencoder,
    "friedman_mlp": friedman_mlp,
    "blobs_gelu": blobs_gelu,
}


def heldout_names() -> list[str]:
    """Every held-out task name, sorted."""
    return sorted(HELDOUT)


@functools.cache
def _build(name: str) -> Task:
    return HELDOUT[name]()


def get_heldout_task(name: str, size: int = 1) -> Task:
    """The held-out task ``name`` (size 1 only); raises :class:`TaskError` for bad input."""
    if name not in HELDOUT:
        close = difflib.get_close_matches(str(name), heldout_names(), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(heldout_names())}."
        raise TaskError(f"Unknown held-out task '{name}'; {hint}")
    if isinstance(size, bool) or size != 1:
        raise TaskError(f"Held-out task '{name}' has size 1 only; got {size!r}.")
    return _build(name)
