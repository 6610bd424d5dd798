"""The benchmark on cancer_mlp@1: two seeds, two lrs, AdamW and Lion, exactly the settings given
(``extend=0``); widening is tested once through the benchmark."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import optax
import pytest

import proxy_tasks
from symopt.benchmark import BenchmarkResult, plot, render_table, run_benchmark, scale_lr
from symopt.benchmark.suite import DEFAULT_SUITE
from symopt.benchmark.verdict import verdicts_from_dict
from symopt.dsl import read_program, to_text
from symopt.errors import SymoptError

SEEDS = Path(__file__).resolve().parents[2] / "search_spaces" / "seeds"
FACTORS = [1e-4, 1e-2]  # factor 1e-4: the program barely moves the weights
DECAYS = [0.0, 1e-3]  # decoupled weight decay added to the program (0: as written)
BASELINES = ["AdamW", "Lion"]
LRS = {"AdamW": [1e-3, 1e-2], "Lion": [1e-4, 1e-3]}
WDS = {"AdamW": [0.0, 0.1], "Lion": [1.0]}
OPTIMIZERS = ["momentum", "AdamW", "Lion"]


@pytest.fixture(scope="module")
def bench():
    lines: list[str] = []
    result = run_benchmark(
        {"momentum": read_program(SEEDS / "momentum.txt")}, [("cancer_mlp", 1)], 2, FACTORS,
        lines.append, LRS, extend=0, baselines=BASELINES, baseline_wds=WDS, program_wds=DECAYS,
    )  # fmt: skip
    return result, lines


def test_table_has_every_optimizer_the_seeds_and_the_rule(bench):
    result, lines = bench
    table = render_table(result)
    rows = [line.split() for line in table.splitlines() if line.startswith("cancer_mlp@1")]
    assert [row[1] for row in rows] == OPTIMIZERS
    assert {row[-1] for row in rows} <= {"win", "tie", "loss", "-"}
    assert "tuning seeds 1000-1001" in table and "report seeds 2000-2001" in table
    assert "Holm-adjusted across the tasks" in table
    assert sum(line.startswith("[") for line in lines) == len(OPTIMIZERS)  # one per job
    assert lines[-1].startswith("benchmark done in")


def test_settings_are_chosen_on_validation_over_the_tuning_seeds(bench):
    result, _ = bench
    (task,) = result.tasks
    for entry in task.entries:
        lrs, wds = ((FACTORS, DECAYS) if entry.kind == "program"
                    else (LRS[entry.optimizer], WDS[entry.optimizer]))  # fmt: skip
        grid = [(lr, wd) for wd in wds for lr in lrs]
        assert [(point.lr, point.wd) for point in entry.sweep] == grid
        assert all(len(point.loss) == 2 for point in entry.sweep)
        assert entry.best.mean == min(point.mean for point in entry.sweep)
        assert (entry.report.lr, entry.report.wd) == (entry.best.lr, entry.best.wd)
        assert entry.report.seeds == proxy_tasks.report_seeds(2)
    assert not set(result.tuning_seeds) & set(result.report_seeds)


def test_the_report_is_adamw_measured_on_test_at_the_chosen_setting(bench):
    """An independent oracle: optax's own AdamW through ``train_optax`` on the test split."""
    result, _ = bench
    report = result.tasks[0].entry("AdamW").report
    task = proxy_tasks.get_task("cancer_mlp", 1).scoring("test", "neg_val_loss")
    for seed, loss in zip(report.seeds, report.loss, strict=True):
        seeded = dataclasses.replace(task, seed=seed)
        adamw = optax.adamw(seeded.lr_schedule(report.lr), weight_decay=report.wd)
        assert -proxy_tasks.train_optax(seeded, adamw)["fitness"] == pytest.approx(loss, rel=1e-4)
    assert report.accuracy is not None and all(0.9 < a <= 1.0 for a in report.accuracy)


def test_the_lr_factor_and_the_added_weight_decay_change_the_program(bench):
    result, _ = bench
    entry = result.tasks[0].entry("momentum")
    barely, trained, barely_decayed, decayed = entry.sweep  # factors 1e-4, 1e-2; decays 0, 1e-3
    assert barely.mean > trained.mean + 0.1
    assert entry.report.lr == 1e-2
    assert decayed.loss != trained.loss  # the decay reaches the weights
    assert result.program_weight_decays == DECAYS
    table = render_table(result)
    row = next(line.split() for line in table.splitlines() if "momentum" in line.split()[1:2])
    assert row[3] == f"+{entry.report.wd:g}"


def test_results_from_before_program_decay_read_back_as_lr_only(bench):
    result, _ = bench
    data = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    del data["program_weight_decays"]
    assert BenchmarkResult.from_dict(data).program_weight_decays == [None]


def test_scale_lr_prepends_the_factor():
    program = read_program(SEEDS / "momentum.txt")
    text = to_text(scale_lr(program, 0.3))
    assert text.splitlines()[1].strip() == "lr = lr * 0.3"


def test_json_round_trip_and_verdicts_recomputed_from_it(bench):
    result, _ = bench
    data = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    again = BenchmarkResult.from_dict(data)
    assert again.as_dict() == data
    assert render_table(again) == render_table(result)
    stored = {name: {"cancer_mlp@1": result.tasks[0].entry(name).verdict}
              for name in ("momentum", "Lion")}  # fmt: skip
    assert verdicts_from_dict(data) == stored
    # the recomputation reads the per-seed losses, not the stored verdicts
    lion = data["tasks"][0]["optimizers"][2]
    adamw = data["tasks"][0]["optimizers"][1]["report"]["loss"]
    lion["report"]["loss"] = [loss + 1.0 + 0.01 * i for i, loss in enumerate(adamw)]
    assert verdicts_from_dict(data)["Lion"] == {"cancer_mlp@1": "loss"}


def test_a_sweep_widens_until_its_best_is_inside():
    """The Lion seed has no lr scale of its own (peak lr 1, where it diverges): from factors 1 and
    3 the sweep must walk down until the best stops being the smallest factor."""
    program = read_program(SEEDS / "lion.txt")
    result = run_benchmark({"lion": program}, [("cancer_mlp", 1)], 1, [1.0, 3.0],
                           baselines=[], baseline_lrs={"AdamW": [1e-3]},
                           baseline_wds={"AdamW": [0.01]}, program_wds=[0.0])  # fmt: skip
    lion = result.tasks[0].entry("lion")
    lrs = [point.lr for point in lion.sweep]
    assert lrs == sorted(lrs) and lrs[-2:] == [1.0, 3.0]
    assert lion.best.lr <= 0.1 and lion.best.lr != lrs[0]  # inside the widened sweep
    assert lion.sweep[-1].status == ["diverged"]
    assert lion.report.mean < 0.3
    assert [e.optimizer for e in result.tasks[0].entries] == ["lion", "AdamW"]


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
        ({"seeds": 0}, "1 <= seeds <= 1000"),
        ({"seeds": 1001}, "1 <= seeds <= 1000"),
        ({"lr_factors": []}, "sweep is empty"),
        ({"lr_factors": [1.0, 1.0]}, "repeats"),
        ({"lr_factors": [0.0, 1.0]}, "must be positive; got 0"),
        ({"lr_factors": [-1.0]}, "must be positive"),
        ({"lr_factors": [1.0, float("inf")]}, "must be finite"),
        ({"lr_factors": [float("nan")]}, "must be finite"),
        ({"baseline_lrs": {"Adam": [1e-3]}}, "Unknown baseline 'Adam'"),
        ({"baselines": ["Muonn"]}, "Unknown baseline 'Muonn'"),
        ({"baseline_lrs": {"AdamW": [-1e-3]}}, "must be positive"),
        ({"baseline_lrs": {"AdamW": [0.0]}}, "must be positive"),
        ({"baseline_wds": {"Lion": [-0.1]}}, "Lion weight decay sweep must be positive"),
        ({"extend": -1}, "must be >= 0"),
        ({"backend": "slurm"}, "Unknown backend 'slurm'"),
        ({"backend": "ray", "workers": 0}, "workers >= 1"),
        ({"backend": "local", "workers": 2}, "needs the ray backend"),
    ],
)
def test_bad_settings_fail(kwargs, match):
    with pytest.raises(SymoptError, match=match) as err:
        run_benchmark({}, [("cancer_mlp", 1)], **{"seeds": 1, **kwargs})
    assert "\n" not in str(err.value)


def test_program_name_clash():
    program = read_program(SEEDS / "adamw.txt")
    with pytest.raises(SymoptError, match="taken by a baseline"):
        run_benchmark({"AdamW": program}, [("cancer_mlp", 1)], 1, None)


def test_default_suite_covers_every_family_at_two_sizes():
    from proxy_tasks import get_task

    families = {get_task(name, size).family for name, size in DEFAULT_SUITE}
    assert families == {"vision", "language", "tabular"}
    assert {size for _, size in DEFAULT_SUITE} == {1, 10}
