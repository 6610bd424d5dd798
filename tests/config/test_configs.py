"""Campaign configs load into frozen, fully resolved values that survive a trip through YAML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydantic
import pytest
import yaml

from symopt.config import (
    BackendSettings,
    BudgetSettings,
    Config,
    HurdleSettings,
    MutationSettings,
    RestartSettings,
    TaskSettings,
    config_from_dict,
    load_config,
)
from symopt.dsl.space import builtin_dir
from symopt.errors import SymoptError

# Campaign configs; configs/funnel.yaml is a funnel config (tests/funnel checks it).
CONFIGS = sorted(
    p for p in (Path(__file__).parents[2] / "configs").glob("*.yaml") if p.stem != "funnel"
)
MODELS = [
    Config,
    TaskSettings,
    MutationSettings,
    BudgetSettings,
    RestartSettings,
    HurdleSettings,
    BackendSettings,
]

EVERYTHING_SET = """
name: full-1.0
seed: 7
search_space: lion45
tasks: [{name: digits_mlp, size: 10}, {name: cancer_mlp}]
population: 20
tournament: 20
mutation: {insert: 2, delete: 0.5, modify: 0, redraw_prob: 1, max_tries: 5}
budget: {max_evaluations: null, max_seconds: 90}
restarts: {plateau: 100, from: seed}
hurdle: {fraction: 0.5, quantile: 0.75}
meta_validation: {task: {name: digits_mlp, size: 10}, every: 100, patience: 5}
cache: {enabled: false, file: shared-cache.sqlite}
backend: {kind: ray, workers: 3, address: "10.0.0.1:6379"}
out: elsewhere/run
"""


def round_trip(config: Config) -> Config:
    return config_from_dict(yaml.safe_load(config.to_yaml()), "resolved")


def test_the_shipped_configs_are_there():
    assert {p.stem for p in CONFIGS} >= {"smoke", "quick", "paper"}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_shipped_config_loads_and_round_trips(path):
    config = load_config(path)
    assert config.name == path.stem
    assert config.run_dir == Path("runs") / path.stem
    assert round_trip(config) == config
    space = "matrix" if path.stem == "matrix" else "lion45"
    assert config.load_search_space().name == space


def test_smoke_stays_small_and_local():
    config = load_config(next(p for p in CONFIGS if p.stem == "smoke"))
    assert config.backend.kind == "local"
    assert config.budget.max_evaluations <= 100
    assert config.population <= 10


def test_defaults_fill_everything_in():
    config = config_from_dict({"name": "x"})
    assert config.model_dump(by_alias=True) == {
        "name": "x",
        "seed": 0,
        "search_space": "lion45",
        "seed_program": None,
        "tasks": ({"name": "digits_mlp", "size": 1},),
        "population": 100,
        "tournament": 10,
        "mutation": {
            "insert": 1.0,
            "delete": 1.0,
            "modify": 1.0,
            "redraw_prob": 0.1,
            "max_tries": 100,
        },
        "budget": {"max_evaluations": 2000, "max_seconds": None},
        "restarts": {"plateau": None, "from": "best"},
        "hurdle": None,
        "meta_validation": None,
        "reevaluation": {"seeds": 2},
        "fitness": {"combine": "normalized", "lr_factors": (1.0,), "lr_proportional": False},
        "cache": {"enabled": True, "file": None},
        "backend": {"kind": "local", "workers": "auto", "address": None},
        "out": None,
    }
    assert round_trip(config) == config


def test_every_value_set_round_trips():
    config = config_from_dict(yaml.safe_load(EVERYTHING_SET), "full.yaml")
    assert round_trip(config) == config
    assert config.restarts.from_ == "seed"
    assert config.hurdle == HurdleSettings(fraction=0.5, quantile=0.75)
    assert config.mutation.weights == {"insert": 2.0, "delete": 0.5, "modify": 0.0}
    assert config.run_dir == Path("elsewhere/run")
    assert "from: seed" in config.to_yaml()


def test_a_budget_mapping_leaves_the_limits_it_omits_unset():
    config = config_from_dict({"name": "x", "budget": {"max_seconds": 60}})
    assert config.budget == BudgetSettings(max_evaluations=None, max_seconds=60.0)


def test_config_is_frozen():
    config = config_from_dict({"name": "x"})
    with pytest.raises(pydantic.ValidationError):
        config.population = 3  # type: ignore[misc]
    assert hash(config) == hash(round_trip(config))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_is_documented(model):
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} has no docstring"


def test_relative_search_space_resolves_against_the_config_file(tmp_path, monkeypatch):
    spaces = tmp_path / "spaces"
    spaces.mkdir()
    shutil.copy(builtin_dir() / "lion45.yaml", spaces / "mine.yaml")
    shutil.copytree(builtin_dir() / "seeds", spaces / "seeds")
    (tmp_path / "configs").mkdir()
    path = tmp_path / "configs" / "c.yaml"
    path.write_text("name: c\nsearch_space: ../spaces/mine.yaml\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "spaces")  # somewhere the relative path means nothing

    config = load_config(path)
    assert Path(config.search_space) == (spaces / "mine.yaml").resolve()
    assert round_trip(config) == config
    space = "matrix" if path.stem == "matrix" else "lion45"
    assert config.load_search_space().name == space
    data = {"name": "c", "search_space": "mine.yaml"}
    assert config_from_dict(data, base_dir=spaces).search_space == config.search_space


def test_updated_merges_and_revalidates():
    config = config_from_dict({"name": "x", "backend": {"kind": "ray"}})
    moved = config.updated({"out": "/tmp/r", "backend": {"address": "head:6379"}})
    assert moved.run_dir == Path("/tmp/r")
    assert moved.backend == BackendSettings(kind="ray", address="head:6379")
    local = config_from_dict({"name": "x"})
    with pytest.raises(SymoptError, match=r"^--address: backend\.address: only applies with kind"):
        local.updated({"backend": {"address": "head:6379"}}, source="--address")


@pytest.mark.parametrize(
    ("backend", "cpus", "workers"),
    [({}, 8, 1), ({"kind": "ray"}, 8, 8), ({"kind": "ray", "workers": 3}, 8, 3)],
)
def test_worker_count_resolves_auto(backend, cpus, workers):
    assert BackendSettings(**backend).worker_count(cpus) == workers


def test_data_that_is_not_a_mapping():
    with pytest.raises(SymoptError, match=r"^cli: the top level must be a mapping .*, got a list$"):
        config_from_dict([1, 2], "cli")
