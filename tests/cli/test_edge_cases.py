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


@pytest.mark.parametrize("seed", ["sgd", "momentum"])
def test_simplify_with_a_task_down_to_a_bare_return(seed, capsys):
    """On cancer_mlp, plain ``w -= g`` scores as well as both seeds, so ablation ends there."""
    assert main(["simplify", str(SEEDS / f"{seed}.txt"), "--task", "cancer_mlp"]) == 0
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
