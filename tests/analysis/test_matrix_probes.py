"""The judge on the shape-aware ops: probes with matrix blocks, fingerprints that tell matrix ops
apart, and the paper's space judged exactly as before."""

from __future__ import annotations

import io

import jax
import numpy as np
import pytest

import proxy_tasks
from symopt.analysis.fingerprint import fingerprint
from symopt.analysis.probes import BLOCK, Probe, _block, record_probe, synthetic_probe
from symopt.dsl import parse, read_program
from symopt.dsl.matrix_ops import matrix_shape
from symopt.errors import SymoptError
from tests.dsl.test_text import SEEDS

MOMENTUM = """def train(w, g, m, lr):
    m = interp(g, m, 0.9)
    u = {op}(m)
    u = u * lr
    u = u * 0.02
    return u, m
"""
# MOMENTUM with orthogonalize, written another way: renamed, commuted, a dead statement.
MOMENTUM_AGAIN = """def train(weights, grad, mom, rate):
    mom = interp(grad, mom, 0.9)
    unused = row_mean(grad)
    direction = orthogonalize(mom)
    update = rate * direction
    update = update * 0.02
    return update, mom
"""

# Measured with the code before the matrix ops (main at e79d294): fingerprints of the paper's
# seeds on the synthetic probe and on the digits_mlp probe, and the digests of both probes.
BEFORE = {
    "adamw": ("87c714e0afe304b311a5a1c2", "f27b38fca2264f0cf29144b0"),
    "lion": ("bf2ec6db11faf81e94972456", "627ff4d51c4491a22156d7da"),
    "sgd": ("83c20a33b10d11c51c455da9", "1621cc608248b55e7dfa61b5"),
    "momentum": ("72de42a65528d6af5c34bc4f", "88cab9750838f950adf3d979"),
}
PROBES_BEFORE = {"synthetic": "fa74f6cb086be013", "digits_mlp": "db0a196c2025453b"}


@pytest.fixture(scope="module")
def digits_probes() -> tuple[Probe, Probe]:
    task = proxy_tasks.get_task("digits_mlp")
    return record_probe(task), record_probe(task, blocks=True)


def test_the_paper_space_is_judged_exactly_as_before(digits_probes):
    scattered, _ = digits_probes
    assert synthetic_probe().digest == PROBES_BEFORE["synthetic"]
    assert scattered.digest == PROBES_BEFORE["digits_mlp"]
    for name, (synthetic, digits) in BEFORE.items():
        program = read_program(SEEDS / f"{name}.txt")
        assert fingerprint(program).digest == synthetic
        assert fingerprint(program, probes=(scattered,)).digest == digits


def test_blocks_are_real_rows_and_columns_of_each_matrix(digits_probes):
    scattered, blocked = digits_probes
    params = proxy_tasks.get_task("digits_mlp").init_params()
    shapes = [x.shape for x in jax.tree.leaves(params)]
    assert scattered.blocks is None
    assert len(blocked.blocks) == len(shapes)
    for block, size, full, shape in zip(
        blocked.blocks, blocked.sizes, blocked.full_sizes, shapes, strict=True
    ):
        if matrix_shape(shape) is None:
            assert block == ()
            continue
        r, c, rows, cols = block
        assert (rows, cols) == matrix_shape(shape) and rows * cols == full
        assert (r, c) == (min(rows, BLOCK), min(cols, BLOCK)) and r * c == size
    assert blocked.digest != scattered.digest


def test_a_block_takes_a_quarter_of_its_rows_among_rows_of_exact_zeros():
    g = np.random.default_rng(0).normal(size=(40, 30))
    zero_rows = [3, 7, 11, 20, 21, 33]
    g[zero_rows] = 0.0
    flat, block = _block(np.random.default_rng(1), g)
    picked = g.reshape(-1)[flat].reshape(block[:2])
    assert block == (BLOCK, BLOCK, 40, 30)
    assert (~picked.any(axis=1)).sum() >= BLOCK // 4  # at random, 1.2 of 8 expected
    rows = sorted({int(i) // 30 for i in flat})
    cols = sorted({int(i) % 30 for i in flat})
    np.testing.assert_array_equal(picked, g[np.ix_(rows, cols)])  # a real sub-matrix


@pytest.mark.parametrize("probe_kind", ["synthetic", "digits_mlp"])
def test_matrix_ops_part_programs_and_equal_programs_collide(probe_kind, digits_probes):
    probe = synthetic_probe(blocks=True) if probe_kind == "synthetic" else digits_probes[1]

    def digest(text: str) -> str:
        return fingerprint(parse(text), probes=(probe,)).digest

    programs = {op: MOMENTUM.format(op=op) for op in ("orthogonalize", "row_mean", "col_mean")}
    programs["none"] = MOMENTUM.replace("{op}(m)", "m * 1.0")
    digests = {name: digest(text) for name, text in programs.items()}
    assert len(set(digests.values())) == len(digests), digests
    assert digest(MOMENTUM_AGAIN) == digests["orthogonalize"]


def test_the_seeds_are_finite_and_muon_needs_its_orthogonalisation(digits_probes):
    muon = read_program(SEEDS / "muon.txt")
    without = parse((SEEDS / "muon.txt").read_text().replace("    u = orthogonalize(u)\n", ""))
    for probe in (synthetic_probe(blocks=True), digits_probes[1]):
        found = fingerprint(muon, probes=(probe,))
        assert found.finite, found.reason
        assert fingerprint(read_program(SEEDS / "adafactor.txt"), probes=(probe,)).finite
        assert fingerprint(without, probes=(probe,)).digest != found.digest


def test_the_default_probe_has_blocks_when_the_program_needs_them():
    program = parse(MOMENTUM.format(op="orthogonalize"))
    assert fingerprint(program) == fingerprint(program, probes=(synthetic_probe(blocks=True),))


def test_a_matrix_op_on_a_probe_without_blocks_is_an_error_not_a_guess(digits_probes):
    program = parse(MOMENTUM.format(op="orthogonalize"))
    with pytest.raises(SymoptError, match="matrix blocks"):
        fingerprint(program, probes=(digits_probes[0],))


def test_blocks_survive_saving_and_loading(digits_probes):
    probe = digits_probes[1]
    loaded = Probe.load(io.BytesIO(probe.to_bytes()))
    assert loaded.blocks == probe.blocks and loaded.digest == probe.digest
    plain = Probe.load(io.BytesIO(digits_probes[0].to_bytes()))
    assert plain.blocks is None and plain.digest == digits_probes[0].digest


def test_family_and_exact_simplification_handle_matrix_ops(capsys):
    from symopt.analysis.family import behaviour
    from symopt.cli import main

    muon = read_program(SEEDS / "muon.txt")
    assert behaviour(muon).family == "adaptive"  # Adam on vectors, scale-free on matrices
    for name in ("muon", "adafactor"):
        assert main(["simplify", str(SEEDS / f"{name}.txt"), "--exact"]) == 0
    assert "orthogonalize(" in capsys.readouterr().out
