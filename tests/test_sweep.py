"""Widening learning-rate sweeps (symopt.sweep) on made-up score curves."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symopt.sweep import at_edge, best_index, edge_note, next_value, widening_sweep


def test_the_grid_continues_one_three_ten():
    assert [next_value(v, up=True) for v in (1e-4, 3e-4, 0.1, 0.3, 1.0, 3.0)] == [
        3e-4, 1e-3, 0.3, 1.0, 3.0, 10.0]  # fmt: skip
    assert [next_value(v, up=False) for v in (1e-4, 3e-4, 0.1, 1.0, 10.0)] == [
        3e-5, 1e-4, 0.03, 0.3, 3.0]  # fmt: skip
    assert next_value(2.0, up=True) == pytest.approx(2.0 * math.sqrt(10), rel=1e-5)


@given(st.floats(-6, 4))
def test_a_peaked_curve_ends_with_its_best_inside(log_peak):
    peak = 10.0**log_peak
    trained = []

    def train(lr):
        trained.append(lr)
        return -abs(math.log10(lr / peak))

    points = widening_sweep([0.1, 0.3, 1.0, 3.0, 10.0], train, lambda score: score, extend=20)
    lrs = [lr for lr, _ in points]
    assert lrs == sorted(lrs) and len(set(lrs)) == len(lrs) == len(trained)
    best = best_index([score for _, score in points], float)
    assert 0 < best < len(points) - 1
    assert abs(math.log10(lrs[best] / peak)) <= 0.5 + 1e-6


def test_widening_stops_at_the_cap_and_never_below_zero():
    up = widening_sweep([1.0, 3.0], lambda lr: lr, lambda score: score, extend=3)
    assert [lr for lr, _ in up] == [1.0, 3.0, 10.0, 30.0, 100.0]
    down = widening_sweep([0.0, 1.0], lambda lr: -lr, lambda score: score, extend=3)
    assert [lr for lr, _ in down] == [0.0, 1.0]  # 0 is best and is not an edge to widen below
    assert [lr for lr, _ in widening_sweep([1.0, 3.0], lambda lr: lr, float, extend=0)] == [1, 3]
    assert [lr for lr, _ in widening_sweep([1.0], lambda lr: lr, float)] == [1.0]


def test_ties_widen_downward_only():
    """Failing everywhere ties everywhere: a smaller lr is the remedy, a larger one is not."""
    points = widening_sweep([1.0, 3.0], lambda lr: 0.5, lambda score: score, extend=2)
    assert [lr for lr, _ in points] == [0.1, 0.3, 1.0, 3.0]
    assert best_index([score for _, score in points], float) == 0  # the smaller lr on a tie
    plateau = widening_sweep([1.0, 3.0], lambda lr: min(lr, 10.0), float, extend=5)
    assert [lr for lr, _ in plateau] == [1.0, 3.0, 10.0, 30.0]  # 30 ties 10: stop


def test_at_edge():
    assert at_edge([1.0, 3.0, 10.0], 1.0) == "smallest"
    assert at_edge([1.0, 3.0, 10.0], 10.0) == "largest"
    assert at_edge([1.0, 3.0, 10.0], 3.0) == at_edge([1.0], 1.0) == ""


def test_edge_note():
    assert edge_note("AdamW", [1e-3, 1e-2], 1e-2, 8) == (
        "  note: AdamW's best lr 0.01 is the largest swept (after widening by up to 8)"
    )
    assert "widening is off" in edge_note("p", [0.1, 1.0], 0.1, 0)
    assert edge_note("p", [0.0, 1.0], 0.0, 8) == edge_note("p", [0.1, 1, 3], 1, 8) == ""
