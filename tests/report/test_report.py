"""``make_report`` on a real small search, on a run with only the seed, and on a failed run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symopt.campaign import Campaign
from symopt.config import config_from_dict
from symopt.report import FIGURES, PAGE, make_report
from symopt.store import EvaluationRecord, RunStore
from tests.search.test_campaign import SMOKE

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEARCH = {
    **SMOKE,
    "name": "report-test",
    "restarts": {"plateau": 15, "from": "best"},
    "meta_validation": {"task": {"name": "cancer_mlp", "size": 1}, "every": 10},
}


def search(run_dir: Path, evaluations: int) -> Path:
    data = {**SEARCH, "budget": {"max_evaluations": evaluations}, "out": str(run_dir)}
    Campaign(config_from_dict(data), show_progress=False).run()
    return run_dir


def add_funnel(run_dir: Path) -> None:
    """A one-stage funnel event, as ``symopt funnel`` stores it (training baselines is slow)."""
    with RunStore.open(run_dir) as store:
        best = store.top(2)
        programs = [
            {"id": r.id, "fitness": r.fitness, "status": "ok", "reason": "", "advanced": n == 0}
            for n, r in enumerate(best)
        ]
        baseline = {"fitness": 0.95, "status": "ok", "reason": ""}
        store.add_event(
            "funnel",
            store.count(),
            {
                "key": "k",
                "config": {"stages": [{"task": "cancer_mlp", "size": 10}]},
                "candidates": [{"id": r.id, "fitness": r.fitness} for r in best],
                "stage": 0,
                "task": "cancer_mlp",
                "size": 10,
                "programs": programs,
                "baselines": {
                    "seed": baseline,
                    "adamw": {**baseline, "lr": 1e-3},
                    "lion": {**baseline, "fitness": 0.9, "lr": 1e-4},
                },
                "bar": 0.95,
                "advanced": [best[0].id],
            },
        )


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    run_dir = search(tmp_path_factory.mktemp("report") / "run", 40)
    add_funnel(run_dir)
    return run_dir


def assert_complete(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    for file, _ in FIGURES.values():
        image = (page.parent / file).read_bytes()
        assert image.startswith(PNG_MAGIC), file
        assert len(image) > 5_000, file
        assert f'src="{file}"' in text
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", text)
    assert "http" not in text and "<script" not in text
    return text


def test_a_search_with_restarts_meta_validation_and_a_funnel(run, tmp_path):
    with RunStore.open_readonly(run) as store:
        assert store.events("restart") and store.events("meta_validation")
        best = store.top(1)[0]
        chain = store.lineage(best.id)
    logged = []
    page = make_report(run, tmp_path / "out", logged.append)
    assert page == tmp_path / "out" / PAGE and logged
    text = assert_complete(page)
    assert best.program.splitlines()[1].strip() in text  # the best program's text
    assert "funnel of" in text and "AdamW" in text
    if len(chain) > 1:  # a diff per step: its header names the parent and the child
        assert f"--- #{chain[1].id}" in text and f"+++ #{chain[0].id}" in text


def test_the_default_folder_is_inside_the_run(run):
    assert make_report(run, None, lambda _: None) == run / "report" / PAGE


def test_a_run_with_only_the_seed(tmp_path):
    run_dir = search(tmp_path / "seed-only", 1)
    text = assert_complete(make_report(run_dir, None, lambda _: None))
    assert "def train(" in text


def test_a_run_without_a_success(tmp_path):
    config = config_from_dict({"name": "failed", "tasks": [{"name": "cancer_mlp"}]})
    with RunStore.create(tmp_path / "failed", config.to_yaml(), "test") as store:
        store.add_evaluation(
            EvaluationRecord(
                program="def train(w, g, lr):\n    update = g * -30.0\n    return update\n",
                fitness=float("nan"),
                status="nonfinite",
                origin="seed",
            )
        )
    text = assert_complete(make_report(tmp_path / "failed", None, lambda _: None))
    assert "No successful evaluation yet" in text


def test_the_best_meta_validated_program_can_be_named(run):
    from symopt.commands import load_program
    from symopt.dsl import to_text
    from symopt.meta import best_check

    with RunStore.open_readonly(run) as store:
        checks = [event.payload for event in store.events("meta_validation")]
    best = best_check(checks)
    assert best["meta_fitness"] == max(check["meta_fitness"] for check in checks)
    assert to_text(load_program(f"{run}#meta")) == to_text(load_program(f"{run}#{best['best_id']}"))


def test_best_check_takes_the_earliest_of_a_tie_and_skips_nan():
    from symopt.meta import best_check

    checks = [
        {"meta_fitness": f, "best_id": i} for i, f in enumerate([0.5, float("nan"), 0.9, 0.9])
    ]
    assert best_check(checks)["best_id"] == 2
    assert best_check([{"meta_fitness": float("nan"), "best_id": 1}]) is None
    assert best_check([]) is None
