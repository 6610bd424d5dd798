"""Tasks from the user's own module: how MODULE:NAME is found, imported and built, and the one
line each mistake gives."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from proxy_tasks import Task, TaskError, get_task
from proxy_tasks.user import canonical, label, load_builder

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "configs" / "my_task.py"
_names = itertools.count()


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch):
    """Importing a task file puts its folder on ``sys.path``; each test gets the path back."""
    monkeypatch.setattr(sys, "path", list(sys.path))


def module(folder: Path, body: str, name: str | None = None) -> Path:
    """A module file in ``folder`` (a fresh name, so no test sees another's import)."""
    path = folder / f"{name or f'usertask_{next(_names)}'}.py"
    path.write_text(body)
    return path


def error_of(reference: str, size: int = 1) -> str:
    with pytest.raises(TaskError) as info:
        get_task(reference, size)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def test_the_example_task_builds_checked_and_named_by_its_reference():
    reference = f"{EXAMPLE}:build"
    task = get_task(reference, 1)
    assert isinstance(task, Task)
    assert task.name == reference, "the name finds the task again, in any process"
    assert (task.size, task.num_steps, task.metric_name) == (1, 200, "neg_val_loss")
    assert get_task(reference, 1) is task, "building is cached"
    assert label(reference) == "my_task:build"

    assert label("digits_mlp") == "digits_mlp"


def test_a_file_is_relative_to_the_base_folder_and_becomes_absolute(tmp_path):
    path = module(tmp_path, f"from proxy_tasks.user import load_builder\nbuild = "
                            f"load_builder({str(EXAMPLE)!r} + ':build')\n")  # fmt: skip
    assert canonical(f"{path.name}:build", tmp_path) == f"{path}:build"
    task = get_task(f"{path}:build", 10)
    assert task.size == 10 and task.num_steps == 600, "the builder is given the size"


def test_a_module_name_is_looked_up_beside_the_base_folder_first(tmp_path):
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("SIZE_STEPS = {1: 7}\n")
    module(package, "from .helpers import SIZE_STEPS\n\ndef build(size):\n    return SIZE_STEPS\n",
           name="tasks")  # fmt: skip
    reference = canonical("mypkg.tasks:build", tmp_path)
    assert reference == f"{package / 'tasks.py'}:build"
    assert load_builder(reference)(1) == {1: 7}, "imported as mypkg.tasks: relative imports work"


def test_a_module_name_on_sys_path_keeps_its_name(tmp_path):
    assert canonical("json:dumps", tmp_path) == "json:dumps"
    assert "returned a function" not in error_of("json:dumps")  # found; json.dumps(1) is a str
    assert "returned a str, not a proxy_tasks.Task" in error_of("json:dumps")


@pytest.mark.parametrize(
    ("body", "name", "expected"),
    [
        ("def build(size):\n    return (\n", "build", "syntax error at {path}, line 2"),
        ("raise RuntimeError('no data here')\n", "build", "failed: RuntimeError: no data here"),
        ("import no_such_dependency_xyz\n", "build",
         "failed: ModuleNotFoundError: No module named 'no_such_dependency_xyz'"),
        ("def build(size):\n    pass\n", "buld", "has no 'buld'; did you mean 'build'?"),
        ("build = 5\n", "build", "'build' is a int, not a callable name(size)"),
        ("def build(size):\n    raise ValueError(f'no size {size}')\n", "build",
         "build(1) raised ValueError: no size 1"),
        ("def build(size):\n    return {}\n", "build",
         "build(1) returned a dict, not a proxy_tasks.Task"),
    ],
)  # fmt: skip
def test_each_mistake_in_the_module_is_one_line_naming_it(tmp_path, body, name, expected):
    path = module(tmp_path, body)
    message = error_of(f"{path}:{name}")
    assert expected.format(path=path) in message
    assert str(path) in message


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("nowhere.py:build", "task module nowhere.py: no such file"),
        ("build.py:", "is not a task reference: expected MODULE:NAME"),
        ("my_task.py:not-a-name", "is not a task reference"),
        (":build", "is not a task reference"),
    ],
)
def test_a_missing_module_or_a_malformed_reference_is_one_line(reference, expected):
    assert expected in error_of(reference)


def test_a_module_name_that_nothing_provides(tmp_path):
    with pytest.raises(TaskError, match="task module 'no_such_pkg_xyz.tasks' not found: no "):
        canonical("no_such_pkg_xyz.tasks:build", tmp_path)
    with pytest.raises(TaskError, match="neither a file ending in .py nor a module name"):
        canonical("my-tasks:build", tmp_path)


def test_files_of_the_same_name_or_named_like_a_module_never_clash(tmp_path):
    for folder, value in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        module(tmp_path / folder, f"def build(size):\n    return {value}\n", name="json")
    assert load_builder(f"{tmp_path / 'a' / 'json.py'}:build")(1) == 1
    assert load_builder(f"{tmp_path / 'b' / 'json.py'}:build")(1) == 2
    assert sys.modules["json"].__file__ != str(tmp_path / "a" / "json.py")


def test_a_package_whose_name_is_taken_is_refused(tmp_path):
    (tmp_path / "json").mkdir()
    path = module(tmp_path / "json", "def build(size):\n    pass\n", name="__init__")
    assert "the module name 'json' is already taken by" in error_of(f"{path}:build")


def test_the_size_is_checked_before_the_module_is_imported(tmp_path):
    path = module(tmp_path, "raise RuntimeError('imported')\n")
    assert "has sizes 1, 10, 100; got 3" in error_of(f"{path}:build", 3)
