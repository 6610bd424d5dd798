"""The optax export: a standalone module that matches optax, NumPy and the reference meaning."""

import ast
import importlib.util
import random

import numpy as np
import pytest

from symopt.cli import main
from symopt.dsl import parse, read_program
from symopt.execution.reference import apply_update, init_states, make_step
from symopt.export import provenance_of, to_optax_source
from symopt.export.hyperparams import learning_rate
from symopt.search.random_programs import random_program
from tests.dsl.test_text import SEEDS
from tests.export.programs import PROGRAMS

jax = pytest.importorskip("jax", reason="the optax export tests need jax")
jnp = pytest.importorskip("jax.numpy", reason="the optax export tests need jax")
optax = pytest.importorskip("optax", reason="the optax export tests need optax")

SHAPES = {"dense": (4, 3), "bias": (3,), "conv": (2, 2, 3, 2)}


def load_module(source: str, tmp_path, name: str = "exported"):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export_lr(program, lr: float) -> float:
    """The export's learning rate that runs ``program`` at its own ``lr``."""
    factor = learning_rate(program)
    return lr * factor.default if factor.statement is not None else lr


def make_params(seed: int = 0):
    rng = np.random.default_rng(seed)
    return {k: rng.normal(size=s).astype(np.float32) for k, s in SHAPES.items()}


def gradient(params, t: int):
    """A deterministic gradient of a quadratic bowl plus fixed noise."""
    rng = np.random.default_rng(1000 + t)
    return {
        k: 2.0 * (np.asarray(params[k]) - 0.5) + rng.normal(size=SHAPES[k]).astype(np.float32)
        for k in sorted(params)
    }


def run_optax(tx, params, steps: int = 100):
    state = tx.init(params)
    for t in range(steps):
        updates, state = tx.update(gradient(params, t), state, params)
        params = optax.apply_updates(params, updates)
    return params


def assert_trees_close(a, b, atol):
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=atol, rtol=0)


@pytest.mark.parametrize("schedule", [False, True], ids=["constant", "cosine"])
def test_lion_export_matches_optax_lion(tmp_path, schedule):
    module = load_module(to_optax_source(read_program(SEEDS / "lion.txt")), tmp_path)
    lr = optax.cosine_decay_schedule(1e-3, 100) if schedule else 1e-3
    ours = run_optax(module.optimizer(lr), make_params())
    theirs = run_optax(optax.lion(lr, b1=0.9, b2=0.99, weight_decay=0.01), make_params())
    assert_trees_close(ours, theirs, atol=1e-6)
    moved = max(float(np.max(np.abs(ours[k] - make_params()[k]))) for k in SHAPES)
    assert moved > 1e-2  # the comparison is not vacuous


def numpy_adamw(params, steps: int, lr: float):
    """The paper's AdamW program written out by hand in float32 NumPy."""
    f32 = np.float32
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    for t in range(steps):
        g = gradient(params, t)
        new = {}
        for k, w in params.items():
            m[k] = f32(1 - f32(0.9)) * g[k] + f32(0.9) * m[k]
            v[k] = f32(1 - f32(0.999)) * (g[k] * g[k]) + f32(0.999) * v[k]
            update = m[k] / (np.sqrt(np.abs(v[k])) + f32(1e-8)) + w * f32(0.01)
            new[k] = w - update * (f32(lr) * f32(0.001))
        params = new
    return params


def test_adamw_export_matches_numpy(tmp_path):
    module = load_module(to_optax_source(read_program(SEEDS / "adamw.txt")), tmp_path)
    ours = run_optax(module.optimizer(0.5 * 0.001), make_params())
    theirs = numpy_adamw(make_params(), 100, 0.5)
    assert_trees_close(ours, theirs, atol=1e-5)


def test_reference_execution_matches_numpy_adamw():
    program = read_program(SEEDS / "adamw.txt")
    step, params = make_step(program), make_params()
    states = init_states(program, params)
    for t in range(100):
        update, states = step(params, gradient(params, t), states, 0.5)
        params = apply_update(params, update)
    assert_trees_close(params, numpy_adamw(make_params(), 100, 0.5), atol=1e-6)


def test_exported_random_programs_match_the_reference(tmp_path):
    rng = random.Random(7)
    for i in range(40):
        program = random_program(rng, rng.randint(1, 12), num_states=rng.randint(0, 3))
        module = load_module(to_optax_source(program), tmp_path, f"random{i}")
        tx, step = module.optimizer(export_lr(program, 0.01)), make_step(program)
        params_a = params_b = make_params(i)
        opt_state, states = tx.init(params_a), init_states(program, params_b)
        for t in range(3):
            updates, opt_state = tx.update(gradient(params_a, t), opt_state, params_a)
            params_a = optax.apply_updates(params_a, updates)
            update, states = step(params_b, gradient(params_b, t), states, 0.01)
            params_b = apply_update(params_b, update)
        for x, y in zip(jax.tree.leaves(params_a), jax.tree.leaves(params_b), strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5, equal_nan=True)


def test_exported_module_imports_only_jax_and_optax():
    source = to_optax_source(read_program(SEEDS / "adamw.txt"))
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"jax", "optax", "typing"}
    assert "m = interp(g, m, 0.9)" in ast.get_docstring(tree)  # the program as stored
    assert "m = (1.0 - b1) * g + b1 * m" in ast.get_docstring(tree)  # the maths as computed


def test_variable_names_that_would_shadow_module_names(tmp_path):
    program = parse(
        "def train(jnp, jax, count, _x, optax, lr):\n"
        "    jax = jax * lr\n    count = global_norm(jax)\n    _x = clip(jax, count)\n"
        "    optax = _x + jnp\n    return optax, jax, _x, optax\n"
    )
    module = load_module(to_optax_source(program), tmp_path)
    params = make_params()
    tx, step = module.optimizer(0.1), make_step(program)
    updates, _ = tx.update(gradient(params, 0), tx.init(params), params)
    states = init_states(program, params)
    update, _ = step(params, gradient(params, 0), states, 0.1)
    assert_trees_close(jax.tree.map(jnp.negative, updates), update, atol=1e-6)


def test_update_without_params_is_a_clear_error_only_when_the_rule_reads_them(tmp_path):
    lion = load_module(to_optax_source(read_program(SEEDS / "lion.txt")), tmp_path, "lion")
    tx = lion.optimizer(0.1)
    with pytest.raises(ValueError, match="reads the weights"):
        tx.update(make_params(), tx.init(make_params()))
    sgd = load_module(to_optax_source(read_program(SEEDS / "sgd.txt")), tmp_path, "sgd")
    tx = sgd.optimizer(0.1)
    updates, _ = tx.update(make_params(), tx.init(make_params()))
    assert_trees_close(updates, jax.tree.map(lambda g: -0.1 * g, make_params()), atol=1e-7)


def test_cli_export_writes_an_importable_module(tmp_path, capsys):
    out = tmp_path / "lion_opt.py"
    assert main(["export", str(SEEDS / "lion.txt"), "--to", "optax", "-o", str(out)]) == 0
    module = load_module(out.read_text(), tmp_path, "lion_opt")
    assert module.optimizer(1e-3).init(make_params()).count == 0
    assert "hand-written seed" in module.__doc__ and "found by symopt" not in module.__doc__
    assert main(["export", str(SEEDS / "sgd.txt")]) == 0
    assert (
        "def optimizer(\n    learning_rate: optax.ScalarOrSchedule = 0.01,"
        in capsys.readouterr().out
    )


@pytest.mark.parametrize("target", ["optax", "torch"])
def test_cli_export_with_test_writes_a_passing_test(tmp_path, capsys, target):
    import subprocess
    import sys

    module = tmp_path / f"lion_{target}.py"
    args = ["export", str(SEEDS / "lion.txt"), "--to", target, "-o", str(module), "--with-test"]
    assert main(args) == 0
    test_file = tmp_path / f"test_lion_{target}.py"
    assert test_file.exists()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", str(test_file)],
                          capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


def test_provenance_tells_seeds_from_discoveries(tmp_path):
    quick = read_program(PROGRAMS / "quick_meta.txt")
    run = provenance_of(f"{tmp_path}#best", quick)
    assert run.text.startswith(f"discovered by the symopt search run '{tmp_path.name}'")
    assert not run.seed
    lion = provenance_of(f"{tmp_path}#1", read_program(SEEDS / "lion.txt"))  # a run's seed
    assert lion.seed and "written by hand, not found by a search" in lion.text
    assert "not recorded" in provenance_of("elsewhere.txt", quick).text
    assert "discovered by the symopt search run" in to_optax_source(quick, "q", run)
