"""Exact simplification: dead code, unused state slots, folding, algebra, names."""

import numpy as np
import pytest

from symopt.analysis.structural import structural_hash
from symopt.bench import candidate_stream
from symopt.dsl import infer_kinds, parse, read_program, to_text
from symopt.execution.reference import execute
from symopt.simplify import simplify_exact
from symopt.simplify.exact import agreement, probe_difference, probes
from tests.dsl.test_text import SEEDS

ADAMW = read_program(SEEDS / "adamw.txt")

BLOATED_ADAMW = """\
def train(w, g, m, v, k, lr):
    x = cos(g)
    g2 = square(g)
    k = g * 2.0
    m = interp(g, m, 0.9)
    m2 = m * 1.0
    v = interp(g2, v, 0.999)
    sqrt_v = sqrt(v)
    update = m2 / sqrt_v
    wd = w * 0.01
    update = update + wd
    lr = lr * 0.001
    update = update * lr
    t = update + 0.0
    return t, m, v, k
"""


def simplify(text: str) -> tuple:
    program = parse(text)
    lines: list[str] = []
    result = simplify_exact(program, lines.append)
    return program, result, lines


def equivalent(a, b, up_to_eps: bool = False) -> bool:
    return agreement(probe_difference(probes(a), probes(b)), up_to_eps)[0]


def test_bloated_adamw_simplifies_back_to_adamw():
    program, result, lines = simplify(BLOATED_ADAMW)
    assert structural_hash(result) == structural_hash(ADAMW)
    assert result.params == ADAMW.params and len(result.body) == len(ADAMW.body)
    assert equivalent(program, result)
    assert any("`x = cos(g)`" in line and "dead code" in line for line in lines)
    assert any("dropped state slot `k`" in line for line in lines)
    assert sum("algebra" in line for line in lines) == 2  # m * 1.0 and update + 0.0


def test_sign_through_a_square_root_and_an_overwritten_state():
    program, result, lines = simplify(
        "def train(w, g, m, s, lr):\n"
        "    s = g * 3.0\n"  # s is overwritten before it is read: it carries nothing
        "    m = interp(g, m, 0.9)\n"
        "    b = m * m\n"
        "    c = sqrt(b)\n"
        "    d = m / c\n"
        "    update = d * lr\n"
        "    return update, m, s\n"
    )
    assert result.params == ("w", "g", "m", "lr")
    assert [s.op for s in result.body] == ["interp", "sign", "mul"]
    assert any("up to the protected epsilon" in line and "sign(m)" in line for line in lines)
    assert equivalent(program, result, up_to_eps=True)


def test_interp_of_interp_with_constant_weights_folds():
    _, result, lines = simplify(
        "def train(w, g, m, lr):\n"
        "    a = interp(g, m, 0.5)\n"
        "    b = interp(g, a, 0.8)\n"  # (1 - 0.4) g + 0.4 m
        "    update = b * lr\n"
        "    m = interp(g, m, 0.9)\n"
        "    return update, m\n"
    )
    first = result.body[0]
    assert first.op == "interp" and first.args[:2] == ("g", "m")
    assert first.args[2] == pytest.approx(0.4)
    assert len(result.body) == 3
    assert any("interp of interp" in line for line in lines)


def test_constant_scalings_merge_and_identities_drop():
    _, result, lines = simplify(
        "def train(w, g, lr):\n"
        "    a = g * 2.0\n"
        "    b = 3.0 * a\n"
        "    c = -b\n"
        "    d = c * 1.0\n"
        "    e = d + 0.0\n"
        "    update = e * lr\n"
        "    return update\n"
    )
    assert [s.op for s in result.body] == ["mul", "mul"]
    assert -6.0 in result.body[0].args
    assert any("constant scalings" in line for line in lines)


def test_constants_fold_into_their_users():
    _, result, lines = simplify(
        "def train(w, g, lr):\n    p = get_pi()\n    h = p * 2.0\n"
        "    update = g * h\n    return update\n"
    )
    assert len(result.body) == 1
    assert result.body[0].args[1] == pytest.approx(6.2831853, rel=1e-6)
    assert sum("constant folding" in line for line in lines) == 2


def test_seeds_are_already_simple():
    for name in ("adamw", "lion", "sgd", "momentum"):
        program = read_program(SEEDS / f"{name}.txt")
        lines: list[str] = []
        result = simplify_exact(program, lines.append)
        assert structural_hash(result) == structural_hash(program), name
        assert lines == [], name


def test_random_walks_from_adamw_stay_valid_equivalent_and_no_longer():
    for program in candidate_stream(50, seed=3):
        lines: list[str] = []
        result = simplify_exact(program, lines.append)
        infer_kinds(result)
        assert parse(to_text(result)) == result
        assert len(result.body) <= len(program.body)
        up_to_eps = any("up to the protected epsilon" in line for line in lines)
        assert equivalent(program, result, up_to_eps), to_text(program)


@pytest.mark.parametrize("factor", ["1e+30", "1e+308"])
def test_scalings_that_overflow_float32_stay_as_they_are(factor):
    """Program text has no spelling for ``inf``: ``g * 1e30 * 1e30`` must not become ``g * inf``."""
    text = f"def train(w, g, lr):\n    a = g * {factor}\n    u = a * {factor}\n    return u\n"
    _, result, _ = simplify(text)
    assert parse(to_text(result)) == result
    assert "inf" not in to_text(result)


# The Lion form: the inner interp has another user (the update), so it stays. Each case pairs a
# chain with its fold written by hand from interp(x, y, a) = (1-a)x + ay:
#   (1-b)x + b((1-a)x + ay) = (1-ab)x + ab y          -> interp(x, y, a*b)
#   (1-b)((1-a)x + ay) + by = (1-c)x + c y, c = a+b-ab -> interp(x, y, a + b - a*b)
LION_CHAIN = (
    "def train(w, g, m, lr):\n"
    "    c = interp(g, m, 0.899)\n"
    "    update = sign(c)\n"
    "    m = {outer}\n"
    "    update = update * lr\n"
    "    return update, m\n"
)
FOLDS = [
    ("interp(g, c, 1.109)", 0.899 * 1.109),
    ("interp(c, m, 0.5)", 0.899 + 0.5 - 0.899 * 0.5),
]


def run_steps(program, g_steps, xp=np):
    """Updates and states of ``program`` over the gradient sequence, through the reference."""
    states = tuple((np.zeros_like(g_steps[0]),) for _ in program.states)
    w = (np.ones_like(g_steps[0]),)
    out = []
    for g in g_steps:
        update, states = execute(program, xp, w, (g,), states, np.float32(0.01))
        out.append(np.concatenate([update[0], *(s[0] for s in states)]))
    return np.stack(out)


@pytest.mark.parametrize(("outer", "weight"), FOLDS)
def test_hand_folded_interp_chain_is_equivalent_through_the_reference(outer, weight):
    """The oracle (the fold written by hand) against the chain, numerically, on random inputs."""
    chain = parse(LION_CHAIN.format(outer=outer))
    folded = parse(LION_CHAIN.format(outer=f"interp(g, m, {weight!r})"))
    rng = np.random.default_rng(7)
    g_steps = [
        rng.normal(size=64).astype(np.float32) * 10.0 ** rng.uniform(-3, 1) for _ in range(30)
    ]
    np.testing.assert_allclose(
        run_steps(folded, g_steps), run_steps(chain, g_steps), rtol=1e-4, atol=1e-7
    )


@pytest.mark.parametrize(("outer", "weight"), FOLDS)
def test_interp_chain_folds_when_the_inner_interp_has_other_users(outer, weight):
    program, result, lines = simplify(LION_CHAIN.format(outer=outer))
    expected = parse(LION_CHAIN.format(outer=f"interp(g, m, {weight!r})"))
    assert len(result.body) == len(expected.body)
    state = next(s for s in result.body if s.target == result.returns[1])
    assert state.op == "interp" and state.args[:2] == ("g", "m")
    assert state.args[2] == pytest.approx(weight, rel=1e-6)
    direction = [s for s in result.body if s.op == "interp" and s.target != state.target]
    assert len(direction) == 1 and direction[0].args == ("g", "m", 0.899)
    assert any("stays for its other users" in line for line in lines)


def test_paper_raw_lion_keeps_both_betas_in_the_exact_pass():
    """The paper's raw program: sign(interp(g', v, 0.899)) with state v = interp(g', v, 0.997)."""
    _, result, _ = simplify((SEEDS.parent / "discovered" / "lion_raw_paper.txt").read_text())
    interps = sorted(s.args[2] for s in result.body if s.op == "interp")
    assert interps == [0.899, pytest.approx(0.899 * 1.109, rel=1e-6)]
    assert result.states == ("v",) and any(s.op == "sign" for s in result.body)
