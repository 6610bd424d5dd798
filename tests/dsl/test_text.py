"""The text format: spellings, round trips, positions of errors."""

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings

from symopt.dsl import Program, Statement, parse, read_program, to_text
from symopt.errors import ProgramError
from tests.strategies import programs

SEEDS = Path(__file__).parents[2] / "search_spaces" / "seeds"


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_seed_programs_round_trip(path):
    program = read_program(path)
    assert parse(to_text(program)) == program


def test_adamw_seed_is_the_paper_program():
    program = read_program(SEEDS / "adamw.txt")
    assert program.params == ("w", "g", "m", "v", "lr")
    assert program.returns == ("update", "m", "v")
    assert [s.op for s in program.body] == [
        "square", "interp", "interp", "sqrt", "div", "mul", "add", "mul", "mul",
    ]  # fmt: skip
    assert program.body[1] == Statement("m", "interp", ("g", "m", 0.9))
    assert program.body[7] == Statement("lr", "mul", ("lr", 0.001))


def test_paper_spellings_are_ops():
    program = parse(
        "def train(w, g, m, lr):\n"
        "    a = g + m\n    b = a - w\n    c = b * -0.5\n    d = c / lr\n    e = -d\n"
        "    f = -(-0.5)\n    h = div(e, f)\n    m = interp(h, m, 0.9)\n"
        "    return m, m\n"
    )
    ops = [(s.op, s.args) for s in program.body]
    assert ops == [
        ("add", ("g", "m")),
        ("sub", ("a", "w")),
        ("mul", ("b", -0.5)),
        ("div", ("c", "lr")),
        ("negative", ("d",)),
        ("negative", (-0.5,)),
        ("div", ("e", "f")),
        ("interp", ("h", "m", 0.9)),
    ]
    text = to_text(program)
    assert "h = e / f" in text and "f = -(-0.5)" in text and "c = b * -0.5" in text
    assert parse(text) == program


def test_integers_are_float_constants_and_comments_are_ignored():
    program = parse(
        '"""doc"""\n# comment\ndef train(w, g, lr):\n    """doc"""\n    u = g * 2\n    return u\n'
    )
    assert program.body == (Statement("u", "mul", ("g", 2.0)),)


@settings(max_examples=300, deadline=None)
@given(programs())
def test_print_parse_print_is_stable(program: Program):
    text = to_text(program)
    again = parse(text)
    assert again == program
    assert to_text(again) == text


def test_errors_name_line_and_column():
    with pytest.raises(ProgramError) as err:
        parse("def train(w, g, lr):\n    u = cos(g)\n    x = norm(lr)\n    return u\n", "p.txt")
    assert str(err.value).startswith("p.txt:3:14: 'norm' needs a Tree")


def test_importing_the_dsl_imports_no_jax_ray_or_sympy():
    code = (
        "import sys, symopt.dsl, symopt.dsl.space, symopt.search.random_programs\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'jax', 'ray', 'sympy'})\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
