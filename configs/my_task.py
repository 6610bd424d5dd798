"""Your own task for symopt: a two-layer MLP classifying scikit-learn's wine table.

A campaign names it as ``tasks: [{module: my_task.py, name: build, size: 1}]`` (the file is
found relative to the campaign's YAML file), the command line as ``configs/my_task.py:build``
(relative to the current folder). symopt calls ``build(size)`` with the size asked for (1, 10 or
100) and checks the :class:`proxy_tasks.Task` it returns against the task contract before
anything trains on it. Everything here is the user's to change: the data, the model, the budget.

The data: 178 wines, 13 chemical measurements, 3 cultivars; cut 70/15/15 into train, validation
(what a search scores) and test (what ``symopt benchmark`` and ``symopt funnel`` report) by one
fixed permutation, features standardized with the training rows' statistics.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_wine

from proxy_tasks import Task
from proxy_tasks.data import Split
from proxy_tasks.models import MLP
from proxy_tasks.sources import ArraySource

# size -> (hidden layer widths, training steps); batches of 32 rows, 10% warm-up
SIZES = {1: ((32,), 200), 10: ((64, 64), 600), 100: ((128, 128, 128), 2000)}


@functools.cache
def wine_split() -> Split:
    """The fixed train / validation / test split (124 / 27 / 27 rows), loaded once."""
    x, y = load_wine(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))
    train, val, test = np.split(order, [124, 151])
    x = (x - x[train].mean(axis=0)) / x[train].std(axis=0)
    x, y = x.astype(np.float32), y.astype(np.int32)
    return Split(x[train], y[train], x[val], y[val], x[test], y[test], x_scale=1.0, num_classes=3)


@dataclass(frozen=True)
class WineSource(ArraySource):
    """Batches of wine rows: an :class:`ArraySource` whose split is :func:`wine_split`."""

    dataset: str = "wine"

    def split(self) -> Split:
        return wine_split()


def build(size: int) -> Task:
    """The wine task at ``size``: MLP 13-32-3 for 200 steps at size 1, wider, deeper and longer
    at 10 and 100. Fitness is minus the validation cross-entropy (a loss separates optimizers
    that a 27-row accuracy cannot)."""
    if size not in SIZES:
        raise ValueError(f"the wine task has sizes {sorted(SIZES)}, not {size}")
    hidden, steps = SIZES[size]
    model = MLP((13, *hidden, 3))
    return Task(
        name="wine_mlp",
        family="tabular",
        size=size,
        num_steps=steps,
        batch_size=32,
        warmup_steps=steps // 10,
        seed=0,
        metric_name="neg_val_loss",
        worst_fitness=-2.0 * math.log(3),  # a failed run counts as twice a uniform guess's loss
        divergence_loss=10.0 * math.log(3),
        model=model,
        source=WineSource(),
        description=f"MLP {'-'.join(map(str, model.layer_sizes))} on scikit-learn's wine table",
    )
