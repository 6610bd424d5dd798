"""Tasks from the user's own Python module, named ``MODULE:NAME``.

``NAME`` is a callable of the module, the task's *builder*: ``NAME(size: int) -> Task``, given
the size asked for (1, 10 or 100, like every task: about 1x, 10x and 100x the compute of size 1;
a builder that has no use for a size raises, and that error is reported). It returns a
:class:`proxy_tasks.Task` whose ``size`` is that size; :mod:`proxy_tasks.contract` checks the rest.

``MODULE`` is either

- a **file**, a path ending in ``.py``, relative to a base folder (a campaign's: the folder of
  its YAML file; the command line's: the current folder), or
- a **module name** (dotted, ``mypkg.tasks``): first looked up as a file or package under the
  base folder (``mypkg/tasks.py``), then imported from ``sys.path`` like any module.

:func:`canonical` turns either into a reference that needs no base folder: a file (found under
the base folder) becomes its absolute path, a module found on ``sys.path`` keeps its name. So a
reference can travel to other processes (Ray workers) and into a run directory's config.

A file is imported once per process. A file outside any package gets a private module name (so
two ``my_task.py`` in different folders, or a file named like an installed module, never clash)
and its folder is appended to ``sys.path``, so it may import the modules beside it. A file inside
a package (its folder has ``__init__.py``) is imported by its dotted name from the first folder
above that is not a package (put first on ``sys.path``), so its relative imports work. Every
failure is a :class:`TaskError` of one line.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from proxy_tasks.base import Task
from proxy_tasks.contract import check_task
from proxy_tasks.errors import TaskError

SEPARATOR = ":"


def is_reference(name: str) -> bool:
    """True when ``name`` names a user task (``MODULE:NAME``) rather than a registered one."""
    return SEPARATOR in name


def split_reference(reference: str) -> tuple[str, str]:
    """``(module, name)`` of ``MODULE:NAME``; the last ``:`` separates them."""
    module, sep, name = reference.rpartition(SEPARATOR)
    if not sep or not module or not name.isidentifier():
        raise TaskError(
            f"'{reference}' is not a task reference: expected MODULE:NAME, where MODULE is a "
            "file ending in .py or a module name and NAME a callable in it, e.g. my_task.py:build"
        )
    return module, name


def label(reference: str) -> str:
    """A short name for a reference: ``my_task:build`` for ``/any/folder/my_task.py:build``, the
    reference itself for a module name or a registered task (keys, tables, file names)."""
    if not is_reference(reference):
        return reference
    module, name = split_reference(reference)
    if module.endswith(".py"):
        module = Path(module).stem
    return f"{module}{SEPARATOR}{name}"


def canonical(reference: str, base_dir: str | Path = ".") -> str:
    """``reference`` with its module resolved against ``base_dir`` (see the module docstring):
    an absolute file path, or a module name found on ``sys.path``. Raises :class:`TaskError`
    when neither exists."""
    module, name = split_reference(reference)
    return f"{resolve_module(module, Path(base_dir))}{SEPARATOR}{name}"


def resolve_module(module: str, base_dir: Path) -> str:
    """The absolute path of ``module``'s file, or its name when only ``sys.path`` has it."""
    if module.endswith(".py"):
        path = (base_dir / module).resolve()
        if not path.is_file():
            where = "" if Path(module).is_absolute() else f" {path}"
            raise TaskError(f"task module {module}: no such file{where}")
        return str(path)
    parts = module.split(".")
    if not all(part.isidentifier() for part in parts):
        raise TaskError(f"task module '{module}' is neither a file ending in .py nor a module name")
    folder = base_dir.joinpath(*parts)
    for path in (folder.with_suffix(".py"), folder / "__init__.py"):
        if path.is_file():
            return str(path.resolve())
    if importlib.util.find_spec(parts[0]) is None:
        raise TaskError(
            f"task module '{module}' not found: no {folder.with_suffix('.py')} and no module "
            f"'{parts[0]}' on sys.path"
        )
    return module


def load_builder(reference: str):
    """The builder ``NAME`` of ``MODULE`` (imported now if need be), checked to be callable."""
    module_ref, name = split_reference(reference)
    return builder_in(load_module(module_ref), module_ref, name)


def builder_in(module: ModuleType, module_ref: str, name: str):
    """``module.name``, checked to be callable (``module_ref`` names the module in errors)."""
    where = f"task module {module_ref}"
    if not hasattr(module, name):
        public = [n for n in vars(module) if not n.startswith("_")]
        close = difflib.get_close_matches(name, public, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise TaskError(f"{where} has no '{name}'{hint}")
    builder = getattr(module, name)
    if not callable(builder):
        raise TaskError(
            f"{where}: '{name}' is a {type(builder).__name__}, not a callable "
            "name(size) returning a proxy_tasks.Task"
        )
    return builder


def build_user_task(reference: str, size: int) -> Task:
    """``NAME(size)`` of ``MODULE``, checked against the contract (:mod:`proxy_tasks.contract`),
    renamed ``reference``: a task's name is how :func:`proxy_tasks.get_task` finds it again (in a
    Ray worker, a benchmark job, a funnel stage)."""
    builder = load_builder(reference)
    name = split_reference(reference)[1]
    where = f"task {reference}"
    try:
        task = builder(size)
    except Exception as err:  # the user's code: whatever it raises is one line, not a traceback
        raise TaskError(f"{where}: {name}({size}) raised {_one_line(err)}") from None
    if not isinstance(task, Task):
        raise TaskError(
            f"{where}: {name}({size}) returned a {type(task).__name__}, not a proxy_tasks.Task"
        )
    check_task(task, size, where)
    return dataclasses.replace(task, name=reference)


def load_module(module_ref: str) -> ModuleType:
    """The module of a reference: a ``.py`` file imported by its path (see the module
    docstring), or a module name imported from ``sys.path``; imported once per process."""
    path = Path(module_ref).resolve() if module_ref.endswith(".py") else None
    if path is not None and not path.is_file():
        raise TaskError(f"task module {module_ref}: no such file")
    try:
        if path is None:
            module = importlib.import_module(module_ref)
        elif (path.parent / "__init__.py").is_file():
            module = _import_in_package(path, module_ref)
        else:
            module = _import_file(path)
    except TaskError:
        raise
    except SyntaxError as err:
        where = f"{err.filename}, line {err.lineno}" if err.filename else module_ref
        raise TaskError(f"task module {module_ref}: syntax error at {where}: {err.msg}") from None
    except ModuleNotFoundError as err:
        if path is None and (err.name == module_ref or module_ref.startswith(f"{err.name}.")):
            raise TaskError(f"task module '{module_ref}' not found on sys.path") from None
        raise TaskError(f"importing task module {module_ref} failed: {_one_line(err)}") from None
    except Exception as err:  # the user's code: whatever it raises is one line, not a traceback
        raise TaskError(f"importing task module {module_ref} failed: {_one_line(err)}") from None
    return module


def _import_file(path: Path) -> ModuleType:
    """A file outside any package, as module ``_symopt_task_<stem>_<hash of its path>``: two
    files of the same name never meet, nor shadow a module of that name. Its folder goes at the
    end of ``sys.path``, so it may import the modules beside it."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    name = f"_symopt_task_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    if str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before it runs: dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _import_in_package(path: Path, module_ref: str) -> ModuleType:
    """A file inside a package, by its dotted name from the first folder above that is not a
    package (put first on ``sys.path``), so that its relative imports work."""
    root, dotted = _package_root(path)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module = importlib.import_module(dotted)
    if Path(getattr(module, "__file__", "") or "").resolve() != path:
        raise TaskError(
            f"task module {module_ref}: the module name '{dotted}' is already taken by "
            f"{getattr(module, '__file__', None) or 'a built-in module'}; rename the package"
        )
    return module


def _package_root(path: Path) -> tuple[Path, str]:
    """The first folder above ``path`` that is not a package, and ``path``'s dotted name there."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, ".".join(parts)


def _one_line(err: BaseException) -> str:
    """``Type: message`` on one line."""
    message = " ".join(str(err).split())
    return f"{type(err).__name__}: {message}" if message else type(err).__name__
