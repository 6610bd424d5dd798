"""The benchmark on cancer_mlp@1 with two seeds and two lrs per optimizer (~10 s), exactly the
lrs given (``extend=0``); widening is tested on its own and once through the benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symopt.benchmark import BenchmarkResult, plot, render_table, run_benchmark, scale_lr
from symopt.benchmark.suite import DEFAULT_SUITE
from symopt.dsl import read_program, to_text
from symopt.errors import SymoptError

SEEDS = Path(__file__).resolve().parents[2] / "search_spaces" / "seeds"
FACTORS = [0.0, 1.0]  # factor 0: the program never moves the weights
BASELINE_LRS = {"AdamW": [1e-3, 3e-3], "Lion": [1e-4, 3e-4], "SGD-momentum": [1e-2, 3e-2]}
OPTIMIZERS = ["adamw", "momentum", "AdamW", "Lion", "SGD-momentum"]


@pytest.fixture(scope="module")
def bench():
    programs = {name: read_program(SEEDS / f"{name}.txt") for name in ("adamw", "momentum")}
    lines: list[str] = []
    result = run_benchmark(
        programs, [("cancer_mlp", 1)], 2, FACTORS, lines.append, BASELINE_LRS, extend=0
    )
    return result, lines


def test_table_has_every_optimizer_and_a_verdict(bench):
    result, lines = bench
    table = render_table(result)
    rows = [line.split() for line in table.splitlines() if line.startswith("cancer_mlp@1")]
    assert [row[1] for row in rows] == OPTIMIZERS
    assert {row[-1] for row in rows} <= {"win", "tie", "loss", "-"}
    assert "verdict: paired over seeds: tie when" in table
    assert "adamw vs AdamW:" in table
    assert sum(line.startswith("[") for line in lines) == len(OPTIMIZERS)  # one per sweep
    assert lines[-1].startswith("benchmark done in")


def test_best_lr_is_a_swept_value(bench):
    result, _ = bench
    (task,) = result.tasks
    for entry in task.entries:
        swept = FACTORS if entry.kind == "program" else BASELINE_LRS[entry.optimizer]
        assert [point.lr for point in entry.sweep] == swept
        assert entry.best.lr in swept
        assert len(entry.best.fitness) == 2
        assert entry.best.mean == max(point.mean for point in entry.sweep)


def test_seeds_change_the_run(bench):
    result, _ = bench
    adamw = result.tasks[0].entry("AdamW")
    assert len(set(adamw.best.fitness)) == 2


def test_lr_factor_changes_the_program(bench):
    result, _ = bench
    entry = result.tasks[0].entry("adamw")
    untrained, trained = entry.sweep  # factors 0 and 1
    assert trained.mean > untrained.mean + 0.1
    assert entry.best.lr == 1.0


def test_scale_lr_prepends_the_factor():
    program = read_program(SEEDS / "momentum.txt")
    text = to_text(scale_lr(program, 0.3))
    assert text.splitlines()[1].strip() == "lr = lr * 0.3"


def test_as_dict_json_round_trip(bench):
    result, _ = bench
    data = result.as_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    (task,) = data["tasks"]
    assert [entry["optimizer"] for entry in task["optimizers"]] == OPTIMIZERS
    assert data["summary"]["adamw"] == result.summary("adamw")


def test_from_dict_reads_back_what_as_dict_wrote(bench):
    result, _ = bench
    data = json.loads(json.dumps(result.as_dict()))
    again = BenchmarkResult.from_dict(data)
    assert again.as_dict() == data
    assert render_table(again) == render_table(result)


def test_a_sweep_widens_until_its_best_is_inside():
    """The Lion seed has no lr scale of its own (peak lr 1, where it diverges): from factors 1 and
    3 the sweep must walk down until the best stops being the smallest factor."""
    program = read_program(SEEDS / "lion.txt")
    result = run_benchmark(
        {"lion": program}, [("cancer_mlp", 1)], 1, [1.0, 3.0], baseline_lrs=BASELINE_LRS
    )
    task = result.tasks[0]
    lion = task.entry("lion")
    lrs = [point.lr for point in lion.sweep]
    assert lrs == sorted(lrs) and lrs[-2:] == [1.0, 3.0]
    assert lion.best.lr <= 0.1 and lion.best.lr != lrs[0]  # inside the widened sweep
    assert lion.sweep[-1].status == ["diverged"]
    assert lion.best.mean > 0.9
    for entry in task.entries:
        assert not entry.at_edge or len(entry.sweep) >= 2 + 8  # only at an edge when capped


def test_plot_writes_a_png(bench, tmp_path):
    result, _ = bench
    path = plot(result, tmp_path / "benchmark.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert path.stat().st_size > 5_000


@pytest.mark.parametrize(
    ("tasks", "match"),
    [
        ([("cancer_mpl", 1)], "did you mean 'cancer_mlp'"),
        ([("cancer_mlp", 3)], "has sizes 1, 10, 100"),
        ([("cancer_mlp", 1), ("cancer_mlp", 1)], "twice"),
        ([], "at least one task"),
    ],
)
def test_bad_tasks_fail_before_anything_runs(tasks, match):
    lines: list[str] = []
    with pytest.raises(SymoptError, match=match) as err:
        run_benchmark({}, tasks, 1, None, lines.append)
    assert "\n" not in str(err.value)
    assert lines == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seeds": 0}, "seeds >= 1"),
        ({"lr_factors": []}, "sweep is empty"),
        ({"lr_factors": [1.0, 1.0]}, "repeats"),
        ({"baseline_lrs": {"Adam": [1e-3]}}, "Unknown baseline 'Adam'"),
        ({"baseline_lrs": {"AdamW": [-1e-3]}}, "must be positive"),
        ({"extend": -1}, "must be >= 0"),
        ({"backend": "slurm"}, "Unknown backend 'slurm'"),
        ({"backend": "ray", "workers": 0}, "workers >= 1"),
        ({"backend": "local", "workers": 2}, "needs the ray backend"),
        ({"lr_factors": [1.0, float("inf")]}, "must be finite"),
    ],
)
def test_bad_settings_fail(kwargs, match):
    with pytest.raises(SymoptError, match=match):
        run_benchmark({}, [("cancer_mlp", 1)], **{"seeds": 1, **kwargs})


def test_program_name_clash():
    program = read_program(SEEDS / "adamw.txt")
    with pytest.raises(SymoptError, match="taken by a baseline"):
        run_benchmark({"AdamW": program}, [("cancer_mlp", 1)], 1, None)


def test_default_suite_covers_every_family_at_two_sizes():
    from proxy_tasks import get_task

    families = {get_task(name, size).family for name, size in DEFAULT_SUITE}
    assert families == {"vision", "language", "tabular"}
    assert {size for _, size in DEFAULT_SUITE} == {1, 10}
