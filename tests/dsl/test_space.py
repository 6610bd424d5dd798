"""Search spaces load from YAML, and bad ones are refused with one clear sentence."""

import pytest

from symopt.dsl import OPS, read_program
from symopt.dsl.space import load_space
from symopt.errors import SymoptError
from tests.dsl.test_text import SEEDS

MATRIX = {"is_matrix", "orthogonalize", "row_mean", "col_mean", "rms"}


def test_lion45_names_the_papers_ops_with_two_state_slots_and_the_adamw_seed():
    space = load_space("lion45")
    assert set(space.op_weights) == {name for name, op in OPS.items() if name not in MATRIX}
    assert space.state_slots == 2
    assert space.seed == read_program(SEEDS / "adamw.txt")


def test_the_matrix_space_adds_the_shape_aware_ops_and_starts_from_muon():
    space = load_space("matrix")
    assert set(space.op_weights) == set(OPS)
    assert set(space.op_weights) - set(load_space("lion45").op_weights) == MATRIX
    assert space.state_slots == 4
    assert space.seed == read_program(SEEDS / "muon.txt")


def write(tmp_path, text):
    (tmp_path / "seed.txt").write_text("def train(w, g, m, lr):\n    u = g * m\n    return u, m\n")
    path = tmp_path / "space.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nseed: seed.txt\nstate_slots: 1\nops: {cos: 1}\nmax_statments: 3\n",
         "unknown key 'max_statments'; did you mean 'max_statements'?"),
        ("name: x\nseed: seed.txt\nstate_slots: 1\nops: {coss: 1}\n",
         "unknown op 'coss'; did you mean 'cos'?"),
        ("name: x\nseed: seed.txt\nstate_slots: 2\nops: {cos: 1}\n",
         "the seed program has 1 state slot(s) but 'state_slots' is 2"),
        ("name: x\nseed: seed.txt\nstate_slots: 1\nops: {cos: -1}\n",
         "the weight of op 'cos' must be a number >= 0"),
        ("name: x\nseed: seed.txt\nstate_slots: 1\n", "missing key 'ops'"),
        ("name: [x\n", "not valid YAML"),
        ("name: x\nseed: nothere.txt\nstate_slots: 1\nops: {cos: 1}\n", "no such file"),
    ],
)  # fmt: skip
def test_bad_search_spaces(tmp_path, text, message):
    with pytest.raises(SymoptError) as err:
        load_space(write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_builtin_name_suggests_one():
    with pytest.raises(SymoptError, match="did you mean 'lion45'"):
        load_space("lion46")
