"""The report's curves describe the search, not its cache: the median leaves cache hits out, and
one far-off baseline does not squash a funnel panel."""

import numpy as np

from symopt.report.fitness import trained_median
from symopt.report.funnel import y_range_values


def test_the_median_is_over_trained_results_only():
    # 40 trained results at 0.5, each followed by four cache hits repeating the best (0.9)
    status = np.array(["ok", "cached", "cached", "cached", "cached"] * 40)
    values = np.where(status == "cached", 0.9, 0.5)
    seq = np.arange(1, len(status) + 1)
    x, medians, window = trained_median(seq, status, values, population=8)
    assert np.all(medians == 0.5)
    assert set(x) <= set(seq[status == "ok"]) and x[-1] == seq[status == "ok"][-1]
    assert window == 8


def test_a_far_off_baseline_is_left_off_the_funnel_range_and_named():
    programs = [0.95, 0.96, 0.955]
    baselines = {"adamw": 0.953, "lion": 0.957, "seed": 0.12}
    shown, outside = y_range_values(programs, baselines)
    assert outside == {"seed": 0.12}
    assert min(shown) >= 0.95 and 0.957 in shown and 0.953 in shown


def test_close_baselines_all_set_the_range():
    shown, outside = y_range_values([0.9], {"adamw": 0.91, "lion": 0.905, "seed": 0.89})
    assert outside == {} and sorted(shown) == [0.89, 0.9, 0.905, 0.91]
