"""`symopt benchmark --suite heldout`: the suite resolves to the held-out registry, and a
regression task runs through the benchmark's protocol (a loss, no accuracy)."""

from __future__ import annotations

import math

import pytest

from proxy_tasks.heldout import heldout_names
from symopt.benchmark import render_table, run_benchmark
from symopt.benchmark.suite import DEFAULT_SUITE, resolve_tasks, suite_tasks
from symopt.cli import build_parser
from symopt.errors import SymoptError
from tests.dsl.test_text import SEEDS


def test_suites_resolve_to_their_tasks():
    assert suite_tasks("default") == list(DEFAULT_SUITE)
    heldout = suite_tasks("heldout")
    assert heldout == [(name, 1) for name in heldout_names()] and len(heldout) >= 5
    assert [task.name for task in resolve_tasks(heldout)] == heldout_names()
    with pytest.raises(SymoptError, match="Unknown benchmark suite 'nope'"):
        suite_tasks("nope")


def test_cli_suite_defaults_and_excludes_tasks(capsys):
    parser = build_parser()
    program = str(SEEDS / "adamw.txt")
    assert parser.parse_args(["benchmark", program]).suite == "default"
    assert parser.parse_args(["benchmark", program, "--suite", "heldout"]).suite == "heldout"
    with pytest.raises(SystemExit):
        parser.parse_args(["benchmark", program, "--suite", "heldout", "--tasks", "digits_mlp"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_regression_runs_the_protocol_without_accuracy():
    from symopt.dsl import read_program

    result = run_benchmark(
        {"adamw": read_program(SEEDS / "adamw.txt")}, [("friedman_mlp", 1)], 2, [1.0],
        baseline_lrs={"AdamW": [1e-2]}, extend=0, baselines=["AdamW"],
        baseline_wds={"AdamW": [0.0]},
    )  # fmt: skip
    (task,) = result.tasks
    assert task.label == "friedman_mlp@1" and not task.accuracy
    for entry in task.entries:
        assert entry.report.accuracy is None and entry.report.seeds == [2000, 2001]
        assert all(0 < loss < task.worst_loss and math.isfinite(loss)
                   for loss in entry.report.loss)  # fmt: skip
    assert "mean squared error" in render_table(result)
