"""Renaming keeps what a program reads and gives the seeds' names back."""

from symopt.dsl import read_program, to_text
from symopt.simplify.naming import rename
from symopt.simplify.ssa import resolve, to_ssa
from tests.dsl.test_text import SEEDS


def test_single_assignment_then_rename_reads_the_same_values():
    for path in sorted(SEEDS.glob("*.txt")):
        program = read_program(path)
        renamed = rename(to_ssa(program))
        assert resolve(renamed) == resolve(program), path.stem
        assert renamed.returns[0] == "update"


def test_adamw_gets_descriptive_names():
    text = to_text(rename(to_ssa(read_program(SEEDS / "adamw.txt"))))
    for line in ("g2 = square(g)", "m = interp(g, m, 0.9)", "sqrt_v = sqrt(v)", "lr = lr * 0.001"):
        assert line in text
