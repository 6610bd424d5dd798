"""The judge reuses only properties of a program: finished or failed runs, never a hurdle stop as
such, a worker error or an interpreter limit (issue 12)."""

import math

import pytest

from symopt.cache import SharedCache
from symopt.dsl import parse
from symopt.judge import Judge

SGD = parse("def train(w, g, lr):\n    update = g * lr\n    return update\n")
SGD_RENAMED = parse("def train(w, grad, lr):\n    u = lr * grad\n    return u\n")
EXPLODES = parse(
    "def train(w, g, lr):\n    e = exp(1000.0)\n    update = g * e\n    return update\n"
)


@pytest.fixture
def judge(tmp_path):
    shared = SharedCache(tmp_path / "cache.sqlite")
    made = Judge(0.0, shared=shared, key="digits_mlp@1", hurdle_fraction=0.25)
    yield made
    made.close()


def test_a_finished_run_is_reused_and_shared(judge, tmp_path):
    digest = judge.judge(SGD).fingerprint
    judge.remember(digest, 1, 0.9, "ok", {"hurdle_fitness": 0.5})
    verdict = judge.judge(SGD_RENAMED)
    assert verdict.action == "cached" and verdict.fitness == 0.9 and verdict.source == 1
    other = Judge(0.0, shared=SharedCache(tmp_path / "cache.sqlite"), key="digits_mlp@1",
                  hurdle_fraction=0.25)  # fmt: skip
    assert other.judge(SGD_RENAMED).action == "cached"
    assert other.judge(SGD_RENAMED).hurdle_fitness == 0.5  # same hurdle step: usable
    other.hurdle_fraction = 0.5
    assert math.isnan(other.judge(SGD_RENAMED).hurdle_fitness)  # another hurdle step: not
    other.close()


@pytest.mark.parametrize("status", ["error", "invalid"])
def test_worker_errors_and_interpreter_limits_are_never_reused(judge, status):
    digest = judge.judge(SGD).fingerprint
    judge.remember(digest, 1, float("nan"), status, {})
    assert judge.judge(SGD_RENAMED).action == "train"
    assert judge.shared.get(f"{digest}|digits_mlp@1") is None


def test_a_hurdle_stop_is_reused_only_while_still_below_the_bar(judge):
    digest = judge.judge(SGD).fingerprint
    judge.remember(digest, 7, 0.4, "hurdle", {"hurdle_fitness": 0.4})
    assert judge.shared.get(f"{digest}|digits_mlp@1") is None  # never in the shared file
    stopped = judge.judge(SGD_RENAMED, hurdle=0.6)
    assert stopped.action == "cached" and stopped.source == 7
    assert judge.judge(SGD_RENAMED, hurdle=0.3).action == "train"  # the bar fell: train it
    judge.remember(digest, 9, 0.8, "ok", {"hurdle_fitness": 0.4})  # the full run replaces it
    assert judge.judge(SGD_RENAMED, hurdle=0.6).fitness == 0.8


def test_a_program_not_finite_on_the_probe_is_rejected_with_a_reason(judge):
    verdict = judge.judge(EXPLODES)
    assert verdict.action == "rejected" and verdict.fitness == 0.0
    assert "at step 1 of the synthetic" in verdict.reason, verdict.reason
