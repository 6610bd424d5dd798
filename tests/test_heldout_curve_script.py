"""scripts/heldout_curve.py: which program was the run's best at a given moment."""

import importlib.util
from pathlib import Path

from symopt.config import config_from_dict
from symopt.store import EvaluationRecord, RunStore
from tests.dsl.test_text import SEEDS

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    spec = importlib.util.spec_from_file_location(
        "heldout_curve", ROOT / "scripts" / "heldout_curve.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_best_at_follows_the_re_evaluated_bests_in_time(tmp_path):
    seed, sgd, momentum = ((SEEDS / f"{n}.txt").read_text() for n in ("adamw", "sgd", "momentum"))
    config = config_from_dict({"name": "curve"})
    with RunStore.create(tmp_path / "run", config.to_yaml(), "test") as store:
        for text in (seed, sgd, momentum):
            store.add_evaluation(
                EvaluationRecord(program=text, fitness=0.5, status="ok", origin="t")
            )
        for program, best in ((sgd, True), (momentum, False)):  # momentum never led
            store.add_event("reevaluation", store.count(), {"program": program, "best": best})
    best_at = load_script().best_at
    with RunStore.open_readonly(tmp_path / "run") as store:
        chosen = best_at(store, [-1.0, 60.0])
    assert chosen == {-1.0: seed, 60.0: sgd}  # before any re-evaluation: the seed
