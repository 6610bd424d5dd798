"""The hurdle compares like with like: distinct programs, at the step the config names."""

import math

import proxy_tasks
from symopt.campaign import MIN_DISTINCT_AT_HURDLE, Campaign
from symopt.config import config_from_dict
from symopt.dsl import parse
from symopt.execution.evaluator import Evaluator, Hurdle
from symopt.search.evolution import Member

SEED = parse("def train(w, g, lr):\n    update = g * lr\n    return update\n")


def campaign(tmp_path, plateau=None) -> Campaign:
    config = config_from_dict({
        "name": "h", "tasks": [{"name": "cancer_mlp"}], "population": 10, "tournament": 2,
        "hurdle": {"fraction": 0.25, "quantile": 0.5}, "out": str(tmp_path / "run"),
        "backend": {"kind": "local"}, "restarts": {"plateau": plateau, "from": "best"},
    })  # fmt: skip
    return Campaign(config, show_progress=False)


def tell(c: Campaign, index: int, fitness: float, at_hurdle: float, key: str) -> None:
    c.evolution.tell(Member(index, SEED, fitness, at_hurdle, key), index)
    c._bar = None


def test_after_a_restart_the_clones_set_no_bar(tmp_path):
    c = campaign(tmp_path, plateau=3)
    tell(c, 0, 0.5, 0.5, "seed")
    for i in range(1, 4):  # no improvement: the plateau of 3 restarts from the best
        tell(c, i, 0.1, 0.1, f"p{i}")
    assert c.evolution.restarts == 1
    assert len(c.evolution.hurdle_fitnesses()) == 1  # ten copies of one program
    assert c._hurdle() == -math.inf


def test_the_bar_is_a_quantile_over_distinct_programs(tmp_path):
    c = campaign(tmp_path)
    tell(c, 0, 0.5, 0.5, "seed")
    for i in range(1, MIN_DISTINCT_AT_HURDLE):
        tell(c, i, 0.9, 0.9, "clone")  # one program, cached several times
    assert c._hurdle() == -math.inf  # two distinct programs so far
    for i, value in enumerate((0.2, 0.3, 0.4), start=10):
        tell(c, i, value, value, f"p{i}")
    # distinct: 0.2, 0.3, 0.4, 0.5, 0.9 (the clone counts once) -> the median is 0.4
    assert c._hurdle() == 0.4


def test_the_hurdle_is_checked_at_the_configured_step():
    task = proxy_tasks.get_task("cancer_mlp")
    hurdle = Hurdle(0.25, math.inf)  # nothing passes
    (result,) = Evaluator(task, hurdle_fraction=0.25).evaluate([SEED], hurdle)
    assert result.status == "hurdle" and result.steps == hurdle.step(task) == 75
