"""Classification data sets: fixed train/validation/test splits as numpy arrays, loaded once.

Three splits (EVALUATION.md rule 1): a search trains on train and scores validation; only the
benchmark and the funnel report test. The small sets (digits, breast cancer) are cut 70/15/15 by
one fixed permutation; Fashion-MNIST takes its validation rows from the official training set and
keeps the official test set as test.

Every loader returns a :class:`Split` and is cached with ``functools.cache``, so building a task a
second time costs nothing. Nothing is downloaded: digits and breast-cancer ship with scikit-learn,
Fashion-MNIST comes from the Debian package ``dataset-fashion-mnist``.
"""

from __future__ import annotations

import functools
import gzip
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from proxy_tasks.errors import TaskError

FASHION_MNIST_ENV = "PROXY_TASKS_FASHION_MNIST_DIR"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
FASHION_MNIST_VAL_ROWS = 10_000  # the last rows of the official training set
SPLIT_SEED = 0  # the fixed shuffle behind the train/validation/test split of the small sets
VAL_FRACTION = 0.15
TEST_FRACTION = 0.15
SPLITS = ("validation", "test")
"""The held-out splits a task can score (training always uses the train split)."""


class Split(NamedTuple):
    """A fixed train/validation/test split; the three parts share no row.

    ``x_*`` hold raw features (uint8 pixels or float32); the model's input is
    ``x.astype(float32) * x_scale``. ``y_*`` are int32 class labels in ``[0, num_classes)``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_scale: float
    num_classes: int

    def held_out(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of ``split``: ``"validation"`` or ``"test"``."""
        if split == "validation":
            return self.x_val, self.y_val
        if split == "test":
            return self.x_test, self.y_test
        raise ValueError(f"unknown split {split!r}; use one of {SPLITS}")


def _shuffled_split(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Cut ``x, y`` into train, validation and test by one permutation of numpy seed 0."""
    order = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    n_val = int(round(len(x) * VAL_FRACTION))
    n_test = int(round(len(x) * TEST_FRACTION))
    val, test, train = order[:n_val], order[n_val : n_val + n_test], order[n_val + n_test :]
    y = y.astype(np.int32)
    return x[train], y[train], x[val], y[val], x[test], y[test]


@functools.cache
def digits() -> Split:
    """scikit-learn's 8×8 digits (1797 images, 10 classes): 1257 train, 270 validation, 270 test.

    Pixels are integers 0..16 stored as uint8, scaled to [0, 1] by ``x_scale = 1/16``.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.data.astype(np.uint8)
    return Split(*_shuffled_split(x, bunch.target), x_scale=1.0 / 16.0, num_classes=10)


@functools.cache
def breast_cancer() -> Split:
    """scikit-learn's Wisconsin breast cancer (569 rows, 30 features, 2 classes): 399 / 85 / 85.

    Features are standardized with the training rows' mean and standard deviation (float32).
    """
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    x_train, y_train, x_val, y_val, x_test, y_test = _shuffled_split(bunch.data, bunch.target)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8

    def standardize(x: np.ndarray) -> np.ndarray:
        return ((x - mean) / std).astype(np.float32)

    return Split(standardize(x_train), y_train, standardize(x_val), y_val, standardize(x_test),
                 y_test, x_scale=1.0, num_classes=2)  # fmt: skip


def fashion_mnist_dir() -> Path:
    """Where the Fashion-MNIST IDX files are (``$PROXY_TASKS_FASHION_MNIST_DIR`` overrides)."""
    return Path(os.environ.get(FASHION_MNIST_ENV, FASHION_MNIST_DIR))


def require_fashion_mnist() -> None:
    """Raise :class:`TaskError` with the install command when the IDX files are missing."""
    folder = fashion_mnist_dir()
    missing = [name for name in FASHION_MNIST_FILES.values() if not (folder / name).is_file()]
    if missing:
        raise TaskError(
            f"Fashion-MNIST is not installed ({missing[0]} is missing from {folder}): "
            "run `apt-get update && apt-get install -y dataset-fashion-mnist` as root "
            f"(or `scripts/setup.sh`), or point {FASHION_MNIST_ENV} at a folder with the IDX files."
        )


def _read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (big-endian header: magic, then one uint32 per dimension)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


@functools.cache
def fashion_mnist() -> Split:
    """Fashion-MNIST (28×28 grey images, 10 classes): 50000 train, 10000 validation, 10000 test.

    Images are flattened to 784 uint8 pixels, scaled to [0, 1] by ``x_scale = 1/255``. Validation
    is the last :data:`FASHION_MNIST_VAL_ROWS` rows of the official training set (fewer when the
    files hold fewer than twice that), test the official test set. Tasks take a prefix of each
    part (see ``ArraySource``).
    """
    require_fashion_mnist()
    folder = fashion_mnist_dir()
    parts = {key: _read_idx(folder / name) for key, name in FASHION_MNIST_FILES.items()}
    x, y = parts["x_train"].reshape(-1, 784), parts["y_train"].astype(np.int32)
    cut = len(x) - min(FASHION_MNIST_VAL_ROWS, len(x) // 2)
    return Split(
        x[:cut],
        y[:cut],
        x[cut:],
        y[cut:],
        parts["x_test"].reshape(-1, 784),
        parts["y_test"].astype(np.int32),
        x_scale=1.0 / 255.0,
        num_classes=10,
    )


LOADERS = {"digits": digits, "breast_cancer": breast_cancer, "fashion_mnist": fashion_mnist}
