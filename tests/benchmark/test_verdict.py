"""The win/tie/loss rule: a paired t-test over seeds, with the metric's resolution as a floor."""

from symopt.benchmark.result import Entry, SweepPoint, verdict


def entry(name, fitness):
    return Entry(name, "program", [SweepPoint(1.0, list(fitness), ["ok"] * len(fitness))])


ADAMW = entry("AdamW", [-2.60, -2.55, -2.58, -2.62, -2.57])


def test_a_small_but_consistent_gain_is_a_win():
    # seeds differ by 0.07, far more than the gain, but every seed gains 0.010 +- 0.001
    better = entry("p", [f + 0.010 + 0.001 * (-1) ** i for i, f in enumerate(ADAMW.best.fitness)])
    assert verdict(better, ADAMW, 0.0) == "win"
    worse = entry("p", [f - 0.010 + 0.001 * (-1) ** i for i, f in enumerate(ADAMW.best.fitness)])
    assert verdict(worse, ADAMW, 0.0) == "loss"


def test_an_inconsistent_gain_is_a_tie():
    noisy = entry(
        "p",
        [f + d for f, d in zip(ADAMW.best.fitness, [0.05, -0.04, 0.03, -0.02, 0.01], strict=True)],
    )
    assert sum(noisy.best.fitness) > sum(ADAMW.best.fitness)
    assert verdict(noisy, ADAMW, 0.0) == "tie"


def test_the_resolution_is_a_floor():
    adamw = entry("AdamW", [0.90, 0.91, 0.92])
    half_an_example = entry("p", [0.9004, 0.9104, 0.9204])  # r = 0.001
    assert verdict(half_an_example, adamw, 0.001) == "tie"
    assert verdict(entry("p", [0.902, 0.912, 0.922]), adamw, 0.001) == "win"


def test_one_seed_compares_by_the_resolution_alone():
    adamw = entry("AdamW", [0.90])
    assert verdict(entry("p", [0.905]), adamw, 0.01) == "tie"
    assert verdict(entry("p", [0.92]), adamw, 0.01) == "win"
    assert verdict(entry("p", [-2.6]), entry("AdamW", [-2.5]), 0.0) == "loss"
