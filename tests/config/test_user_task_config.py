"""A campaign's task from the user's own module: found relative to the YAML file, resolved in the
saved config, and every mistake one line naming the key."""

from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from symopt.campaign_setup import config_hash
from symopt.config import load_config
from symopt.errors import SymoptError
from symopt.funnel.config import load_funnel_config

EXAMPLE = Path(__file__).resolve().parents[2] / "configs" / "my_task.py"
_names = itertools.count()


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))


def campaign(folder: Path, task: dict, **more) -> Path:
    path = folder / "c.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "tasks": [task], **more}))
    return path


def fresh_module(folder: Path, body: str) -> str:
    name = f"cfgtask_{next(_names)}.py"
    (folder / name).write_text(body)
    return name


def error_of(path: Path) -> str:
    with pytest.raises(SymoptError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_a_file_beside_the_yaml_is_resolved_and_the_saved_config_loads_back(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "wine_task.py")
    config = load_config(campaign(tmp_path, {"module": "wine_task.py", "name": "build"}))
    (task,) = config.tasks
    assert task.module == str(tmp_path / "wine_task.py")
    assert task.reference == f"{tmp_path / 'wine_task.py'}:build"
    assert task.key == "wine_task:build@1"
    saved = tmp_path / "run" / "config.yaml"
    saved.parent.mkdir()
    saved.write_text(config.to_yaml())
    again = load_config(saved)  # from another folder: the path is absolute now
    assert again == config and config_hash(again) == config_hash(config)


def test_a_module_name_is_looked_up_beside_the_yaml(tmp_path):
    (tmp_path / "tasks_pkg").mkdir()
    (tmp_path / "tasks_pkg" / "__init__.py").write_text("")
    shutil.copy(EXAMPLE, tmp_path / "tasks_pkg" / "wine.py")
    config = load_config(campaign(tmp_path, {"module": "tasks_pkg.wine", "name": "build"}))
    assert config.tasks[0].module == str(tmp_path / "tasks_pkg" / "wine.py")


def test_meta_validation_and_funnel_stages_take_the_user_task_too(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "wine_meta.py")
    meta = {"task": {"module": "wine_meta.py", "name": "build", "size": 10}, "every": 50}
    config = load_config(campaign(tmp_path, {"name": "cancer_mlp"}, meta_validation=meta))
    assert config.meta_validation.task.key == "wine_meta:build@10"
    funnel = tmp_path / "funnel.yaml"
    funnel.write_text(yaml.safe_dump({"stages": [{"task": "build", "module": "wine_meta.py"}]}))
    (stage,) = load_funnel_config(funnel).stages
    assert stage.reference == f"{tmp_path / 'wine_meta.py'}:build" and stage.label == (
        "wine_meta:build/1"
    )
    funnel.write_text(yaml.safe_dump({"stages": [{"task": "biuld", "module": "wine_meta.py"}]}))
    with pytest.raises(SymoptError, match=r"stages\[0\].task: task module .* has no 'biuld'"):
        load_funnel_config(funnel)


@pytest.mark.parametrize(
    ("body", "name", "expected"),
    [
        (None, "build", "tasks[0].module: task module nowhere.py: no such file {folder}"),
        ("def build(size):\n    return (\n", "build",
         "tasks[0].module: task module {module}: syntax error at {module}, line 2: "),
        ("import no_such_dependency_xyz\n", "build",
         "tasks[0].module: importing task module {module} failed: ModuleNotFoundError: "),
        ("def build(size):\n    pass\n", "biuld",
         "tasks[0].name: task module {module} has no 'biuld'; did you mean 'build'?"),
        ("build = 3\n", "build", "tasks[0].name: task module {module}: 'build' is a int, not a "),
    ],
)  # fmt: skip
def test_each_mistake_names_the_key(tmp_path, body, name, expected):
    module = fresh_module(tmp_path, body) if body is not None else "nowhere.py"
    message = error_of(campaign(tmp_path, {"module": module, "name": name}))
    assert message.startswith(expected.format(folder=tmp_path, module=tmp_path / module)), message


def test_a_module_name_nothing_provides(tmp_path):
    message = error_of(campaign(tmp_path, {"module": "no_such_pkg_xyz.tasks", "name": "build"}))
    assert message.startswith("tasks[0].module: task module 'no_such_pkg_xyz.tasks' not found")
