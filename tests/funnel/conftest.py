"""A small run directory to funnel: the seed programs, a renamed duplicate and a bad program."""

from __future__ import annotations

from pathlib import Path

import pytest

from symopt.analysis.fingerprint import fingerprint
from symopt.config import config_from_dict
from symopt.dsl import parse, read_program, to_text
from symopt.store import EvaluationRecord, RunStore

SEEDS = Path(__file__).resolve().parents[2] / "search_spaces" / "seeds"

# Gradient ascent: diverges within the first chunk of steps.
BAD = "def train(w, g, lr):\n    update = g * -30.0\n    return update\n"
# SGD again, with its temporary renamed: the same function, so the funnel must skip it.
SGD_RENAMED = "def train(w, g, lr):\n    step = g * lr\n    return step\n"

# (program text, the fitness the "search" recorded); the order of the run's top: adamw, momentum,
# sgd, the renamed sgd (a duplicate, skipped), bad.
PROGRAMS = [
    (to_text(read_program(SEEDS / "adamw.txt")), 0.99),
    (to_text(read_program(SEEDS / "momentum.txt")), 0.98),
    (to_text(read_program(SEEDS / "sgd.txt")), 0.97),
    (SGD_RENAMED, 0.96),
    (BAD, 0.95),
]


def make_run(run_dir: Path, programs=PROGRAMS, status: str = "ok") -> Path:
    """A run of the lion45 space on cancer_mlp/1 holding ``programs`` as evaluated records."""
    config = config_from_dict({"name": "funnel-test", "tasks": [{"name": "cancer_mlp"}]})
    with RunStore.create(run_dir, config.to_yaml(), "test") as store:
        for text, fitness in programs:
            record = EvaluationRecord(
                program=text,
                fitness=fitness,
                status=status,
                origin="test",
                fingerprint=fingerprint(parse(text)).digest,
            )
            store.add_evaluation(record)
    return run_dir


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return make_run(tmp_path / "run")


# AdamW and Lion swept at deliberately small peak lrs, so that the bar is beatable at stage 1.
WEAK_BASELINES = {"adamw_lrs": [1.0e-5, 1.0e-4], "lion_lrs": [1.0e-5, 1.0e-4], "widen": 0,
                  "adamw_weight_decays": [0.0], "lion_weight_decays": [0.0, 0.1]}  # fmt: skip
# Programs at their own lr only, so the funnel tests stay fast.
FAST = {"lr_factors": [1.0], "seeds": 2}
# signSGD at 0.01: beats the weak AdamW on cancer_mlp/1, diverges on the deeper cancer_mlp/10.
SIGN = "def train(w, g, lr):\n    s = sign(g)\n    update = s * 0.01\n    update = update * lr\n    return update\n"  # noqa: E501


def write_funnel_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
