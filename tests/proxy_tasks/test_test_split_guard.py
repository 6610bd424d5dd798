"""No search code path reads a task's test split: a task whose test split raises if touched goes
through a whole search (hurdle, meta-validation, cache, the population's probes) and an ablation;
only the benchmark, which reports test, trips it."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import pytest

from proxy_tasks import registry
from proxy_tasks.sources import ArraySource
from symopt.benchmark import run_benchmark
from symopt.campaign import Campaign
from symopt.config import config_from_dict
from symopt.dsl import read_program
from symopt.simplify import run_simplify
from symopt.store import RunStore
from tests.dsl.test_text import SEEDS

NAME = "guarded_cancer"


class SplitTouched(AssertionError):
    """Raised by :class:`Guarded` when anything reads the test split."""


@dataclass(frozen=True)
class Guarded:
    """An :class:`ArraySource` whose test split raises; everything else is the inner source."""

    inner: ArraySource

    @property
    def num_classes(self) -> int:
        return self.inner.num_classes

    def train_data(self, num_steps: int, batch_size: int, seed: int) -> dict:
        return self.inner.train_data(num_steps, batch_size, seed)

    def get_batch(self, train_data: dict, step) -> dict:
        return self.inner.get_batch(train_data, step)

    def held_out_data(self, split: str) -> dict:
        if split != "validation":
            raise SplitTouched(f"the {split} split was read")
        return self.inner.held_out_data(split)


def guarded_cancer(size: int):
    task = registry.cancer_mlp(size)
    return dataclasses.replace(task, name=NAME, source=Guarded(task.source))


@pytest.fixture
def guarded(monkeypatch):
    monkeypatch.setattr(registry, "BUILDERS", {**registry.BUILDERS, NAME: guarded_cancer})
    yield registry.get_task(NAME, 1)
    registry._build.cache_clear()


def test_the_guard_is_live(guarded):
    with pytest.raises(SplitTouched):
        guarded.test_data()
    with pytest.raises(SplitTouched):
        run_benchmark({}, [(NAME, 1)], 1, None, baselines=[], baseline_lrs={"AdamW": [1e-3]},
                      baseline_wds={"AdamW": [0.0]}, extend=0)  # fmt: skip


def test_a_search_with_hurdle_and_meta_validation_never_reads_test(guarded, tmp_path):
    config = config_from_dict({
        "name": "guard", "seed": 0, "tasks": [{"name": NAME, "size": 1}],
        "population": 8, "tournament": 3, "budget": {"max_evaluations": 30},
        "hurdle": {"fraction": 0.5, "quantile": 0.5},
        "meta_validation": {"task": {"name": NAME, "size": 10}, "every": 10},
        "backend": {"kind": "local", "workers": 1}, "out": str(tmp_path / "run"),
    })  # fmt: skip
    outcome = Campaign(config, show_progress=False).run()
    assert outcome.trained >= 30
    with RunStore.open_readonly(tmp_path / "run") as store:
        assert store.events("meta_validation"), "meta-validation must have run"
        # runs were scored at the hurdle step (on validation) on the way
        at_hurdle = [r.metrics.get("hurdle_fitness") for r in store.iter_evaluations()]
        assert any(x is not None and math.isfinite(x) for x in at_hurdle)


def test_an_ablation_never_reads_test(guarded):
    program = read_program(SEEDS / "adamw.txt")
    run_simplify(program, exact=False, task=NAME, size=1, log=lambda line: None)
