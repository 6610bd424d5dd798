"""`symopt benchmark` from the command line."""

import json

import pytest

from symopt.cli import main
from tests.dsl.test_text import SEEDS


def test_benchmark_json_and_bad_tasks(tmp_path, capsys):
    args = ["benchmark", str(SEEDS / "adamw.txt"), "--tasks", "cancer_mlp@1", "--seeds", "1",
            "--json", "--plot", str(tmp_path / "b.png"), "--backend", "local",
            "--lr-factors", "0.3", "1", "--widen", "0", "--baselines", "AdamW"]  # fmt: skip
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert json.dumps(result)  # JSON-able
    assert (tmp_path / "b.png").stat().st_size > 5000
    assert result["lr_factors"] == [0.3, 1.0]
    assert result["program_weight_decays"] == [0.0, 1e-5, 1e-4]  # the default
    assert list(result["baselines"]) == ["AdamW"]
    for bad in ("cancer_mpl", "cancer_mlp@x", "cancer_mlp@7"):
        assert main(["benchmark", str(SEEDS / "adamw.txt"), "--tasks", bad]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("symopt: error:")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "two"], "--workers expects"),
        (["--widen", "-1"], "must be >= 0"),
        (["--lr-factors", "1", "1"], "repeats"),
        (["--lr-factors", "0"], "lr factor sweep must be positive; got 0"),
        (["--lr-factors", "-3"], "must be positive"),
        (["--lr-factors", "nan"], "must be finite"),
        (["--lr-factors", "inf"], "must be finite"),
        (["--program-weight-decays", "-0.0001"], "program weight decay sweep must be positive"),
        (["--program-weight-decays", "0", "0"], "repeats"),
        (["--seeds", "0"], "1 <= seeds"),
        (["--seeds", "-2"], "1 <= seeds"),
        (["--baselines", "Adam"], "Unknown baseline 'Adam'"),
    ],
)
def test_benchmark_refuses_nonsense_numbers_in_one_line(extra, message, capsys):
    program = str(SEEDS / "adamw.txt")
    assert main(["benchmark", program, "--tasks", "cancer_mlp@1", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
