"""A search on the user's own task (configs/my_task.yaml), and the commands that use its run:
resume, show, eval, benchmark and funnel, each naming the task the same way."""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from symopt.campaign import Campaign
from symopt.cli import main
from symopt.config import load_config
from symopt.stats import NOT_TRAINED
from symopt.store import RunStore
from tests.dsl.test_text import SEEDS
from tests.funnel.conftest import FAST, WEAK_BASELINES

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
KEY = "my_task:build@1"


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))


def trained(run_dir: Path) -> list:
    with RunStore.open_readonly(run_dir) as store:
        return [r for r in store.iter_evaluations() if r.status not in NOT_TRAINED]


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("symopt: error: "), err
    return err


def test_the_example_campaign_trains_the_user_task(tmp_path):
    config = load_config(CONFIGS / "my_task.yaml").updated(
        {"budget": {"max_evaluations": 30}, "out": str(tmp_path / "run")}
    )
    outcome = Campaign(config, show_progress=False).run()
    assert outcome.trained == 30
    records = trained(tmp_path / "run")
    assert len(records) == 30
    results = [r.metrics["tasks"][KEY] for r in records]
    assert all(math.isfinite(r["fitness"]) for r in results)
    ok = [r for r in results if r["status"] == "ok"]
    assert ok and all(r["steps"] == 200 for r in ok), "trained for the task's 200 steps"
    assert max(r["fitness"] for r in ok) > -math.log(3), "better than a uniform guess"
    assert (tmp_path / "run" / "probes" / f"{KEY}.npz").is_file()
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert saved["tasks"] == [{"name": "build", "size": 1, "module": str(CONFIGS / "my_task.py")}]


@pytest.fixture(scope="module")
def user_run(tmp_path_factory):
    """A search from a copy of the example (module beside its YAML), 20 evaluations."""
    folder = tmp_path_factory.mktemp("user")
    shutil.copy(CONFIGS / "my_task.py", folder / "my_task.py")
    data = yaml.safe_load((CONFIGS / "my_task.yaml").read_text())
    data |= {"budget": {"max_evaluations": 20}, "population": 8, "tournament": 3}
    (folder / "c.yaml").write_text(yaml.safe_dump(data))
    run = folder / "run"
    assert main(["search", str(folder / "c.yaml"), "--out", str(run), "--quiet"]) == 0
    return folder, run


@pytest.mark.slow
def test_eval_show_benchmark_and_funnel_take_the_user_task(user_run, capsys, monkeypatch):
    folder, run = user_run
    monkeypatch.chdir(folder)  # the command line's MODULE is relative to the current folder
    capsys.readouterr()
    assert main(["eval", f"{run}#best", "--task", "my_task.py:build", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "ok" and record["task"] == f"{folder / 'my_task.py'}:build"
    assert main(["show", str(run)]) == 0
    assert "best #" in capsys.readouterr().out
    args = ["benchmark", str(SEEDS / "sgd.txt"), "--tasks", "my_task.py:build@1", "--seeds", "1",
            "--backend", "local", "--lr-factors", "1", "--widen", "0", "--baselines", "AdamW",
            "--json"]  # fmt: skip
    assert main(args) == 0
    (task,) = json.loads(capsys.readouterr().out)["tasks"]
    assert (task["task"], task["size"]) == (f"{folder / 'my_task.py'}:build", 1)
    assert {entry["optimizer"] for entry in task["optimizers"]} == {"sgd", "AdamW"}
    funnel = folder / "funnel.yaml"
    stages = [{"task": "build", "module": "my_task.py", "size": 1}]
    funnel.write_text(yaml.safe_dump({"top": 2, "stages": stages, "baselines": WEAK_BASELINES,
                                      **FAST}))  # fmt: skip
    assert main(["funnel", str(run), "--config", str(funnel)]) == 0
    assert "my_task:build/1" in capsys.readouterr().out


def test_resume_rebuilds_the_user_task_and_refuses_once_it_vanished(user_run, capsys):
    folder, run = user_run
    config = folder / "c.yaml"
    data = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump(data | {"budget": {"max_evaluations": 25}}))
    assert main(["search", str(config), "--out", str(run), "--resume", "--quiet"]) == 0
    assert len(trained(run)) == 25
    (folder / "my_task.py").rename(folder / "moved.py")
    capsys.readouterr()
    for args in (["search", str(config), "--out", str(run), "--resume"],
                 ["search", str(run / "config.yaml"), "--out", str(run), "--resume"]):  # fmt: skip
        assert main(args) == 2
        err = one_line_error(capsys)
        assert "tasks[0].module: task module " in err
        assert f": no such file {folder / 'my_task.py'}" in err or err.endswith(
            f"task module {folder / 'my_task.py'}: no such file"
        )
    assert main(["show", str(run)]) == 0, "show needs no task"


def test_bad_user_tasks_are_one_line_at_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken_task.py").write_text("def build(size):\n    return [\n")
    program = str(SEEDS / "sgd.txt")
    cases = [
        (["eval", program, "--task", "nowhere.py:build"], "task module nowhere.py: no such file"),
        (["eval", program, "--task", "broken_task.py:build"],
         f"syntax error at {tmp_path / 'broken_task.py'}, line 2"),
        (["benchmark", program, "--tasks", "nowhere.py:build@1"], "no such file"),
        (["benchmark", program, "--tasks", "broken_task.py:build@x"], "expected NAME@SIZE"),
        (["simplify", program, "--task", "no_such_pkg_xyz:build"], "not found"),
    ]  # fmt: skip
    for args, expected in cases:
        assert main(args) == 2
        assert expected in one_line_error(capsys)
    (tmp_path / "c.yaml").write_text(
        yaml.safe_dump({"name": "x", "tasks": [{"module": "broken_task.py", "name": "build"}]})
    )
    assert main(["search", "c.yaml"]) == 2
    assert "c.yaml: tasks[0].module: task module" in one_line_error(capsys)
