"""`symopt simplify` from the command line: program on stdout (or -o), steps on stderr."""

import pytest

from symopt.cli import main
from symopt.dsl import parse, read_program
from tests.dsl.test_text import SEEDS

BLOATED = (
    "def train(w, g, m, v, lr):\n    junk = cos(g)\n    g2 = square(g)\n    m = interp(g, m, 0.9)\n"
    "    v = interp(g2, v, 0.999)\n    sqrt_v = sqrt(v)\n    update = m / sqrt_v\n"
    "    wd = w * 0.01\n    update = update + wd\n    lr = lr * 0.001\n    one = get_pi()\n"
    "    update = update * lr\n    return update, m, v\n"
)


def test_exact_simplification_on_stdout_with_reasons_on_stderr(tmp_path, capsys):
    path = tmp_path / "p.txt"
    path.write_text(BLOATED)
    assert main(["simplify", str(path), "--exact"]) == 0
    captured = capsys.readouterr()
    simplified = parse(captured.out)
    assert len(simplified.body) == len(read_program(SEEDS / "adamw.txt").body)
    assert "dead code" in captured.err and "junk = cos(g)" in captured.err
    out = tmp_path / "s.txt"
    assert main(["simplify", str(path), "-o", str(out)]) == 0
    assert parse(out.read_text()) == simplified


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "cancer_mpl"], "did you mean 'cancer_mlp'"),
        ([], "no such file"),
        (["--task", "cancer_mlp", "--lr-factors", "1", "0"], "lr factor sweep must be positive"),
        (["--task", "cancer_mlp", "--lr-factors", "1", "1"], "lr factor sweep repeats a value"),
    ],
)
def test_simplify_errors_are_one_line(tmp_path, capsys, args, message):
    path = tmp_path / "p.txt"
    if args:
        path.write_text(BLOATED)
    assert main(["simplify", str(path), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_help_says_how_ablation_judges(capsys):
    with pytest.raises(SystemExit):
        main(["simplify", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    fragments = ("validation loss", "tuning seeds (1000, 1001", "best lr factor",
                 "--noise-factor standard errors", "keeps the program's own lr scale")  # fmt: skip
    for fragment in fragments:
        assert fragment in text, fragment
