"""The data sets behind the tasks: splits, scaling, the IDX reader and the character codec."""

import gzip

import numpy as np
import pytest

from proxy_tasks import TaskError, data, text


def test_digits_split_is_fixed_and_scaled():
    split = data.digits()
    assert split.x_train.shape == (1438, 64) and split.x_val.shape == (359, 64)
    assert split.x_train.dtype == np.uint8 and split.y_train.dtype == np.int32
    assert (split.x_train * split.x_scale).max() == 1.0
    assert set(np.unique(split.y_val)) == set(range(10))
    assert data.digits() is split


def test_breast_cancer_is_standardized_on_the_training_rows():
    split = data.breast_cancer()
    assert split.x_train.shape == (455, 30) and split.x_val.shape == (114, 30)
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(split.x_train.std(axis=0), 1.0, atol=1e-4)


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_reads_idx_files(monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    parts = {
        "x_train": rng.integers(0, 256, (5, 28, 28)),
        "y_train": rng.integers(0, 10, (5,)),
        "x_val": rng.integers(0, 256, (3, 28, 28)),
        "y_val": rng.integers(0, 10, (3,)),
    }
    for key, name in data.FASHION_MNIST_FILES.items():
        _write_idx(tmp_path / name, parts[key])
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    data.fashion_mnist.cache_clear()
    try:
        split = data.fashion_mnist()
    finally:
        data.fashion_mnist.cache_clear()
    np.testing.assert_array_equal(split.x_train, parts["x_train"].reshape(5, 784))
    np.testing.assert_array_equal(split.y_val, parts["y_val"])
    assert split.y_train.dtype == np.int32 and split.x_scale == pytest.approx(1 / 255)


def test_missing_fashion_mnist_raises_task_error(monkeypatch, tmp_path):
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(TaskError, match="dataset-fashion-mnist"):
        data.require_fashion_mnist()


def test_character_codec_round_trips_and_maps_unknowns_to_zero():
    line = "To be, or not to be: that is the question.\n[Exit.]"
    tokens = text.encode(line)
    assert tokens.dtype == np.uint8 and text.decode(tokens) == line
    assert text.encode("1é")[0] == 0 and text.encode("1é")[1] == 0
    assert len(text.VOCAB) == len(set(text.VOCAB)) == 69


def test_shakespeare_corpus_is_fixed():
    corpus = text.shakespeare()
    assert len(corpus.train) > 4_000_000 and len(corpus.val) > 100_000
    assert (corpus.train == 0).mean() < 1e-3
    assert text.decode(corpus.val[:13]) == "TWELFTH NIGHT"
