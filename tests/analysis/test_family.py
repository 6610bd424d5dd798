"""Update-rule families found by behaviour: the seeds, hand-written members, disguised ones."""

import pytest

from symopt.analysis.family import behaviour
from symopt.cli import main
from symopt.dsl import parse, read_program
from tests.dsl.test_text import SEEDS


def program(*lines: str, states: str = "") -> object:
    head = f"def train(w, g, {states}lr):" if states else "def train(w, g, lr):"
    returns = "update" + (", " + states.rstrip(", ") if states else "")
    body = "".join(f"    {line}\n" for line in lines)
    return parse(f"{head}\n{body}    return {returns}\n")


@pytest.mark.parametrize(
    ("seed", "family"),
    [("adamw", "adaptive"), ("lion", "sign momentum"), ("sgd", "linear"), ("momentum", "linear")],
)
def test_the_seed_programs(seed, family):
    assert behaviour(read_program(SEEDS / f"{seed}.txt")).family == family


def test_signum_and_signsgd():
    signum = program("m = interp(g, m, 0.9)", "s = sign(m)", "update = s * lr", states="m, ")
    assert behaviour(signum).family == "sign momentum"
    assert behaviour(program("s = sign(g)", "update = s * lr")).family == "sign"


def test_a_disguised_sign_is_found_by_what_it_does():
    """m / sqrt(m * m) is sign(m); the weight decay term vanishes at w = 0."""
    lion_like = program(
        "c = interp(g, m, 0.8)", "c2 = square(c)", "r = sqrt(c2)", "s = c / r",
        "wd = w * 0.1", "update = s + wd", "update = update * lr", "m = interp(g, m, 0.99)",
        states="m, ",
    )  # fmt: skip
    found = behaviour(lion_like)
    assert found.family == "sign momentum" and found.scale_free


def test_adam_without_momentum_is_adaptive_and_a_cube_is_other():
    rmsprop = program("g2 = square(g)", "v = interp(g2, v, 0.99)", "r = rsqrt(v)",
                      "update = g * r", "update = update * lr", states="v, ")  # fmt: skip
    assert behaviour(rmsprop).family == "adaptive"
    assert behaviour(program("update = cube(g)")).family == "other"
    assert behaviour(program("l = log(w)", "update = g * l")).family == "invalid"


def test_sign_of_the_old_momentum_is_still_the_lion_family():
    """The first update is sign(0) = 0: a step that does not move is no evidence either way."""
    late = program("s = sign(m)", "update = s * lr", "m = interp(g, m, 0.9)", states="m, ")
    assert behaviour(late).family == "sign momentum"


def test_rules_without_a_gradient_are_named_as_such():
    assert behaviour(program("update = w * 0.01")).family == "inert"
    assert behaviour(program("c = w * 0.01", "update = c + 0.001")).family == "gradient-free"


def test_analyze_prints_the_family(capsys):
    assert main(["analyze", str(SEEDS / "lion.txt")]) == 0
    assert "family: sign-based momentum (Lion's family)" in capsys.readouterr().out
