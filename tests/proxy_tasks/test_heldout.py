"""The held-out suite: every task builds, keeps its splits apart, and trains under both the
interpreter and an optax baseline (a few steps each; the point is the contract, not accuracy)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from proxy_tasks import TaskError, heldout_data, task_names
from proxy_tasks.base import FAMILIES, LOSSES, METRICS
from proxy_tasks.heldout import HELDOUT, get_heldout_task, heldout_names
from proxy_tasks.heldout_data import (
    SOURCE_TEST,
    SOURCE_TRAIN,
    SOURCE_VAL,
    encode_source,
    python_source,
)
from symopt.benchmark.baselines import baseline
from symopt.benchmark.trainers import BaselineTrainer
from symopt.dsl import read_program
from symopt.execution.evaluator import Evaluator

ADAMW = read_program(Path(__file__).resolve().parents[2] / "search_spaces/seeds/adamw.txt")
STEPS = 20


def short(name: str):
    """The held-out task ``name`` cut to :data:`STEPS` steps (the test needs no accuracy)."""
    return dataclasses.replace(get_heldout_task(name), num_steps=STEPS, warmup_steps=2)


def rows(part: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in part}


def test_the_suite_has_five_tasks_none_in_the_search_registry():
    assert len(heldout_names()) >= 5
    assert not set(heldout_names()) & set(task_names())
    tasks = [get_heldout_task(name) for name in heldout_names()]
    assert {task.family for task in tasks} <= set(FAMILIES)
    assert {task.loss_name for task in tasks} == set(LOSSES)


@pytest.mark.parametrize("name", sorted(HELDOUT))
def test_task_keeps_the_contract_and_splits_apart(name):
    task = get_heldout_task(name)
    assert (task.name, task.size, task.split) == (name, 1, "validation")
    assert task.metric_name in METRICS and 0 < task.warmup_steps < task.num_steps
    assert task.divergence_loss == pytest.approx(5.0 * task.worst_loss)
    assert get_heldout_task(name) is task, "building is cached"
    val, test = task.val_data(), task.test_data()
    if hasattr(task.source, "split"):
        split = task.source.split()
        train = rows(split.x_train)
        assert not train & rows(split.x_val) and not train & rows(split.x_test)
        assert not rows(split.x_val) & rows(split.x_test)
    else:  # the language model's splits are whole files (short windows of code do repeat)
        corpus = python_source()
        train = corpus.train.tobytes()
        for part in (corpus.val, corpus.test):
            assert train.find(part[:400].tobytes()) == -1
        assert corpus.val[:400].tobytes() != corpus.test[:400].tobytes()
    batch = task.get_batch(task.train_data(), 0)
    assert batch["x"].shape[0] == task.batch_size
    assert np.asarray(batch["y"]).shape[1:] == np.asarray(val["y"]).shape[1:]
    assert np.asarray(test["y"]).shape[1:] == np.asarray(val["y"]).shape[1:]
    fitness = float(task.fitness(task.init_params(), val))
    assert task.worst_fitness <= fitness and math.isfinite(fitness)


@pytest.mark.parametrize("name", sorted(HELDOUT))
def test_adamw_program_and_optax_baseline_train_to_finite_results(name):
    task = short(name)
    (result,) = Evaluator(task).evaluate([ADAMW])
    assert result.status == "ok" and result.steps == STEPS
    assert task.worst_fitness < result.fitness and math.isfinite(result.final_loss)
    score = BaselineTrainer(task, baseline("AdamW")).score(1e-3, 0.01, 1000, "test")
    assert score.status == "ok" and 0 < score.loss < task.worst_loss
    assert (score.accuracy is None) == (task.metric_name == "neg_val_loss")


def test_regressions_have_no_accuracy_and_a_variance_reference():
    task = get_heldout_task("friedman_mlp")
    assert task.loss_name == "mse" and task.reference == pytest.approx(1.0)
    assert task.worst_fitness == pytest.approx(-2.0)
    with pytest.raises(ValueError, match="no accuracy"):
        task.scoring("test", "val_accuracy")


def test_python_corpus_is_three_separate_files_of_known_characters():
    assert len({*SOURCE_TRAIN, SOURCE_VAL, SOURCE_TEST}) == len(SOURCE_TRAIN) + 2
    corpus = python_source()
    assert len(corpus.train) > 500_000 and len(corpus.val) > 10_000 and len(corpus.test) > 10_000
    assert encode_source("a\tb\né").tolist() == [67, 0, 68, 1, 0]


@pytest.mark.parametrize(("name", "size", "message"), [
    ("digits_mlp", 1, "Unknown held-out task 'digits_mlp'"),
    ("digits_cn", 1, "did you mean 'digits_cnn'"),
    ("digits_cnn", 10, "has size 1 only"),
])  # fmt: skip
def test_bad_names_and_sizes_are_task_errors(name, size, message):
    with pytest.raises(TaskError, match=message):
        get_heldout_task(name, size)


def test_a_missing_standard_library_module_is_a_task_error(monkeypatch, tmp_path):
    monkeypatch.setattr(heldout_data.sysconfig, "get_paths", lambda: {"stdlib": str(tmp_path)})
    python_source.cache_clear()
    try:
        with pytest.raises(TaskError, match=r"needs .*argparse\.py"):
            python_source()
    finally:
        python_source.cache_clear()
