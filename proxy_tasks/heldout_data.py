"""Data of the held-out suite: generated or shipped with a package, never downloaded.

Every loader is cached and returns a :class:`proxy_tasks.data.Split` cut 70/15/15 by the same
fixed permutation as the search's small sets (:func:`proxy_tasks.data._shuffled_split`'s rule),
except the Python-source corpus, which is split by file. Generated sets use numpy/scikit-learn
seed :data:`GENERATOR_SEED`, so they are identical on every machine with the same library.

- ``digits_pixels``: the 8×8 digits as float32 pixels in [0, 1], the targets being the pixels
  themselves (an autoencoder's input and output).
- ``friedman``: scikit-learn's ``make_friedman1`` (10 uniform features, 5 of them used by
  ``10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4`` plus N(0, 1) noise), 2000 rows; targets
  standardized with the training rows' mean and deviation, shape ``[n, 1]``.
- ``blobs``: ``make_classification``, 3000 rows, 20 features (8 informative, 4 redundant),
  5 classes of 2 clusters each, 5% flipped labels; features standardized on the training rows.
"""

from __future__ import annotations

import functools
import sysconfig
from pathlib import Path

import numpy as np

from proxy_tasks import text
from proxy_tasks.data import SPLIT_SEED, TEST_FRACTION, VAL_FRACTION, Split
from proxy_tasks.errors import TaskError

GENERATOR_SEED = 0
SOURCE_TRAIN = ("argparse.py", "ast.py", "dataclasses.py", "difflib.py", "enum.py",
                "functools.py", "inspect.py", "pathlib.py", "typing.py")  # fmt: skip
"""Standard-library modules whose source is the Python corpus's training stream (~730 k chars)."""
SOURCE_VAL, SOURCE_TEST = "textwrap.py", "fractions.py"
SOURCE_VOCAB = "\x00\n" + "".join(chr(c) for c in range(32, 127))
"""Index 0 for anything unknown (tabs, non-ASCII), then newline and the 95 printable ASCII."""


def _cut(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Train, validation and test parts of ``x, y`` by one permutation of numpy seed 0."""
    order = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    n_val, n_test = round(len(x) * VAL_FRACTION), round(len(x) * TEST_FRACTION)
    parts = order[:n_val], order[n_val : n_val + n_test], order[n_val + n_test :]
    val, test, train = parts
    return x[train], y[train], x[val], y[val], x[test], y[test]


def _standardize(x_train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Every array standardized by the training rows' column mean and deviation, float32."""
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8
    return [((x - mean) / std).astype(np.float32) for x in (x_train, *others)]


@functools.cache
def digits_pixels() -> Split:
    """The 8×8 digits (1797 images): 1257 / 270 / 270, inputs equal to targets, in [0, 1]."""
    from sklearn.datasets import load_digits

    x = (load_digits().data / 16.0).astype(np.float32)
    x_train, _, x_val, _, x_test, _ = _cut(x, x)
    return Split(x_train, x_train, x_val, x_val, x_test, x_test, x_scale=1.0, num_classes=64)


@functools.cache
def friedman() -> Split:
    """Friedman #1 regression, 2000 rows: 1400 / 300 / 300; standardized targets ``[n, 1]``."""
    from sklearn.datasets import make_friedman1

    x, y = make_friedman1(n_samples=2000, noise=1.0, random_state=GENERATOR_SEED)
    x_train, y_train, x_val, y_val, x_test, y_test = _cut(x, y[:, None])
    xs = _standardize(x_train, x_val, x_test)
    ys = _standardize(y_train, y_val, y_test)
    return Split(xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], x_scale=1.0, num_classes=1)


@functools.cache
def blobs() -> Split:
    """Generated 5-class tabular set, 3000 rows: 2100 / 450 / 450; int32 labels."""
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=3000, n_features=20, n_informative=8, n_redundant=4,
                               n_classes=5, n_clusters_per_class=2, flip_y=0.05,
                               random_state=GENERATOR_SEED)  # fmt: skip
    x_train, y_train, x_val, y_val, x_test, y_test = _cut(x, y.astype(np.int32))
    xs = _standardize(x_train, x_val, x_test)
    return Split(xs[0], y_train, xs[1], y_val, xs[2], y_test, x_scale=1.0, num_classes=5)


LOADERS = {"digits_pixels": digits_pixels, "friedman": friedman, "blobs": blobs}


def encode_source(source: str) -> np.ndarray:
    """Each character's index in :data:`SOURCE_VOCAB` (0 when absent), as uint8."""
    return text.encode(source, SOURCE_VOCAB)


def _read_module(folder: Path, name: str) -> str:
    path = folder / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise TaskError(f"The Python source corpus needs {path}: {err.strerror}.") from None


@functools.cache
def python_source() -> text.Corpus:
    """The installed standard library's source: :data:`SOURCE_TRAIN` joined by blank lines,
    validation :data:`SOURCE_VAL`, test :data:`SOURCE_TEST` (whole files, so no split shares a
    line)."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    train = "\n\n".join(_read_module(folder, name) for name in SOURCE_TRAIN)
    val, test = (_read_module(folder, name) for name in (SOURCE_VAL, SOURCE_TEST))
    return text.Corpus(encode_source(train), encode_source(val), encode_source(test))
