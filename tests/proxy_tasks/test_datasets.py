"""The data sets behind the tasks: splits, scaling, the IDX reader and the character codec."""

import gzip

import numpy as np
import pytest

from proxy_tasks import TaskError, data, text


def test_digits_split_is_fixed_and_scaled():
    split = data.digits()
    assert split.x_train.shape == (1257, 64) and split.x_val.shape == (270, 64)
    assert split.x_test.shape == (270, 64)
    assert split.x_train.dtype == np.uint8 and split.y_train.dtype == np.int32
    assert (split.x_train * split.x_scale).max() == 1.0
    assert set(np.unique(split.y_val)) == set(range(10))
    assert data.digits() is split


def test_breast_cancer_is_standardized_on_the_training_rows():
    split = data.breast_cancer()
    assert split.x_train.shape == (399, 30) and split.x_val.shape == (85, 30)
    assert split.x_test.shape == (85, 30)
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(split.x_train.std(axis=0), 1.0, atol=1e-4)


@pytest.mark.parametrize("loader", [data.digits, data.breast_cancer])
def test_small_sets_split_into_three_disjoint_parts(loader):
    split = loader()
    train, val, test = ({row.tobytes() for row in x} for x in (split.x_train, split.x_val,
                                                                split.x_test))  # fmt: skip
    assert not (train & val) and not (train & test) and not (val & test)
    assert len(split.y_train) + len(split.y_val) + len(split.y_test) in (1797, 569)


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_reads_idx_files(monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    parts = {
        "x_train": rng.integers(0, 256, (6, 28, 28)),
        "y_train": rng.integers(0, 10, (6,)),
        "x_test": rng.integers(0, 256, (3, 28, 28)),
        "y_test": rng.integers(0, 10, (3,)),
    }
    for key, name in data.FASHION_MNIST_FILES.items():
        _write_idx(tmp_path / name, parts[key])
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    data.fashion_mnist.cache_clear()
    try:
        split = data.fashion_mnist()
    finally:
        data.fashion_mnist.cache_clear()
    # validation comes from the training file (its last half here), test is the test file
    np.testing.assert_array_equal(split.x_train, parts["x_train"][:3].reshape(3, 784))
    np.testing.assert_array_equal(split.x_val, parts["x_train"][3:].reshape(3, 784))
    np.testing.assert_array_equal(split.y_val, parts["y_train"][3:])
    np.testing.assert_array_equal(split.y_test, parts["y_test"])
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
    assert len(corpus.test) > 100_000
    assert (corpus.train == 0).mean() < 1e-3
    assert text.decode(corpus.val[:13]) == "TWELFTH NIGHT"
    assert text.decode(corpus.test[:14]) == "AS YOU LIKE IT"
    train = text.decode(corpus.train)
    assert "TWELFTH NIGHT" not in train and "AS YOU LIKE IT" not in train
