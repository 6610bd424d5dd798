"""`symopt funnel` from the command line: a table on stdout, one-line errors."""

from symopt.cli import main
from tests.funnel.conftest import write_funnel_config

SMALL = """
top: 2
stages:
  - {task: cancer_mlp, size: 1}
lr_factors: [1.0]
baselines:
  adamw_lrs: [1.0e-3]
  adamw_weight_decays: [0.01]
  lion_lrs: [1.0e-4]
  lion_weight_decays: [0.1]
  widen: 0
"""


def test_funnel_prints_its_table(run_dir, tmp_path, capsys):
    config = write_funnel_config(tmp_path / "funnel.yaml", SMALL)
    assert main(["funnel", str(run_dir), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "cancer_mlp/1" in out and "AdamW" in out and "Lion" in out and "seed" in out


def test_funnel_errors_are_one_line(run_dir, tmp_path, capsys):
    bad = write_funnel_config(tmp_path / "bad.yaml", SMALL.replace("cancer_mlp", "cancer_mpl"))
    for args in (
        ["funnel", str(tmp_path / "nowhere")],
        ["funnel", str(run_dir), "--config", str(bad)],
    ):
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("symopt: error:")
