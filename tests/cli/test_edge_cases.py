"""Edge cases a new user meets from the command line: zero-statement programs, simplify to a bare
return, strict JSON, the version and the help texts."""

import json

import pytest

from symopt.cli import main
from symopt.dsl import parse
from tests.dsl.test_text import SEEDS


def _strict(text: str):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_eval_of_a_program_with_no_statement(tmp_path, capsys):
    path = tmp_path / "bare.txt"
    path.write_text("def train(w, g, lr):\n    return g\n")
    assert main(["eval", str(path), "--task", "cancer_mlp", "--json"]) == 0
    record = _strict(capsys.readouterr().out)
    assert record["status"] == "ok" and record["steps"] > 0


def test_simplify_with_a_task_down_to_a_bare_return(tmp_path, capsys):
    """``g * 1.0000001`` is not ``g`` exactly, so the exact pass keeps it; ablation finds that
    dropping it changes nothing measurable and ends at a program with no statement."""
    path = tmp_path / "near_identity.txt"
    path.write_text("def train(w, g, lr):\n    update = g * 1.0000001\n    return update\n")
    assert main(["simplify", str(path), "--task", "cancer_mlp", "--lr-factors", "1", "3"]) == 0
    simplified = parse(capsys.readouterr().out)
    assert simplified.body == () and simplified.returns == (simplified.grad,)


def test_eval_json_is_strict_json_for_a_nonfinite_run(tmp_path, capsys):
    path = tmp_path / "inf.txt"
    path.write_text("def train(w, g, lr):\n    u = g * 1e+308\n    return u\n")
    assert main(["eval", str(path), "--task", "cancer_mlp", "--json"]) == 0
    out = capsys.readouterr().out
    record = _strict(out)
    assert record["status"] == "nonfinite" and record["final_loss"] is None


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("symopt 0.")


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("export", "RUN_DIR#best"),
        ("eval", "cancer_mlp, digits_mlp"),
        ("show", "how many best programs"),
        ("simplify", "shakespeare_lm"),
    ],
)
def test_help_says_what_is_accepted(command, fragment, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert fragment in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["eval", "p.txt", "--task", "cancer_mlp", "--seed", "-5"], "--seed: expected a whole"),
        (["eval", "p.txt", "--task", "cancer_mlp", "--seed", str(10**30)], "from 0 to 4294967295"),
        (["eval", "p.txt", "--task", "cancer_mlp", "--seed", "1.5"], "--seed: expected a whole"),
        (["show", "run", "--top", "0"], "--top: expected a whole number >= 1; got '0'"),
        (["show", "run", "--top", "-3"], "--top: expected a whole number >= 1; got '-3'"),
        (["simplify", "p.txt", "--noise-factor", "nan"], "--noise-factor: expected a finite"),
        (["simplify", "p.txt", "--noise-factor", "-1"], "--noise-factor: expected a finite"),
        (["simplify", "p.txt", "--noise-factor", "inf"], "--noise-factor: expected a finite"),
        (["simplify", "p.txt", "--seeds", "1"], "--seeds: expected a whole number from 2 to"),
        (["simplify", "p.txt", "--lr-factors", "x"], "--lr-factors: invalid float value"),
        (["bench", "--candidates", "0"], "--candidates: expected a whole number >= 1"),
        (["bench", "--memory-candidates", "0"], "--memory-candidates: expected a whole"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_numbers_and_arguments_are_one_line(args, fragment, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err


def test_bench_memory_stream_shorter_than_the_timed_stream(capsys):
    assert main(["bench", "--candidates", "10", "--memory-candidates", "5"]) == 2
    assert "--memory-candidates (5) must be at least --candidates (10)" in capsys.readouterr().err


def test_export_with_test_checks_the_module_name_before_writing(tmp_path, capsys):
    out = tmp_path / "bad-name.py"
    assert main(["export", str(SEEDS / "sgd.txt"), "--with-test", "-o", str(out)]) == 2
    assert "module name that Python imports" in capsys.readouterr().err
    assert not out.exists()


def test_ids_and_counts_past_sqlite_integers(tmp_path, capsys):
    from symopt.store import EvaluationRecord, RunStore

    run = tmp_path / "run"
    with RunStore.create(run, "name: x\n", "h") as store:
        store.add_evaluation(EvaluationRecord(program=(SEEDS / "sgd.txt").read_text(),
                                              fitness=0.5, status="ok", origin="seed"))  # fmt: skip
    assert main(["show", str(run), "--top", str(10**24)]) == 0
    assert "top 1:" in capsys.readouterr().out
    assert main(["analyze", f"{run}#{10**30}"]) == 2
    assert "has no evaluation with id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [(["--seeds", "0"], "1 <= seeds <= 1000; got 0"), (["--widen", "-1"], "must be >= 0; got -1")],
)
def test_benchmark_numbers_are_one_line(extra, fragment, capsys):
    assert main(["benchmark", str(SEEDS / "sgd.txt"), "--tasks", "cancer_mlp@1", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err
