"""`symopt bench --ops`: the timed programs are what they claim, and the command reports."""

import json

import pytest

from symopt.analysis.liveness import prune
from symopt.bench_ops import CHAIN, chain_program
from symopt.cli import main
from symopt.dsl import infer_kinds


@pytest.mark.parametrize("op", ["mul", "norm", "orthogonalize", "row_mean"])
def test_every_chained_statement_is_live(op):
    program = chain_program(op, CHAIN)
    infer_kinds(program)
    assert len(prune(program).body) == len(program.body) == CHAIN + 5
    assert [s.op for s in program.body[:CHAIN]] == [op] * CHAIN
    assert len(prune(chain_program(op, 0)).body) == 6


def test_an_op_without_a_tree_argument_is_refused(capsys):
    assert main(["bench", "--ops", "get_pi", "--task", "cancer_mlp"]) == 2
    assert "'get_pi' is not an op that takes a Tree" in capsys.readouterr().err


@pytest.mark.slow
def test_bench_ops_json(capsys):
    args = ["bench", "--ops", "mul", "orthogonalize", "--task", "cancer_mlp", "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert [c["op"] for c in result["ops"]] == ["mul", "orthogonalize"]
    assert all(isinstance(c["us_per_statement"], float) for c in result["ops"])
