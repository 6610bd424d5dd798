"""The verdict rule: paired t-test per task, Holm across tasks; on hand-made results."""

import pytest
from scipy.stats import ttest_rel

from symopt.benchmark.result import BenchmarkResult, Entry, Report, SweepPoint, TaskResult
from symopt.benchmark.verdict import holm, judge, paired_p_value

ADAMW = [0.60, 0.55, 0.58, 0.62, 0.57]


def entry(name, losses):
    point = SweepPoint(1e-3, 0.0, [0.5], ["ok"])
    report = Report(1e-3, 0.0, list(range(len(losses))), list(losses), None, ["ok"] * len(losses))
    return Entry(name, "baseline", [point], report)


def result_of(tasks: dict[str, tuple[list[float], list[float]]]) -> BenchmarkResult:
    """``{task name: (AdamW's losses, X's losses)}`` as a benchmark result."""
    result = BenchmarkResult([1000], [2000], [1.0], {"X": ""}, {"AdamW": {}})
    for name, (adamw, x) in tasks.items():
        result.tasks.append(TaskResult(name, 1, 4.6, True, [entry("X", x), entry("AdamW", adamw)]))
    judge(result)
    return result


def test_the_p_value_is_the_paired_t_test():
    x = [loss - 0.01 + 0.004 * (-1) ** i for i, loss in enumerate(ADAMW)]
    d = [a - b for a, b in zip(ADAMW, x, strict=True)]
    assert paired_p_value(d) == pytest.approx(ttest_rel(ADAMW, x).pvalue)
    assert paired_p_value([0.1]) == 1.0  # one seed: no test
    assert paired_p_value([0.0, 0.0]) == 1.0 and paired_p_value([0.1, 0.1]) == 0.0


def test_holm_adjusts_step_down():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5]
    assert holm([0.001, 0.9]) == pytest.approx([0.002, 0.9])


def test_a_small_consistent_gain_is_a_win_and_a_consistent_cost_a_loss():
    better = [loss - 0.010 + 0.001 * (-1) ** i for i, loss in enumerate(ADAMW)]
    worse = [loss + 0.010 + 0.001 * (-1) ** i for i, loss in enumerate(ADAMW)]
    result = result_of({"a": (ADAMW, better), "b": (ADAMW, worse)})
    assert [task.entry("X").verdict for task in result.tasks] == ["win", "loss"]
    assert result.summary("X") == {"win": 1, "tie": 0, "loss": 1}


def test_an_inconsistent_gain_is_a_tie():
    noisy = [loss + d for loss, d in zip(ADAMW, [-0.05, 0.04, -0.03, 0.02, -0.01], strict=True)]
    assert sum(noisy) < sum(ADAMW)
    assert result_of({"a": (ADAMW, noisy)}).tasks[0].entry("X").verdict == "tie"


def test_more_tasks_need_stronger_evidence():
    # p ~ 0.04 on its own: a win on one task, a tie once it is one of five compared at once
    x = [loss - 0.01 + 0.006 * (-1) ** i for i, loss in enumerate(ADAMW)]
    p = paired_p_value([a - b for a, b in zip(ADAMW, x, strict=True)])
    assert 0.03 < p < 0.05
    assert result_of({"a": (ADAMW, x)}).tasks[0].entry("X").verdict == "win"
    same = [0.0] * 5
    five = result_of({"a": (ADAMW, x), **{f"t{i}": (same, same) for i in range(4)}})
    assert five.tasks[0].entry("X").verdict == "tie"
    assert five.tasks[0].entry("X").p_value == pytest.approx(min(1.0, 5 * p))
