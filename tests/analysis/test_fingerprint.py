"""Structural hash and functional fingerprint: invariant where the function is, changed where
it is not."""

import random

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symopt.analysis.fingerprint import fingerprint, probe_outputs
from symopt.analysis.liveness import liveness
from symopt.analysis.structural import structural_hash
from symopt.cli import main
from symopt.dsl import Program, Statement, infer_kinds, parse
from symopt.dsl.kinds import param_kinds
from symopt.dsl.ops import OPS
from symopt.search.random_programs import gaussian_constant, random_statement
from tests.strategies import programs


def signatures(program: Program) -> tuple[str, str]:
    return structural_hash(program), fingerprint(program).digest


def rename(program: Program, rng: random.Random) -> Program:
    names = sorted(set(program.params) | {s.target for s in program.body})
    new = [f"n{i}" for i in range(len(names))]
    rng.shuffle(new)
    m = dict(zip(names, new, strict=True))
    body = tuple(
        Statement(m[s.target], s.op, tuple(m[a] if isinstance(a, str) else a for a in s.args))
        for s in program.body
    )
    return Program(tuple(m[p] for p in program.params), body, tuple(m[r] for r in program.returns))


def insert_dead(program: Program, rng: random.Random) -> Program:
    position = rng.randint(0, len(program.body))
    env = dict(param_kinds(program))
    for stmt, kind in zip(program.body[:position], infer_kinds(program), strict=False):
        env[stmt.target] = kind
    stmt, _ = random_statement(rng, env, dict.fromkeys(OPS, 1.0), gaussian_constant, "unused_x")
    return program.replace_body(program.body[:position] + (stmt,) + program.body[position:])


def swap_independent(program: Program, rng: random.Random) -> Program:
    body = list(program.body)
    for i in rng.sample(range(max(len(body) - 1, 0)), k=max(len(body) - 1, 0)):
        a, b = body[i], body[i + 1]
        if a.target != b.target and a.target not in b.variables() and b.target not in a.variables():
            body[i], body[i + 1] = b, a
    return program.replace_body(tuple(body))


def commute(program: Program) -> Program:
    body = tuple(
        Statement(s.target, s.op, s.args[::-1]) if s.op in ("add", "mul", "max", "min") else s
        for s in program.body
    )
    return program.replace_body(body)


@settings(max_examples=150, deadline=None)
@given(programs(max_statements=10), st.randoms(use_true_random=False))
def test_invariant_under_renaming_dead_code_reordering_and_commuting(program, rng):
    expected = signatures(program)
    assert signatures(rename(program, rng)) == expected
    assert signatures(insert_dead(program, rng)) == expected
    assert signatures(swap_independent(program, rng)) == expected
    assert signatures(commute(program)) == expected


@settings(max_examples=150, deadline=None)
@given(programs(max_statements=10), st.randoms(use_true_random=False))
def test_changed_by_a_constant_change_that_changes_the_outputs(program, rng):
    live = liveness(program).statements
    spots = [(i, j) for i, s in enumerate(program.body) if live[i]
             for j, a in enumerate(s.args) if isinstance(a, float)]  # fmt: skip
    if not spots:  # give the update a constant to change
        scaled = Statement("scaled_u", "mul", (program.returns[0], 1.5))
        program = Program(program.params, (*program.body, scaled),
                          ("scaled_u", *program.returns[1:]))  # fmt: skip
        spots = [(len(program.body) - 1, 1)]
    i, j = rng.choice(spots)
    stmt = program.body[i]
    value = stmt.args[j] * 3.0 + 1.0
    with np.errstate(over="ignore"):  # constants are float32: beyond its range they are all inf
        assume(np.float32(value) != np.float32(stmt.args[j]))
    args = stmt.args[:j] + (value,) + stmt.args[j + 1 :]
    body = list(program.body)
    body[i] = Statement(stmt.target, stmt.op, args)
    changed = program.replace_body(tuple(body))
    assert structural_hash(changed) != structural_hash(program)
    before, after = probe_outputs(program), probe_outputs(changed)
    with np.errstate(all="ignore"):
        differs = any(
            not np.allclose(x, y, rtol=1e-2, atol=1e-6, equal_nan=True)
            for x, y in zip(before[0] + before[1], after[0] + after[1], strict=True)
        )
    if differs:
        assert fingerprint(changed).digest != fingerprint(program).digest


def test_the_fingerprint_sees_algebra_that_the_structure_does_not():
    a = parse("def train(w, g, lr):\n    u = g * 2.0\n    u = u * lr\n    return u\n")
    b = parse("def train(w, g, lr):\n    u = g + g\n    u = lr * u\n    return u\n")
    assert structural_hash(a) != structural_hash(b)
    assert fingerprint(a).digest == fingerprint(b).digest


def test_nan_on_the_probes_is_found_without_training():
    program = parse("def train(w, g, lr):\n    x = arccosh(0.5)\n    u = g * x\n    return u\n")
    assert not fingerprint(program).finite


def test_analyze_finds_the_dead_cross_step_statement(tmp_path, capsys):
    path = tmp_path / "p.txt"
    path.write_text(
        "def train(w, g, m, v, lr):\n    m = interp(g, v, 0.9)\n    update = sign(m)\n"
        "    update = update * lr\n    m = cosh(update)\n    v = interp(g, v, 0.99)\n"
        "    return update, m, v\n"
    )
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "m = cosh(update)" in out and "<- dead" in out
    assert "dead statements: 4" in out and "m carries nothing" in out
    assert main(["analyze", str(path), "--json"]) == 0
    assert '"dead_statements": [\n  3\n ]' in capsys.readouterr().out
