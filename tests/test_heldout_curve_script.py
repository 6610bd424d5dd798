"""scripts/heldout_curve.py: which program was the run's best at a given moment."""

import importlib.util
from pathlib import Path

from symopt.config import config_from_dict
from symopt.dsl import read_program, to_text
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


def test_also_adds_program_files_to_the_same_benchmark(tmp_path, monkeypatch, capsys):
    """``--also FILE``: the file's program is benchmarked beside the runs' bests, a row of its
    own; the benchmark is faked (this test is about what reaches it and what is printed)."""
    from symopt.benchmark.result import BenchmarkResult, Entry, Report, TaskResult

    seed = (SEEDS / "adamw.txt").read_text()
    config = config_from_dict({"name": "curve"})
    with RunStore.create(tmp_path / "run", config.to_yaml(), "test") as store:
        store.add_evaluation(EvaluationRecord(program=seed, fitness=0.5, status="ok", origin="t"))
    script = load_script()
    seen = {}

    def fake_benchmark(programs, tasks, **kwargs):
        seen.update(programs)

        def entry(name, verdict):
            report = Report(1.0, None, [2000], [0.5], None, ["ok"])
            return Entry(name, "program", [], report, verdict, None)

        task = TaskResult("friedman_mlp", 1, 10.0, False,
                          [entry(n, "tie") for n in programs] + [entry("AdamW", None)])  # fmt: skip
        return BenchmarkResult([1000], [2000], [1.0], {}, {}, [task])

    monkeypatch.setattr(script, "run_benchmark", fake_benchmark)
    also = SEEDS / "momentum.txt"
    assert script.main([str(tmp_path / "run"), "--minutes", "5", "--also", str(also)]) == 0
    assert set(seen) == {"run@5min", "momentum"}
    assert to_text(seen["momentum"]) == to_text(read_program(also))
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| -")]
    assert rows == ["| - | - | momentum | 0 | 1 | 0 | friedman_mlp 0.5000/0.5000 tie |"]
    missing = tmp_path / "nope.txt"
    assert script.main([str(tmp_path / "run"), "--also", str(missing)]) == 2
