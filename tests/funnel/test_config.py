"""Funnel configs: defaults, strictness, bad input refused in one line before anything trains."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from symopt.config import load_config
from symopt.errors import SymoptError
from symopt.funnel import (
    EVENT_KIND,
    FunnelConfig,
    funnel_config_from_dict,
    load_funnel_config,
    run_funnel,
)
from symopt.store import CONFIG_NAME, RunStore
from tests.funnel.conftest import PROGRAMS, make_run

REPO = Path(__file__).resolve().parents[2]


def test_default_funnel_is_the_runs_first_task_at_10_then_100(run_dir):
    config = load_funnel_config(None).resolved(load_config(run_dir / CONFIG_NAME))
    assert config.top == 5
    assert [(s.name, s.size) for s in config.stages] == [("cancer_mlp", 10), ("cancer_mlp", 100)]
    assert config.baselines.adamw_lrs == (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
    assert config.baselines.lion_lrs == (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)


def test_example_config_loads_and_round_trips():
    config = load_funnel_config(REPO / "configs" / "funnel.yaml")
    assert funnel_config_from_dict(config.to_dict()) == config
    assert config.stages[0].label == "shakespeare_lm/10"
    assert config.baselines.widen == 8


def test_empty_file_means_defaults(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("# nothing\n")
    assert load_funnel_config(path) == FunnelConfig()


BAD_CONFIGS = [
    ({"stages": [{"task": "cancer"}]}, "stages[0].task: unknown task 'cancer'; did you mean"),
    (
        {"stages": [{"task": "cancer_mlp", "size": 5}]},
        "stages[0].size: must be 1, 10 or 100, got 5",
    ),
    ({"stage": []}, "stage: unknown key; did you mean 'stages'?"),
    ({"stages": [{"name": "cancer_mlp"}]}, "stages[0].name: unknown key (expected one of: task,"),
    ({"baselines": {"adamw_lr": [1e-3]}}, "baselines.adamw_lr: unknown key; did you mean 'adamw_"),
    ({"baselines": {"lion_lrs": []}}, "baselines.lion_lrs: must not be empty"),
    ({"baselines": {"adamw_lrs": [0.0]}}, "baselines.adamw_lrs[0]: must be greater than 0, got 0"),
    ({"top": 0}, "top: must be at least 1, got 0"),
    ({"seeds": 1}, "seeds: must be at least 2, got 1"),
    ({"seeds": 2.5}, "seeds: must be a whole number, got 2.5"),
    ({"lr_factors": [float("nan")]}, "lr_factors[0]: must be a finite number, got nan"),
    ({"baselines": {"adamw_weight_decays": [float("inf")]}}, "baselines.adamw_weight_decays[0]: "),
    ({"lr_factors": [0.0]}, "lr_factors[0]: must be greater than 0, got 0"),
    ({"lr_factors": [1.0, 1.0]}, "lr_factors[1]: repeats 1; list each factor once"),
    ({"baselines": {"lion_weight_decays": [-0.1]}}, "baselines.lion_weight_decays[0]: must be "),
    ({"baselines": {"weight_decay": 0.01}}, "baselines.weight_decay: unknown key"),
    ({"stages": [{"task": "cancer_mlp"}] * 2}, "stages[1]: repeats stages[0] (cancer_mlp/1); list"),
    ([1], "the top level must be a mapping of keys to values, got a list"),
]


@pytest.mark.parametrize(("data", "message"), BAD_CONFIGS)
def test_bad_config_is_one_line(data, message):
    with pytest.raises(SymoptError) as err:
        funnel_config_from_dict(data, "f.yaml")
    text = str(err.value)
    assert text.startswith(f"f.yaml: {message}") and "\n" not in text


def test_unknown_task_is_refused_before_anything_runs(run_dir, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("stages:\n  - {task: cancer_mlp, size: 1}\n  - {task: digit_mlp, size: 10}\n")
    start = time.perf_counter()
    with pytest.raises(SymoptError, match=r"stages\[1\]\.task: unknown task 'digit_mlp'"):
        run_funnel(run_dir, path, lambda line: pytest.fail(f"logged {line!r}"))
    assert time.perf_counter() - start < 5
    with RunStore.open_readonly(run_dir) as store:
        assert store.events(EVENT_KIND) == []


def test_not_a_run_gets_the_stores_message(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SymoptError, match="is not a symopt run: it has no symopt.sqlite"):
        run_funnel(tmp_path / "empty", None, print)
    with pytest.raises(SymoptError, match="does not exist"):
        run_funnel(tmp_path / "missing", None, print)


def test_run_without_a_successful_evaluation(tmp_path):
    run_dir = make_run(tmp_path / "run", PROGRAMS[4:], status="diverged")
    with pytest.raises(SymoptError) as err:
        run_funnel(run_dir, None, print)
    assert str(err.value) == f"{run_dir} has no successful evaluation to take through a funnel"
