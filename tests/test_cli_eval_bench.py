"""`symopt eval` and `symopt bench` from the command line."""

import json

import pytest

from symopt.bench import candidate_stream
from symopt.cli import main
from symopt.dsl import to_text
from tests.dsl.test_text import SEEDS


def test_eval_prints_one_line_per_program(capsys):
    paths = [str(SEEDS / "adamw.txt"), str(SEEDS / "sgd.txt")]
    assert main(["eval", *paths, "--task", "cancer_mlp"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(paths[0]) and "fitness=0.9" in lines[0] and "status=ok" in lines[0]


def test_eval_compiles_the_ops_of_every_program_given(capsys):
    """``symopt eval`` compiles only the ops its programs use: those of all of them."""
    paths = [str(SEEDS / "sgd.txt"), str(SEEDS / "muon.txt")]  # muon: matrix ops sgd lacks
    assert main(["eval", *paths, "--task", "cancer_mlp"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all("status=ok" in line for line in lines), lines


def test_eval_json_and_seed(capsys):
    assert (
        main(["eval", str(SEEDS / "adamw.txt"), "--task", "cancer_mlp", "--seed", "3", "--json"])
        == 0
    )
    record = json.loads(capsys.readouterr().out)
    assert record["seed"] == 3 and record["status"] == "ok" and 0.5 < record["fitness"] <= 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "digit_mlp"], "did you mean 'digits_mlp'"),
        (["--task", "digits_mlp", "--size", "3"], "sizes 1, 10, 100"),
    ],
)
def test_eval_bad_task_is_one_line(capsys, args, message):
    assert main(["eval", str(SEEDS / "adamw.txt"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_eval_checks_every_program_before_training(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("def train(w, g, lr):\n    u = cos(g, g)\n    return u\n")
    assert main(["eval", str(SEEDS / "adamw.txt"), str(bad), "--task", "cancer_mlp"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "'cos' takes 1 argument" in captured.err


def test_candidate_stream_is_distinct_and_deterministic():
    first, second = candidate_stream(60, seed=1), candidate_stream(60, seed=1)
    assert first == second
    assert len({to_text(p) for p in first}) == 60


@pytest.mark.slow
def test_bench_json_has_the_documented_keys(capsys):
    assert main(["bench", "--task", "cancer_mlp", "--candidates", "5", "--memory-candidates", "20",
                 "--json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    for key in ("native_s", "evaluator_s", "per_program_jit_s", "rss_mb_start", "rss_mb_end"):
        assert result[key] > 0
